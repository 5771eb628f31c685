#!/usr/bin/env python3
"""Escreve as tabelas do README.md e do respostas.md a partir de results/.

Uso: python scripts/render.py          # reescreve os blocos dos dois arquivos
     python scripts/render.py --check  # só confere; sai com 1 se algum bloco estiver desatualizado

Cada bloco fica entre `<!-- NOME:início -->` e `<!-- NOME:fim -->`. Um bloco sem os seus marcadores no
arquivo é um erro (MissingMarker): nada some da resposta em silêncio. Um bloco tem só tabelas; o texto em
volta dos blocos é escrito à mão e não cita tempos, que mudam de uma máquina para outra.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from common import br, signed

# As receitas da questão 4, na ordem das tabelas.
Q4 = ["inicial", "mod1_lr_baixo", "adam_constante", "mod2_scheduler", "sgd_constante", "mod3_sgd_scheduler"]
DATASETS = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}
NOTEBOOK = {"mnist": "mnist_cnn.ipynb", "fashion": "fashion_mnist.ipynb"}
NOTEBOOK_KEY = {v: k for k, v in NOTEBOOK.items()}


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


NUMERIC = re.compile(r"^[+−-]?\d")  # uma célula que começa por um número


def table(headers: list[str], rows: list[list], text_columns: tuple = ()) -> str:
    """Uma tabela Markdown; uma coluna cujas células são todas números fica alinhada à direita, menos as de
    `text_columns` (texto que começa por um número: "21 em CPU …")."""
    rows = [[str(c) for c in row] for row in rows]
    align = ["---:" if rows and i not in text_columns and all(NUMERIC.match(r[i]) or r[i] == "—" for r in rows)
             else "---" for i in range(len(headers))]
    lines = [headers, align, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


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


def comparisons_table(summary: dict, group: str) -> str:
    """As comparações pareadas de um grupo numa tabela: o efeito e o sentido da diferença (b − a), as diferenças
    com o intervalo, o veredito."""
    def diff(mean, ci, places):
        return "—" if mean is None else f"{signed(mean, places)} ({signed(ci[0], places)} a {signed(ci[1], places)})"

    def verdict(c):
        if c["verdict"] == "não dá para afirmar":
            return "não detectamos diferença"
        return f"`{c['verdict'].split()[0]}` é melhor"

    def effect(c):  # um rótulo que já diz o sentido ("otimizador (SGD − Adam)") dispensa os nomes
        label = c.get("effect") or ", ".join(c["differ_in"])
        return label if "−" in label else f"{label}: `{c['b']}` − `{c['a']}`"

    rows = [[effect(c),
             diff(c["mean_diff"], c["ci95"], 2), diff(c["loss_mean_diff"], c["loss_ci95"], 4), verdict(c)]
            for c in (summary or {}).get("_comparisons", []) if c.get("group") == group]
    return table(["diferença (B − A)", "acurácia de teste, pontos (intervalo)",
                  "perda de teste (intervalo)", "veredito (pela acurácia)"], rows) if rows else ""


def q4_table(root: Path, ds: str, recipe_column: bool = True) -> str:
    """As receitas da questão 4 com a média sobre as sementes; a escolhida pela validação (summary.json) em
    destaque. Sem `recipe_column`, a tabela não repete o otimizador, a taxa e o agendador de cada receita."""
    chosen = ((get(root, ds, "summary") or {}).get("_meta") or {}).get("q4")
    rows = []
    for name in Q4:
        runs = seeds(root, ds, name)
        if runs:
            c = runs[0]["config"]
            recipe = (f"{optimizer(c)} {rate(c['lr'])}, {'OneCycle' if c['scheduler'] else 'constante'}, "
                      f"{c['epochs']} épocas")
            rows.append([f"`{name}`" + (" **(escolhida)**" if name == chosen else ""), recipe, len(runs),
                         pct(statistics.mean(val_final(r) for r in runs)), mean_sd([r["test_acc"] for r in runs]),
                         br(statistics.mean(r["test_loss"] for r in runs), 4)])
    headers = ["receita", "otimizador, taxa, agendador", "sementes", "validação final", "teste (± desvio-padrão)",
               "perda de teste"]
    if len({row[2] for row in rows}) == 1:  # todas com as mesmas sementes: o número vai para o título
        headers[0] = f"receita (média de {rows[0][2]} sementes)"
        headers, rows = headers[:2] + headers[3:], [row[:2] + row[3:] for row in rows]
    if not recipe_column:
        headers, rows = headers[:1] + headers[2:], [row[:1] + row[2:] for row in rows]
    return table(headers, rows)


def candidates_table(root: Path, ds: str) -> str:
    """Os candidatos da escolha de arquitetura, do melhor para o pior na validação (semente 0)."""
    best = get(root, ds, "best")
    rows = []
    for name, c in sorted(best["candidates"].items(), key=lambda kv: -kv[1]["val_acc_final"]):
        r = seeds(root, ds, c["experiment"])[0]
        winner = c["experiment"] == best["experiment"]
        rows.append([f"`{name}`" + (" **(vencedor)**" if winner else ""), br(c["params"], 0),
                     r["config"]["epochs"], pct(c["val_acc_final"])])
        if winner and "val_acc_tta" in best:
            rows.append([f"`{name}` + TTA" + (" **(usado)**" if best.get("tta") else " (não usado)"),
                         "", "", pct(best["val_acc_tta"])])
    return table(["candidato (semente 0)", "parâmetros", "épocas", "validação final"], rows)


def seeds_table(summary: dict, group: str) -> str:
    """As receitas que as comparações de `group` citam, com a média e o desvio-padrão sobre as sementes."""
    names = dict.fromkeys(n for c in summary.get("_comparisons", []) if c.get("group") == group
                          for n in (c["a"], c["b"]))
    rows = [[f"`{name}`", s["n"], pct(s["test_mean"]), br(s["test_std"]), pct(s["val_mean"])]
            for name in names if (s := summary[name])]
    return table(["receita", "sementes", "teste (média)", "desvio-padrão (pontos)",
                  "validação final (média)"], rows)


def block_q6(root: Path) -> str:
    q6 = get(root, "mnist", "q6")
    labels = {"grad": "autograd ligado", "no_grad": "`torch.no_grad()`",
              "inference_mode": "`torch.inference_mode()`"}
    accs = q6["train_mode_val_acc"]
    modes = table(["validação do vencedor do MNIST", "acurácia"],
                  [["em `eval()`", pct(q6["eval_mode_val_acc"])],
                   [f"em `train()`, {len(accs)} passagens", f"{pct(min(accs))} a {pct(max(accs))}"]])
    rows = [[label, f"{br(m['saved_mib'], 0)} MiB", duration(m["ms_min"]),
             f"{duration(m['ms_min'])} a {duration(m['ms_max'])}"]
            for key, label in labels.items() if (m := q6["modes"].get(key))]
    grad = q6["modes"]["grad"]
    verdicts = {}  # faixa contra faixa, como no notebook
    for key in ("no_grad", "inference_mode"):
        m = q6["modes"][key]
        verdicts[key] = ("mais rápido em todas as repetições" if m["ms_max"] < grad["ms_min"]
                         else "mais lento em todas" if m["ms_min"] > grad["ms_max"]
                         else "faixas que se cruzam, sem ganho detectado")
    verdict = (f"{verdicts['no_grad']}, nos dois modos" if len(set(verdicts.values())) == 1
               else "; ".join(f"{labels[k]}, {v}" for k, v in verdicts.items()))
    return modes + "\n\n" + table(
        [f"uma passagem de {br(q6['batch_for_timing'], 0)} imagens", "guardado para o `backward()`",
         f"tempo: mínimo de {q6['repeats']} (o menos ruidoso)", "faixa"], rows) \
        + f"\n\nContra o autograd ligado: {verdict}."


def block_q7_seeds(root: Path) -> str:
    summary = get(root, "fashion", "summary")
    return f"{seeds_table(summary, 'arquitetura')}\n\n{comparisons_table(summary, 'arquitetura')}"


def block_appendix_mnist(root: Path) -> str:
    summary = get(root, "mnist", "summary")
    return comparisons_table(summary, "arquitetura")


def block_appendix_originals(root: Path) -> str:
    pairs = [("inicial", "inicial"), ("mod1_lr_baixo", "mod1_lr_baixo"), ("mod2_scheduler", "mod2_scheduler"),
             ("mod3_sgd_scheduler", "mod3_sgd_scheduler_lr0.01")]
    originals = load(root / "results" / "originais.json")  # transcritos da resposta original do aluno
    rows = [[f"`{ours}`", pct(originals["test_acc"][orig]), pct(found[0]["test_acc"])]
            for orig, ours in pairs if (found := seeds(root, "mnist", ours))]
    return table(["MNIST, semente 0", "original: teste (10.200 imagens de treino)",
                  "nosso: teste (49.800 imagens de treino)"], rows)


def devices(runs: list[dict]) -> str:
    """Quantos treinos rodaram em cada máquina: "21 em CPU AMD EPYC (2 núcleos); 11 em …"."""
    return "; ".join(f"{len([r for r in runs if r['device_name'] == d])} em {d}"
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
            note = "; ".join(f"`{x['run']}` divergiu ({pct(x['test_acc'])} contra {pct(x['committed_test_acc'])})"
                             for x in wild)
            wall = f"{'mais de ' if info['status'] != 'ok' else ''}{minutes(info['wall_s'])}"
            t4 = max(info["wall_s"] / 60, flops["notebooks"][NOTEBOOK_KEY[nb]]["t4_minutes_estimate"])
            rows.append([f"`{nb}`", f"{r['device_name']} (PyTorch {r['torch'].split('+')[0]})", wall,
                         f"{info['n_runs']} de {total}", f"mais de {br(t4, 0)} min",
                         f"mediana {signed(statistics.median(diffs))}; {close} de {len(diffs)} a menos de 0,5 ponto"
                         + (f"; {note}" if note else "")])
    if not rows:
        return table(["notebook", "GPU"], [["ainda não medido (`scripts/from_scratch.py --save`)", "—"]])
    return table(["notebook", "GPU (PyTorch)", "tempo de parede", "treinos no prazo", "Colab T4 (estimativa)",
                  "teste, GPU − CPU, por treino (pontos percentuais)"], rows, text_columns=(1, 5))


def block_q7_cost(root: Path) -> str:
    """O custo de treino, por semente, da receita do enunciado e do vencedor do Fashion-MNIST: uma coluna por
    máquina, para que a comparação se faça na mesma máquina (as CPUs diferem em velocidade)."""
    summary = get(root, "fashion", "summary")
    final = summary["_meta"]["final"]
    runs = {name: seeds(root, "fashion", name) for name in ("inicial", final.removesuffix("+tta"))}
    machines = sorted({r["device_name"] for rs in runs.values() for r in rs})
    rows = []
    for name, rs in runs.items():
        cells = []
        for machine in machines:
            secs = [r["seconds"] for r in rs if r["device_name"] == machine]
            cells.append("—" if not secs else f"{minutes(secs[0])} (1 semente)" if len(secs) == 1
                         else f"{minutes(statistics.mean(secs))} (média de {len(secs)})")
        rows.append([f"`{name}`", rs[0]["config"]["epochs"], br(rs[0]["params"], 0), *cells])
    short = {m: re.sub(r"\(R\)| Processor|\s*\(.*?núcleos\)", "", m) for m in machines}  # "CPU Intel Xeon"
    return table(["receita", "épocas", "parâmetros", *(f"treino por semente, {short[m]}" for m in machines)], rows)


def readme_results(root: Path) -> str:
    rows = []
    for ds, title in DATASETS.items():
        summary = get(root, ds, "summary")
        for role, name in (("melhor receita da questão 4 (pela validação)", summary["_meta"]["q4"]),
                           ("vencedor final (pela validação)", summary["_meta"]["final"])):
            s = summary[name]
            rows.append([title, role, f"`{name}`", s["n"], f"{pct(s['test_mean'])} ± {br(s['test_std'])}"])
        fast = get(root, ds, "rapida_seed0")
        if fast:
            rows.append([title, "receita rápida (ajustada olhando o teste)", "`rapida`", 1, pct(fast["test_acc"])])
    return table(["conjunto", "papel", "receita", "sementes", "teste (média ± desvio-padrão)"], rows)


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
    return table([f"medida ({b['device_name']}, {b['threads']} threads, {reps})", "mediana"], rows)


README_BLOCKS = {"resultados": readme_results, "tempo": block_time, "gpu": block_gpu, "benchmark": readme_bench,
                 "apendice-originais": block_appendix_originals}
RESPOSTAS_BLOCKS = {
    "q4-mnist": lambda root: q4_table(root, "mnist"),
    "q4-mnist-comparacoes": lambda root: comparisons_table(get(root, "mnist", "summary"), "q4"),
    "q6-medida": block_q6,
    "q7-q4": lambda root: q4_table(root, "fashion", recipe_column=False),
    "q7-q4-comparacoes": lambda root: comparisons_table(get(root, "fashion", "summary"), "q4"),
    "q7-candidatos": lambda root: candidates_table(root, "fashion"),
    "q7-sementes": block_q7_seeds,
    "q7-custo": block_q7_cost,
    "apendice-mnist": block_appendix_mnist,
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
