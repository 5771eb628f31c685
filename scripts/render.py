#!/usr/bin/env python3
"""Escreve as tabelas do README.md e do respostas.md a partir de results/.

Uso: python scripts/render.py          # reescreve os blocos dos dois arquivos
     python scripts/render.py --check  # só confere; sai com 1 se algum bloco estiver desatualizado

Cada bloco fica entre `<!-- NOME:início -->` e `<!-- NOME:fim -->`. Um bloco sem os seus marcadores no
arquivo é um erro (MissingMarker): nada some da resposta em silêncio. Um bloco tem tabelas e, quando uma frase
depende dos números (a nota do benchmark), essa frase; o texto em volta dos blocos é escrito à mão e não cita
tempos, que mudam de uma máquina para outra.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from common import br, signed

# As receitas da questão 4, na ordem das tabelas.
Q4 = ["inicial", "mod1_lr_baixo", "adam_constante", "mod2_scheduler", "sgd_constante", "mod3_sgd_scheduler"]
STUDENT = {"inicial": "enunciado", "mod1_lr_baixo": "Modificação 1", "mod2_scheduler": "Modificação 2",
           "mod3_sgd_scheduler": "Modificação 3"}  # os nomes que o aluno deu às receitas
DATASETS = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}
NOTEBOOK = {"mnist": "mnist_cnn.ipynb", "fashion": "fashion_mnist.ipynb"}
NOTEBOOK_KEY = {v: k for k, v in NOTEBOOK.items()}


# Cada receita por extenso: as tabelas nomeiam as receitas assim, e o identificador (o nome dos arquivos em
# results/) fica só na coluna "chave". Um nome que falta aqui aparece como o próprio identificador.
NAMES = {
    "inicial": "receita do enunciado",
    "mod1_lr_baixo": "Adam a 0,00001",
    "adam_constante": "Adam, taxa constante",
    "mod2_scheduler": "Adam com OneCycle",
    "sgd_constante": "SGD, taxa constante",
    "mod3_sgd_scheduler": "SGD com OneCycle",
    "mod4_treino_17pct": "Adam com OneCycle, só 10.200 imagens de treino",
    "rapida": "receita rápida",
    "receita_mnist": "ConvNet com BatchNorm e Dropout, SGD com OneCycle",
    "arq_convnet_bn": "ConvNet com BatchNorm",
    "arq_convnet_dropout": "ConvNet com Dropout",
    "arq_convnet_bn_dropout": "ConvNet com BatchNorm e Dropout",
    "arq_convnet_bn_dropout_aug": "ConvNet com BatchNorm e Dropout, com aumento",
    "arq_gap_net": "rede com média global",
    "arq_gap_net_aug": "rede com média global, com aumento",
    "arq_vgg5": "cinco convoluções 3×3",
    "arq_vgg5_aug": "cinco convoluções, com aumento",
    "arq_vgg5_aug_ls": "cinco convoluções, aumento e rótulos suavizados",
}
# Os nomes de CONFIG_NAMES do notebook que ficam melhor em português.
DIFFER = {"weight decay": "decaimento dos pesos", "label smoothing": "suavização dos rótulos"}
# O rótulo de cada comparação, curto e com o sentido da diferença (B − A). Uma comparação que não está aqui usa o
# rótulo do notebook ("effect") ou, sem ele, o que muda entre as duas receitas.
EFFECTS = {
    ("inicial", "adam_constante"): "épocas (10 − 6), Adam com taxa constante",
    ("mod1_lr_baixo", "adam_constante"): "taxa do Adam (0,001 − 0,00001)",
    ("adam_constante", "mod2_scheduler"): "agendador no Adam (OneCycle − constante)",
    ("sgd_constante", "mod3_sgd_scheduler"): "agendador no SGD (OneCycle 0,1 − constante 0,01)",
    ("adam_constante", "sgd_constante"): "otimizador e taxa (SGD − Adam), sem agendador",
    ("mod2_scheduler", "mod3_sgd_scheduler"): "otimizador e taxa (SGD − Adam), com OneCycle",
}


def name(key: str) -> str:
    """Uma receita por extenso; o modelo com TTA é o mesmo nome, "com TTA"."""
    base = key.removesuffix("+tta")
    return NAMES.get(base, key) + (", com TTA" if base != key and base in NAMES else "")


def run_name(run: str) -> str:
    """Um treino por extenso: `sgd_constante_lr0.1_seed0` → "SGD, taxa constante (0,1), semente 0"."""
    m = re.fullmatch(r"(.+?)(?:_lr([\d.]+))?_seed(\d+)", run)
    if not m:
        return name(run)
    return name(m.group(1)) + (f" ({rate(float(m.group(2)))})" if m.group(2) else "") + f", semente {m.group(3)}"


def machine(device_name: str) -> str:
    """O nome de uma máquina para o leitor: "CPU Intel Xeon", sem os (R), (TM) e Processor do /proc/cpuinfo."""
    return re.sub(r"\((R|TM)\)| Processor", "", device_name)


def pct(x: float, places: int = 2) -> str:
    return f"{br(x, places)}%"


def rate(x: float) -> str:
    """Uma taxa por extenso: 0,001, 0,00001, 0,1."""
    return f"{x:.10f}".rstrip("0").rstrip(".").replace(".", ",")


def duration(ms: float) -> str:
    """Um tempo medido em ms: em segundos a partir de 100 ms (0,99 s e 2,88 s, nunca misturados), senão em ms."""
    return f"{br(ms / 1000)} s" if ms >= 100 else f"{br(ms, 0 if ms >= 10 else 1)} ms"


def mean_sd(xs: list[float]) -> str:
    """Média, com o desvio-padrão (amostral) só quando há duas medidas ou mais: 99,05% ± 0,12."""
    return pct(statistics.mean(xs)) + (f" ± {br(statistics.stdev(xs))}" if len(xs) > 1 else "")


NUMERIC = re.compile(r"^(\*\*)?[+−-]?\d")  # uma célula que começa por um número
NOT_RECORDED = "não gravada (TTA)"  # a perda com TTA, que tta_metrics não mede


def table(headers: list[str], rows: list[list], text_columns: tuple = ()) -> str:
    """Uma tabela Markdown; uma coluna cujas células são todas números fica alinhada à direita, menos as de
    `text_columns` (texto que começa por um número: "21 em CPU …")."""
    rows = [[str(c) for c in row] for row in rows]
    align = ["---:" if rows and i not in text_columns and any(NUMERIC.match(r[i]) for r in rows)
             and all(NUMERIC.match(r[i]) or r[i] in ("—", "", NOT_RECORDED) for r in rows) else "---"
             for i in range(len(headers))]
    # a linha de alinhamento sem espaços (|---|---:|): é marcação, não texto, e assim não conta como palavras
    return "\n".join(["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|",
                      *("| " + " | ".join(row) + " |" for row in rows)])


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def get(root: Path, ds: str, name: str):
    """results/<ds>/<name>.json, ou None se não existe."""
    return load(root / "results" / ds / f"{name}.json")


def seeds(root: Path, ds: str, name: str) -> list[dict]:
    """Os resultados `<name>_seed<k>.json` de uma receita, por semente (os candidatos `<name>_lr…` não)."""
    pattern = re.compile(rf"{re.escape(name)}_seed(\d+)\.json")
    found = [(int(m.group(1)), p) for p in (root / "results" / ds).glob(f"{name}_seed*.json")
             if (m := pattern.fullmatch(p.name))]
    return [load(p) for _, p in sorted(found)]


def trainings(root: Path, ds: str) -> list[dict]:
    """Cada treino gravado uma vez: a cópia do candidato escolhido (com "selection") não conta de novo."""
    runs = [load(p) for p in sorted((root / "results" / ds).glob("*_seed*.json"))]
    return [r for r in runs if "selection" not in r]


def val_final(r: dict) -> float:
    return r["history"][-1]["val_acc"]


def optimizer(c: dict) -> str:
    name = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}.get(c["optimizer"], c["optimizer"])
    return name + (" Nesterov" if (c.get("optimizer_options") or {}).get("nesterov") else "")


def t_quantile(p: float, df: int) -> float:
    from scipy.stats import t  # o mesmo quantil exato que os notebooks usam nos intervalos de 95%

    return float(t.ppf(p, df))


# As comparações de acurácia que o respostas.md cita e que não estão em summary.json["_comparisons"]: no MNIST, a
# Modificação 4, o Adam a 0,0032 e o AdamW; no Fashion-MNIST, a Modificação 4 e a rede final sem TTA contra a
# Modificação 3.
CITED_OUTSIDE = {"mnist": 3, "fashion": 2}


def family_size(comparisons: list[dict], ds: str) -> int:
    """Quantos intervalos a correção de Bonferroni cobre num conjunto: cada diferença de acurácia no teste que o texto
    cita (nenhuma foi declarada principal antes dos resultados). Os da perda, sem o acaso do teste, não decidem nada
    e ficam fora."""
    return len(comparisons) + CITED_OUTSIDE[ds]


def bonferroni(c: dict, m: int, key: str = "diffs") -> tuple[float, float]:
    """O intervalo da diferença média (de acurácia; de perda com `key="loss_diffs"`) com a correção de Bonferroni
    para uma família de `m` intervalos: cada um ao nível 1 − 0,05/m (t de Student, n − 1 graus de liberdade), a
    partir das diferenças por semente."""
    diffs = c[key]
    half = (t_quantile(1 - 0.05 / (2 * m), len(diffs) - 1) * statistics.stdev(diffs) / len(diffs) ** 0.5
            if len(diffs) > 1 else float("inf"))
    mean = statistics.mean(diffs)
    return mean - half, mean + half


def interval_text(low: float, high: float, places: int = 2) -> str:
    """"−0,18 a +0,42"; se um limite arredonda para zero, os dois ganham uma casa: −0,005 a +0,045."""
    places += any(x != 0 and round(abs(x), places) == 0 for x in (low, high))
    return f"{signed(low, places)} a {signed(high, places)}"


def shown(comparisons: list[dict], group: str) -> list[dict]:
    """As comparações de um grupo que as tabelas mostram: cada Modificação contra o enunciado já tem o seu intervalo no
    texto, e a tabela fica com os efeitos de uma mudança só."""
    return [c for c in comparisons if c.get("group") == group and not (c["a"] == "inicial" and c["b"] in STUDENT)]


def with_test_noise(c: dict, m: int = 1) -> tuple[float, float]:
    """O intervalo de 95% da diferença de acurácia com os dois ruídos, o que o notebook gravou (`paired`:
    "ci95_with_test"): a meia-largura das sementes e o limite do ruído do teste ("test_noise95"; no TTA, o valor
    exato das imagens que mudam), em quadratura. Com `m` > 1, a correção de Bonferroni para `m` intervalos nas duas
    partes: o t ao nível 1 − 0,05/m e o limite com o quantil normal desse nível no lugar de 1,96."""
    if m == 1:
        return tuple(c["ci95_with_test"])
    from scipy.stats import norm

    low, high = bonferroni(c, m)
    noise = c["test_noise95"] * float(norm.ppf(1 - 0.05 / (2 * m))) / 1.96
    half = ((high - low) ** 2 / 4 + noise ** 2) ** 0.5
    return c["mean_diff"] - half, c["mean_diff"] + half


def comparisons_table(summary: dict, group: str, ds: str) -> str:
    """As comparações pareadas de um grupo numa tabela: o efeito e o sentido da diferença (B − A); a diferença de
    acurácia com o intervalo que soma ao das sementes o acaso da amostra de teste (`with_test_noise`), em negrito se
    exclui o zero: é o que o texto chama de indício, e leva † quando o exclui também com a correção de Bonferroni para
    a família das diferenças de acurácia do conjunto (`family_size`); e a diferença de perda, com o intervalo das
    sementes (sem o acaso do teste medido, descreve: não leva nem negrito nem †)."""
    def effect(c):
        if (c.get("effect") or "").startswith("tudo junto"):  # a rede final contra a receita do enunciado
            label = "tudo junto (rede final − a do enunciado)"
        elif (c["a"], c["b"]) == (meta.get("q4"), meta.get("final")):  # quaisquer que sejam os vencedores
            label = "rede final − receita escolhida na questão 4"
        elif c["b"] == c["a"] + "+tta":
            label = "TTA (com − sem), na rede final"
        else:
            label = EFFECTS.get((c["a"], c["b"])) or c.get("effect")
        if not label:
            differ = ", ".join(DIFFER.get(d, d) for d in c["differ_in"])
            label = f"{differ} ({name(c['b'])} − {name(c['a'])})"
        return label

    def accuracy(c):
        low, high = with_test_noise(c)
        text = f"{signed(c['mean_diff'], 2)} ({interval_text(low, high)})"
        text = f"**{text}**" if low > 0 or high < 0 else text
        low, high = with_test_noise(c, m)
        return text + ("†" if low > 0 or high < 0 else "")

    def loss(c):
        if c["loss_mean_diff"] is None:
            return NOT_RECORDED
        return f"{signed(c['loss_mean_diff'], 4)} ({interval_text(*c['loss_ci95'], 4)})"

    everything, meta = (summary or {}).get("_comparisons", []), (summary or {}).get("_meta", {})
    m = family_size(everything, ds)
    rows = [[effect(c), accuracy(c), loss(c)] for c in shown(everything, group)]
    headers = ["diferença no teste", "acurácia, p.p. (cerca de 95%)", "perda (95%, só sementes)"]
    if all(row[2] == NOT_RECORDED for row in rows):  # com TTA, a perda não é gravada: a coluna não diria nada
        headers, rows = headers[:2], [row[:2] for row in rows]
    return table(headers, rows) if rows else ""


def q4_table(root: Path, ds: str, also: str | None = None) -> str:
    """As receitas da questão 4 por extenso (otimizador, taxa, agendador, épocas), com a média sobre as sementes;
    a escolhida pela validação (summary.json) em destaque, se for a mesma nos dois conjuntos. Com `also`, uma
    última coluna com o teste das mesmas receitas no outro conjunto."""
    chosen = {((get(root, d, "summary") or {}).get("_meta") or {}).get("q4") for d in (ds, also) if d}
    rows = []
    for key in Q4:
        runs = seeds(root, ds, key)
        if runs:
            c = runs[0]["config"]
            notes = [STUDENT[key]] if key in STUDENT else []
            notes += ["escolhida"] if chosen == {key} else []
            recipe = (f"{optimizer(c)} {rate(c['lr'])}, {'OneCycle' if c['scheduler'] else 'constante'}, "
                      f"{c['epochs']} épocas" + (f" ({', '.join(notes)})" if notes else ""))
            rows.append([recipe, len(runs),
                         pct(statistics.mean(val_final(r) for r in runs)), mean_sd([r["test_acc"] for r in runs]),
                         br(statistics.mean(r["test_loss"] for r in runs), 4)]
                        + ([mean_sd([r["test_acc"] for r in seeds(root, also, key)])] if also else []))
    headers = ["receita", "sementes", "validação final", "teste (± desvio-padrão)", "perda de teste"]
    if also:  # cada coluna diz o seu conjunto; o desvio-padrão vai para o título
        headers = ["receita", "sementes"] + [f"{DATASETS[ds]}: {h}" for h in ("validação", "teste", "perda de teste")]
        headers.append(f"{DATASETS[also]}: teste")
    if len({row[1] for row in rows}) == 1:  # todas com as mesmas sementes: o número vai para o título
        headers[0] = f"receita (média de {rows[0][1]} sementes{'; teste ± desvio-padrão' if also else ''})"
        headers, rows = headers[:1] + headers[2:], [row[:1] + row[2:] for row in rows]
    return table(headers, rows)


Q6_MODES = {"grad": "autograd ligado", "no_grad": "`torch.no_grad()`", "inference_mode": "`torch.inference_mode()`"}


def q6_machine(q6: dict) -> str:
    """A máquina em que a questão 6 mediu os tempos ("" se q6.json não a diz)."""
    return machine((q6.get("identity") or {}).get("device_name") or "")


def block_q6(root: Path) -> str:
    """A questão 6: a validação em eval() e em train(), e a memória e o tempo mediano da passagem, com o autograd
    ligado e com no_grad(), na máquina da medida. O README (`block_q6_time`) dá também o mínimo e o inference_mode()."""
    q6 = get(root, "mnist", "q6")
    accs = q6["train_mode_val_acc"]
    modes = table(["validação do vencedor do MNIST", "acurácia"],
                  [["em `eval()`", pct(q6["eval_mode_val_acc"])],
                   [f"em `train()`, {len(accs)} passagens em lotes de 500", f"{pct(min(accs))} a {pct(max(accs))}"],
                   ["em `eval()`, depois dessas passagens", pct(q6["eval_mode_val_acc_after_train_passes"])],
                   ["em `train()`, lotes de 10", pct(q6["train_mode_val_acc_batch10"])]])
    verdict = (q6.get("time_verdict") or {}).get("no_grad")
    rows = [[Q6_MODES[key], f"{br(m['saved_mib'], 0)} MiB",
             duration(m["ms_median"]) + (f"; {verdict}" if key == "no_grad" and verdict else "")]
            for key in ("grad", "no_grad") for m in [q6["modes"][key]]]
    device = q6_machine(q6)
    time = f"tempo mediano em {q6['repeats']} rodadas" + (f", {device}" if device else "")
    return modes + "\n\n" + table([f"passagem de {br(q6['batch_for_timing'], 0)} imagens",
                                    "guardado para a retropropagação", time], rows)


def block_q6_time(root: Path) -> str:
    """Os tempos da questão 6, na máquina em que foram medidos, com o veredito de cada modo contra o autograd ligado:
    é o texto que o notebook gravou em q6.json ("time_verdict"), e render.py não o recalcula."""
    q6 = get(root, "mnist", "q6")
    verdicts = q6.get("time_verdict") or {}
    pending = "(ainda não gravado em `results/mnist/q6.json`)"
    rows = [[label, f"{duration(m['ms_min'])} e {duration(m['ms_median'])}",
             "—" if key == "grad" else verdicts.get(key, pending)]
            for key, label in Q6_MODES.items() if (m := q6["modes"].get(key))]
    device = q6_machine(q6)
    headers = [f"questão 6: passagem de {br(q6['batch_for_timing'], 0)} imagens" + (f", {device}" if device else ""),
               f"tempo: mínimo e mediana ({q6['repeats']} rodadas)", "contra o autograd ligado (teste do sinal)"]
    return table(headers, rows)


def block_q7_seeds(root: Path) -> str:
    """As comparações da rede final (no TTA, o notebook gravou o ruído do teste exato, das imagens que mudam)."""
    return comparisons_table(get(root, "fashion", "summary"), "arquitetura", "fashion")


def block_originals(root: Path) -> str:
    """A resposta original do aluno (results/originais.json, com a divisão invertida) ao lado do nosso treino de
    mesma receita, semente 0."""
    pairs = [("inicial", "inicial", "receita do enunciado"), ("mod1_lr_baixo", "mod1_lr_baixo", "Adam a 0,00001"),
             ("mod2_scheduler", "mod2_scheduler", "Adam com OneCycle"),
             ("mod3_sgd_scheduler", "mod3_sgd_scheduler_lr0.01", "SGD com OneCycle, taxa 0,01 (a do original)")]
    originals = load(root / "results" / "originais.json")  # transcritos da resposta original do aluno
    rows = [[label, pct(originals["test_acc"][orig]), pct(found[0]["test_acc"]), f"`{ours}`"]
            for orig, ours, label in pairs if (found := seeds(root, "mnist", ours))]
    return table(["MNIST, semente 0", "original: teste (10.200 imagens de treino)",
                  "nosso: teste (49.800 imagens de treino)", "chave"], rows)


def devices(runs: list[dict]) -> str:
    """Quantos treinos rodaram em cada máquina: "21 em CPU AMD EPYC (2 núcleos); 11 em …"."""
    return "; ".join(f"{len([r for r in runs if r['device_name'] == d])} em {machine(d)}"
                     for d in sorted({r["device_name"] for r in runs}))


def minutes(seconds: float) -> str:
    return f"{br(seconds / 60, 0)} min"


def block_time(root: Path) -> str:
    """O tempo do zero: a soma dos "seconds" de cada treino gravado, por notebook. O único lugar que o cita."""
    rows = []
    for ds, notebook in NOTEBOOK.items():
        runs = trainings(root, ds)
        rows.append([f"`{notebook}`", len(runs), minutes(sum(r["seconds"] for r in runs)), devices(runs)])
    return table(["notebook", "treinos", "tempo de treino (soma)", "máquinas"], rows, text_columns=(3,))


def block_gpu(root: Path) -> str:
    """Os notebooks do zero numa GPU (`scripts/from_scratch.py --save`): o tempo de parede, os treinos que
    couberam no prazo e a diferença de teste contra o treino commitado de mesma identidade (GPU − CPU). A T4 é
    uma estimativa: pelo menos o tempo medido na GPU grande e pelo menos as contas de flops.json à taxa suposta."""
    flops = load(root / "results" / "flops.json")
    rows = []
    for path in sorted((root / "results").glob("from_scratch_*.json")):
        r, start = load(path), 0
        for nb, info in r["notebooks"].items():
            runs = [x for x in r["runs"] if x.get("notebook") == nb] or r["runs"][start:start + info["n_runs"]]
            start += info["n_runs"]
            total = info["n_runs"] + len(r["committed_not_run"][nb])
            diffs = [x["d_test_acc"] for x in runs if x.get("same_identity") and x.get("d_test_acc") is not None]
            wild = [x for x in runs if x.get("same_identity") and x.get("d_test_acc") is not None
                    and abs(x["d_test_acc"]) > 10]
            close = sum(abs(d) < 0.5 for d in diffs)
            note = "; ".join(f"{run_name(x['run'])}: divergiu ({pct(x['test_acc'])} contra "
                             f"{pct(x['committed_test_acc'])})"
                             for x in wild)
            # um limite inferior não se arredonda para cima: 8,7 min, não 9
            wall = (minutes(info["wall_s"]) if info["status"] == "ok"
                    else f"mais de {br(math.floor(info['wall_s'] / 6) / 10, 1)} min")
            t4 = max(info["wall_s"] / 60, flops["notebooks"][NOTEBOOK_KEY[nb]]["t4_minutes_estimate"])
            rows.append([f"`{nb}`", f"{machine(r['device_name'])} (PyTorch {r['torch'].split('+')[0]})", wall,
                         f"{info['n_runs']} de {total}", f"mais de {br(math.floor(t4 * 10) / 10, 1)} min",
                         f"mediana {signed(statistics.median(diffs))}; {close} de {len(diffs)} a menos de 0,5 p.p."
                         + (f"; {note}" if note else "")])
    if not rows:
        return table(["notebook", "GPU"], [["ainda não medido (`scripts/from_scratch.py --save`)", "—"]])
    return table(["notebook", "GPU (PyTorch)", "tempo de parede", "treinos no prazo", "Colab T4 (estimativa)",
                  "teste, GPU − CPU, por treino (pontos percentuais)"], rows, text_columns=(1, 5))


def readme_results(root: Path) -> str:
    rows = []
    for ds, title in DATASETS.items():
        summary = get(root, ds, "summary")
        for role, key in (("receita escolhida na questão 4", summary["_meta"]["q4"]),
                          ("vencedor final (pela validação)", summary["_meta"]["final"])):
            s = summary[key]
            rows.append([title, role, name(key), s["n"], f"{pct(s['test_mean'])} ± {br(s['test_std'])}", f"`{key}`"])
        fast = get(root, ds, "rapida_seed0")
        if fast:
            rows.append([title, "receita rápida (ajustada olhando o teste)", name("rapida"), 1, pct(fast["test_acc"]),
                         "`rapida`"])
    return table(["conjunto", "papel", "receita", "sementes", "teste (média ± desvio-padrão)", "chave"], rows)


def readme_bench(root: Path) -> str:
    b = load(root / "results" / "bench.json")
    if b is None:
        return table(["medida", "mediana"], [["ainda não medido (`make bench`)", "—"]])

    def seconds(x):
        return "não chegou" if x is None else f"{br(x, 1)} s"

    target = pct(b["target_test_acc"], 1)
    rows = [["época da ConvNet, tensores + `randperm` (nosso laço)", seconds(b["epoch_seconds_tensor"]["median"])],
            ["época da ConvNet, `DataLoader` + `ToTensor`", seconds(b["epoch_seconds_dataloader"]["median"])],
            ["avaliação com `inference_mode`",
             f"{br(b['eval_images_per_second_inference_mode']['median'], 0)} imagens/s"],
            ["avaliação com o autograd ligado",
             f"{br(b['eval_images_per_second_grad_enabled']['median'], 0)} imagens/s"]]
    if "train_gflops" in b:
        rows += [["passo de treino da ConvNet", f"{br(b['train_gflops'], 0)} GFLOP/s"],
                 ["teto da máquina (`sgemm` grande)", f"{br(b['sgemm_gflops_ceiling'], 0)} GFLOP/s"]]
    rows += [[f"tempo até {target} no teste, receita do enunciado", seconds(b["seed_recipe_seconds_to_99"])],
             [f"tempo até {target} no teste, receita rápida", seconds(b["fast_recipe_seconds_to_99"])]]
    reps = f"{b['repeats']} {'repetição' if b['repeats'] == 1 else 'repetições'}"
    return table([f"medida ({machine(b['device_name'])}, {b['threads']} threads, {reps})", "mediana"], rows)


README_BLOCKS = {"resultados": readme_results, "tempo": block_time, "gpu": block_gpu, "benchmark": readme_bench,
                 "q6-tempo": block_q6_time,
                 "apendice-originais": block_originals}
RESPOSTAS_BLOCKS = {
    "q4-mnist": lambda root: q4_table(root, "mnist", also="fashion"),
    "q4-mnist-comparacoes": lambda root: comparisons_table(get(root, "mnist", "summary"), "q4", "mnist"),
    "q6-medida": block_q6,
    "q4-fashion-comparacoes": lambda root: comparisons_table(get(root, "fashion", "summary"), "q4", "fashion"),
    "q7-sementes": block_q7_seeds,
}
FILES = {"README.md": README_BLOCKS, "respostas.md": RESPOSTAS_BLOCKS}


class MissingMarker(Exception):
    """Um bloco que render.py sabe escrever não tem os seus marcadores no arquivo."""

    def __init__(self, filename: str, names: list[str]):
        self.filename, self.names = filename, names
        super().__init__(f"{filename}: sem os marcadores {'do bloco' if len(names) == 1 else 'dos blocos'} "
                         f"{', '.join(names)} "
                         f"(`<!-- NOME:início -->` e `<!-- NOME:fim -->`); ponha-os onde a tabela deve ficar, "
                         f"ou tire o bloco de render.py")


def render_text(text: str, blocks: dict, root: Path, filename: str = "texto") -> tuple[str, list[str]]:
    """O texto com cada bloco reescrito, e os nomes dos blocos que mudaram. Um bloco sem marcadores é um erro
    (MissingMarker), antes de qualquer escrita."""
    missing = [name for name in blocks
               if not re.search(rf"<!-- {re.escape(name)}:início -->.*?<!-- {re.escape(name)}:fim -->", text, re.S)]
    if missing:
        raise MissingMarker(filename, missing)
    changed = []
    for name, fn in blocks.items():
        start, end = f"<!-- {name}:início -->", f"<!-- {name}:fim -->"
        m = re.search(rf"{re.escape(start)}.*?{re.escape(end)}", text, re.S)
        body = fn(root).strip("\n")
        new = f"{start}\n{body}\n{end}" if body else f"{start}\n{end}"
        if m.group(0) != new:
            changed.append(name)
            text = text[:m.start()] + new + text[m.end():]
    return text, changed


def main(argv=None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="só confere, sem escrever")
    args = parser.parse_args(argv)
    stale, rendered = [], {}
    try:  # tudo é conferido antes de escrever: um marcador que falta não deixa um arquivo pela metade
        for filename, blocks in FILES.items():
            path = root / filename
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            rendered[path], changed = render_text(text, blocks, root, filename)
            if changed:
                stale.append(f"{filename} ({', '.join(changed)})")
    except MissingMarker as e:
        print(f"Erro: {e}.", file=sys.stderr)
        return 2
    if not args.check:
        for path, new in rendered.items():
            if path.exists() and new != path.read_text(encoding="utf-8"):
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print(f"Desatualizado em relação a results/: {'; '.join(stale)}. Rode `python scripts/render.py`.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
