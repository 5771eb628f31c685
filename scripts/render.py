#!/usr/bin/env python3
"""Escreve os números do README.md e do respostas.md a partir de results/ (nada é digitado à mão).

Uso: python scripts/render.py          # reescreve os blocos dos dois arquivos
     python scripts/render.py --check  # só confere; sai com 1 se algum bloco estiver desatualizado

Cada bloco fica entre `<!-- NOME:início -->` e `<!-- NOME:fim -->`. Fora dos blocos, o texto não
cita nenhum número medido (um teste confere); dentro deles, tudo vem dos JSON de results/.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Os números da versão original do trabalho (../shared/seed/respostas_originais.md), medidos com a
# divisão invertida: só para comparação, nunca como resultados nossos. (validação final, teste)
ORIGINAIS = {
    "inicial": (97.66, 97.74), "mod1_lr_baixo": (94.66, 94.84), "mod2_scheduler": (98.92, 98.81),
    "mod3_sgd_scheduler": (98.72, 98.71), "mod4": (99.86, 99.39),
}


# ------------------------------------------------------------------ formato brasileiro


def br(x: float, places: int = 2) -> str:
    """Número no formato brasileiro: 3.200.202 e 99,41."""
    return f"{x:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def pct(x: float, places: int = 2) -> str:
    return f"{br(x, places)}%"


def signed(x: float, places: int = 2) -> str:
    return ("+" if x >= 0 else "−") + br(abs(x), places)


def points(x: float) -> str:
    """Uma diferença em pontos percentuais, com sinal: +0,43 ponto percentual, −2,67 pontos percentuais."""
    return f"{signed(x)} {'ponto percentual' if abs(round(x, 2)) < 2 else 'pontos percentuais'}"


def nth(n: int) -> str:
    return f"{n}ª"


def lr_text(x: float) -> str:
    """Uma taxa (ou outra opção pequena) por extenso, como nas tabelas dos notebooks: 0,00001, 0,1, 25."""
    return f"{x:.10f}".rstrip("0").rstrip(".").replace(".", ",")


# ------------------------------------------------------------------ leitura


class Results:
    """Os JSON de results/<conjunto>/, lidos uma vez."""

    def __init__(self, root: Path, key: str):
        self.folder = root / "results" / key
        self._runs = None

    def get(self, name: str):
        path = self.folder / f"{name}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def run(self, name: str, seed: int = 0):
        return self.get(f"{name}_seed{seed}")

    def runs(self) -> list[dict]:
        """Cada treino gravado uma vez (a cópia escolhida do mod3 não conta de novo)."""
        if self._runs is None:
            runs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.folder.glob("*_seed*.json"))]
            self._runs = [r for r in runs if "selection" not in r]
        return self._runs


def val_final(r: dict) -> float:
    return r["history"][-1]["val_acc"]


def best_epoch(r: dict, key: str = "val_acc", lowest: bool = False) -> tuple[int, float]:
    values = [h[key] for h in r["history"]]
    i = values.index(min(values) if lowest else max(values))
    return i + 1, values[i]


def epoch_seconds(r: dict) -> float:
    return sum(h["seconds"] for h in r["history"]) / len(r["history"])


def legacy_note(res: Results, template: str = "{}") -> str:
    """Treinos gravados que o notebook atual não refaz: sementes extras de um vencedor de uma versão anterior
    da busca (não estão no resumo das sementes). Contam no tempo, e o texto diz quais são, dentro de
    `template`; sem nenhum, devolve ""."""
    summary = res.get("summary") or {}
    old = sorted({(r["experiment"], r["seed"]) for r in res.runs()
                  if r["seed"] != 0 and r["experiment"] not in summary})
    if not old:
        return ""
    names = sorted({name for name, _ in old})
    return template.format(f"{len(old)} deles, de {', '.join(f'`{n}`' for n in names)}, "
                           f"{seeds_text([seed for _, seed in old])}, são de uma versão anterior da busca e o "
                           "notebook atual não os refaz")


def total_minutes(res: Results) -> tuple[int, float]:
    runs = res.runs()
    return len(runs), sum(r["seconds"] for r in runs) / 60


def by_device(res: Results) -> list[tuple[str, list[dict]]]:
    """Os treinos gravados agrupados pela máquina (e versão do PyTorch), a mais usada primeiro."""
    groups = {}
    for r in res.runs():
        groups.setdefault(f"{r['device_name']} com PyTorch {r['torch']}", []).append(r)
    return sorted(groups.items(), key=lambda kv: -len(kv[1]))


def trained_where(res: Results) -> str:
    """Os minutos de treino e onde rodaram: "177 min em CPU … com PyTorch …" ou, se foram várias máquinas,
    "405 min: 402 min de 18 treinos em CPU … e 3 min de 2 treinos em NVIDIA H200 … (`exp`, sementes 1 e 2)"."""
    n, minutes = total_minutes(res)
    groups = by_device(res)
    if len(groups) <= 1:
        return f"{br(minutes, 0)} min em {groups[0][0] if groups else '—'}"
    parts = []
    for i, (where, runs) in enumerate(groups):
        text = (f"{br(sum(r['seconds'] for r in runs) / 60, 0)} min de {len(runs)} "
                f"{'treino' if len(runs) == 1 else 'treinos'} em {where}")
        if i > 0:  # as máquinas menos usadas dizem quais treinos rodaram nelas
            text += f" ({named_runs(runs)})"
        parts.append(text)
    return f"{br(minutes, 0)} min: {', '.join(parts[:-1])} e {parts[-1]}"


def named_runs(runs: list[dict]) -> str:
    """"`exp`, sementes 1 e 2" para cada experimento de `runs`."""
    return "; ".join(f"`{name}`, " + seeds_text([r["seed"] for r in runs if r["experiment"] == name])
                     for name in sorted({r["experiment"] for r in runs}))


def device_check_line(res: Results) -> str:
    """Treinos noutra máquina: quais foram, e quanto a máquina muda um treino (a mesma semente refeita lá, com o
    mesmo código, em results/<conjunto>/device_check/). Sem treinos noutra máquina, devolve ""."""
    groups = by_device(res)
    if len(groups) <= 1:
        return ""
    checks = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((res.folder / "device_check").glob("*.json"))]
    best = res.get("best") or {}
    line = (f"- **Máquinas.** Quase tudo rodou em {groups[0][1][0]['device_name']}; a exceção foi "
            + "; ".join(f"{named_runs(runs)}, na {where}" for where, runs in groups[1:])
            + ". Nessas sementes, as comparações pareadas acima dizem a máquina entre as diferenças.")
    for check in checks:
        local = res.run(check["experiment"], check["seed"])
        diff = val_final(check) - val_final(local)
        line += (f" Para ter uma ideia do efeito da máquina (e da versão do PyTorch), numa semente só: a semente "
                 f"{check['seed']} de `{check['experiment']}` também foi treinada na {check['device_name']}, com o "
                 f"mesmo código (as células do notebook rodadas como script). Validação final: {pct(val_final(check))} "
                 f"lá, contra {pct(val_final(local))} em {local['device_name']} ({points(diff)}, "
                 f"{image_count(diff, local['n_valid'])})")
        tta = check.get("extra") or {}
        if tta and best.get("experiment") == check["experiment"] and check["seed"] == 0 and best.get("tta"):
            line += (f"; com TTA, validação de {pct(tta['val_acc_tta'])} contra {pct(best['val_acc_tta'])} e teste "
                     f"de {pct(tta['test_acc_tta'])} contra {pct(best['test_acc'])} "
                     f"({points(tta['test_acc_tta'] - best['test_acc'])})")
        line += (f". O treino levou {br(check['seconds'] / 60, 1)} min lá, com a GPU dividida entre "
                 f"{sum(len(runs) for _, runs in groups[1:]) + len(checks)} treinos ao mesmo tempo (as sementes da "
                 f"GPU e esta checagem), contra {br(local['seconds'] / 60, 0)} min do treino original.")
    return line


def seeds_text(seeds: list[int]) -> str:
    seeds = [str(s) for s in sorted(seeds)]
    return f"semente {seeds[0]}" if len(seeds) == 1 else f"sementes {', '.join(seeds[:-1])} e {seeds[-1]}"


def image_count(diff: float, total: int) -> str:
    """Uma diferença em pontos percentuais, em imagens de um conjunto de `total`: "6 imagens em 10.000"."""
    n = round(abs(diff) * total / 100)
    return f"{br(n, 0)} {'imagem' if n == 1 else 'imagens'} em {br(total, 0)}"


def images(c: dict) -> str:
    """O tamanho de uma diferença média em imagens do teste."""
    return image_count(c["mean_diff"], c["n_test"])


def comparison_line(c: dict) -> str:
    """A mesma frase que `comparison_text` escreve nos notebooks."""
    low, high = c["ci95"]
    if c["verdict"] == "não dá para afirmar":
        verdict = "**não dá para afirmar** que um seja melhor (o intervalo contém o zero)"
    else:
        verdict = f"**`{c['verdict'].split()[0]}` é melhor**"
    differ = (f" Os dois diferem em {len(c['differ_in'])} coisas ({', '.join(c['differ_in'])}): a diferença é do "
              f"conjunto, não de uma delas." if len(c["differ_in"]) > 1 else "")
    return (f"- `{c['b']}` − `{c['a']}`: {points(c['mean_diff'])} no teste (cerca de {images(c)}), em média, nas "
            f"sementes {', '.join(map(str, c['seeds']))} (diferenças: {'; '.join(signed(d) for d in c['diffs'])}; "
            f"intervalo de 95%: {signed(low)} a {signed(high)}): {verdict}.{differ}")


def seed_rows(summary: dict) -> list[str]:
    head = "| experimento | sementes | teste (%), média ± desvio | validação final (%), média ± desvio |"
    lines = [head, "| --- | ---: | ---: | ---: |"]
    for name, s in summary.items():
        if not name.startswith("_"):
            lines.append(f"| `{name}` | {s['n']} | {br(s['test_mean'])} ± {br(s['test_std'])} "
                         f"| {br(s['val_mean'])} ± {br(s['val_std'])} |")
    return lines


def candidate_rows(best: dict, results: Results, header: str = "candidato") -> list[str]:
    """Os candidatos de uma escolha, do melhor para o pior na validação, com o vencedor marcado."""
    lines = [f"| {header} | parâmetros | épocas | s por época (um treino; sessões diferentes) | validação final (%) |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, c in sorted(best["candidates"].items(), key=lambda kv: -kv[1]["val_acc_final"]):
        r = results.run(c["experiment"])
        mark = " **(vencedor)**" if c["experiment"] == best["experiment"] else ""
        lines.append(f"| `{name}`{mark} | {br(c['params'], 0)} | {r['config']['epochs']} | "
                     f"{br(epoch_seconds(r), 0)} | {br(c['val_acc_final'])} |")
    return lines


def comparisons(summary: dict) -> dict:
    return {(c["a"], c["b"]): c for c in summary.get("_comparisons", [])}


def goal_line(summary: dict) -> str:
    meta = summary["_meta"]
    final = summary[meta["final"]]
    verdict = "atingida" if final["test_mean"] >= meta["goal"] else "não atingida"
    stretch = "atingida" if final["test_mean"] >= meta["stretch"] else "não atingida"
    return (f"Meta de {pct(meta['goal'], 1)} de teste médio: **{verdict}** (`{meta['final']}`: "
            f"{pct(final['test_mean'])} ± {br(final['test_std'])} em {final['n']} sementes; meta ambiciosa de "
            f"{pct(meta['stretch'], 1)}: {stretch}).")


# ------------------------------------------------------------------ blocos do README


def describe_config(r: dict, full_train: int) -> str:
    """O que a configuração de um resultado diz, em poucas palavras (tirado do próprio JSON)."""
    c = r["config"]
    opt = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}[c["optimizer"]]
    if c["optimizer"] == "sgd" and c["optimizer_options"].get("nesterov"):
        opt += " Nesterov"
    lr = f"lr {lr_text(c['lr'])}" if c["scheduler"] is None else f"OneCycle (máx. {lr_text(c['lr'])})"
    parts = [f"`{c['arch']}`", opt, lr, f"{c['epochs']} épocas"]
    if c["weight_decay"]:
        parts.append(f"weight decay {lr_text(c['weight_decay'])}")
    if c.get("augment"):
        parts.append("aumento de dados")
    if c["label_smoothing"]:
        parts.append(f"label smoothing {lr_text(c['label_smoothing'])}")
    text = ", ".join(parts)
    return text + (f"; treino com só {br(r['n_train'], 0)} imagens" if r["n_train"] < full_train else "")


def experiment_table(res: Results, names: list[str]) -> list[str]:
    lines = ["| experimento | configuração | validação final (%) | teste (%) | tempo de treino (s) |",
             "| --- | --- | ---: | ---: | ---: |"]
    full_train = res.run("inicial")["n_train"]
    for name in names:
        r = res.run(name)
        lines.append(f"| `{name}` | {describe_config(r, full_train)} | {br(val_final(r))} | {br(r['test_acc'])} "
                     f"| {br(r['seconds'], 0)} |")
    return lines


def readme_mnist(root: Path) -> str:
    res = Results(root, "mnist")
    names = ["inicial", "mod1_lr_baixo", "mod2_scheduler", "mod3_sgd_scheduler", "mod4_treino_17pct", "rapida"]
    first = res.run("inicial")
    n, _ = total_minutes(res)
    sizes = first["identity"]["sizes"]
    return "\n".join(experiment_table(res, names) + [
        "", f"Semente 0, divisão {br(sizes['train'], 0)}/{br(sizes['valid'], 0)}, medido em: {first['device_name']}, "
        f"PyTorch {first['torch']}. Os {n} treinos gravados (cada experimento e semente uma vez"
        f"{legacy_note(res, '; {}')}) "
        f"somam {trained_where(res)}."])


def readme_mnist_search(root: Path) -> str:
    res = Results(root, "mnist")
    best, summary = res.get("best"), res.get("summary")
    lines = candidate_rows(best, res, "candidato") + ["", *seed_rows(summary), ""]
    lines += [comparison_line(c) for c in summary["_comparisons"]]
    return "\n".join(lines + ["", goal_line(summary)])


def readme_fashion(root: Path) -> str:
    res = Results(root, "fashion")
    best, summary = res.get("best"), res.get("summary")
    lines = experiment_table(res, ["inicial", "mod1_lr_baixo", "mod2_scheduler", "mod3_sgd_scheduler",
                                   "mod4_treino_17pct", "transferencia"])
    n, _ = total_minutes(res)
    lines += ["", f"Os {n} treinos do notebook somam {trained_where(res)}.", ""]
    lines += candidate_rows(best, res)
    lines += ["", f"TTA por espelhamento no vencedor, decidido na validação: {pct(best['val_acc_plain'])} sem, "
              f"{pct(best['val_acc_tta'])} com → **{'usado' if best['tta'] else 'não usado'}**.", ""]
    lines += seed_rows(summary) + [""] + [comparison_line(c) for c in summary["_comparisons"]]
    return "\n".join(lines + ["", goal_line(summary)])


def readme_bench(root: Path) -> str:
    path = root / "results" / "bench.json"
    if not path.exists():
        return "_Ainda não medido: rode `make bench`._"
    b = json.loads(path.read_text(encoding="utf-8"))

    def s(x):
        return "não atingiu" if x is None else f"{br(x, 1)} s"

    t, d = b["epoch_seconds_tensor"], b["epoch_seconds_dataloader"]
    ei, eg = b["eval_images_per_second_inference_mode"], b["eval_images_per_second_grad_enabled"]
    lines = [
        f"Medido em: {b['device_name']}, PyTorch {b['torch']}, {b['threads']} threads, "
        f"{br(b['n_train'], 0)} imagens de treino, {b['repeats']} {'repetição' if b['repeats'] == 1 else 'repetições'}"
        + (" (mínimo e mediana são a mesma medida)." if b["repeats"] == 1 else "."),
        "",
        "| medida | mínimo | mediana |",
        "| --- | ---: | ---: |",
        f"| época da ConvNet, tensores + `randperm` (nosso laço) | {br(t['min'], 1)} s | {br(t['median'], 1)} s |",
        f"| época da ConvNet, `DataLoader` + `ToTensor` + `Normalize` | {br(d['min'], 1)} s | {br(d['median'], 1)} s |",
        f"| avaliação de 10.000 imagens com `inference_mode` (imagens/s) | {br(ei['min'], 0)} "
        f"| {br(ei['median'], 0)} |",
        f"| avaliação com o autograd ligado (imagens/s) | {br(eg['min'], 0)} | {br(eg['median'], 0)} |",
        "",
        f"- Razão DataLoader / tensores (medianas): **{br(b['epoch_ratio_dataloader_over_tensor'])}×**.",
    ]
    if "train_gflops" in b:
        lines.append(f"- O passo de treino da ConvNet faz {br(b['train_tflop_per_epoch'], 2)} TFLOP por época "
                     f"(contados com `FlopCounterMode`) e roda a **{br(b['train_gflops'], 0)} GFLOP/s**; o teto "
                     f"deste CPU numa multiplicação de matrizes grande (`sgemm`) é de "
                     f"**{br(b['sgemm_gflops_ceiling'], 0)} GFLOP/s**: o passo usa "
                     f"{br(b['train_gflops'] / b['sgemm_gflops_ceiling'], 2)} do teto.")
    lines.append(f"- Tempo até {pct(b['target_test_acc'], 1)} no teste: receita do enunciado "
                 f"**{s(b['seed_recipe_seconds_to_99'])}** (época {b['seed_recipe']['epoch']}); receita rápida "
                 f"**{s(b['fast_recipe_seconds_to_99'])}** (época {b['fast_recipe']['epoch']}, "
                 f"{br(b['fast_recipe_params'], 0)} parâmetros)."
                 + (f" A rápida chega lá {br(b['speedup_fast_over_seed_to_99'], 1)}× antes."
                    if b.get("speedup_fast_over_seed_to_99") else "")
                 + " É uma medida de tempo até uma acurácia de teste, no estilo do DAWNBench: a receita rápida foi "
                 "ajustada olhando essa medida, numa semente só, e não diz nada sobre a escolha de modelos.")
    ratio = b["epoch_ratio_dataloader_over_tensor"]
    faster = ei["median"] > 1.05 * eg["median"]
    speed = (f"o laço com tensores leva {br(1 / ratio)} do tempo por época do `DataLoader`" if ratio > 1 else
             f"o laço com tensores não foi mais rápido que o `DataLoader` (razão {br(ratio)})")
    lines += ["", f"Leitura, em {b['device_name']}: {speed}. O passo da ConvNet (as convoluções) domina a época, e o "
              "custo de montar os lotes é a parte que sobra. A avaliação em `inference_mode` "
              + ("é mais rápida que com o autograd ligado." if faster else
                 "não é mais rápida que com o autograd ligado neste dispositivo; o que ela poupa é memória "
                 "(ver a questão 6 em `respostas.md`).")]
    return "\n".join(lines)


def tried_line(root: Path, key: str, title: str) -> str:
    """Onde a meta não foi atingida: o que foi tentado, com a validação e o custo de cada candidato."""
    res = Results(root, key)
    best = res.get("best")
    parts = []
    for name, c in sorted(best["candidates"].items(), key=lambda kv: -kv[1]["val_acc_final"]):
        r = res.run(c["experiment"])
        parts.append(f"`{name}` ({pct(c['val_acc_final'])} de validação, {r['config']['epochs']} épocas, "
                     f"{br(r['seconds'] / 60, 0)} min)")
    return f"- {title}, o que foi tentado (escolha pela validação; tempo de um treino): " + "; ".join(parts) + "."


BUDGET_MIN, BUDGET_STRETCH_MIN = 180, 120  # minutos de treino de cada notebook, do zero, num CPU de 2 núcleos


def readme_goals(root: Path) -> str:
    accuracy, budget, tried = [], [], []  # uma linha de cada por conjunto, na ordem da tabela
    for key, title in (("mnist", "MNIST"), ("fashion", "Fashion-MNIST")):
        res = Results(root, key)
        summary = res.get("summary")
        meta, final = summary["_meta"], summary[summary["_meta"]["final"]]
        if final["test_mean"] < meta["goal"]:  # meta não atingida: o que foi tentado, e o custo
            tried.append(tried_line(root, key, title))
        status = ("atingida (e a ambiciosa também)" if final["test_mean"] >= meta["stretch"] else
                  "atingida" if final["test_mean"] >= meta["goal"] else "não atingida")
        accuracy.append(f"| {title}: teste médio do vencedor ≥ {pct(meta['goal'], 1)} (ambiciosa: "
                        f"{pct(meta['stretch'], 1)}) | `{meta['final']}`: {pct(final['test_mean'])} ± "
                        f"{br(final['test_std'])} em {final['n']} sementes | {status} |")
        n, minutes = total_minutes(res)
        groups = by_device(res)
        if len(groups) > 1:  # a meta é num CPU: com treinos noutra máquina, só a parte do CPU pode reprová-la
            cpu_minutes = sum(r["seconds"] for r in groups[0][1]) / 60
            status = (f"não atingida: só os {br(cpu_minutes, 0)} min do CPU já passam de {BUDGET_MIN}"
                      if cpu_minutes > BUDGET_MIN else "não medida: parte dos treinos rodou noutra máquina")
        else:
            status = ("sem resultados" if n == 0 else "atingida (e a ambiciosa também)"
                      if minutes <= BUDGET_STRETCH_MIN else "atingida" if minutes <= BUDGET_MIN else "não atingida")
        budget.append(f"| {title}: a soma do tempo de parede de todos os treinos do notebook, do zero, em até "
                      f"{BUDGET_MIN} min (ambiciosa: {BUDGET_STRETCH_MIN} min) num CPU de 2 núcleos | "
                      f"{trained_where(res) if n else '—'}: os {n} treinos{legacy_note(res, ' ({})')}, "
                      "cada um como foi medido (sessões diferentes; um treino que dividiu o CPU com outro conta a "
                      "mais; avaliações e gráficos ficam de fora) | "
                      f"{status} |")
    lines = ["| meta | medido | situação |", "| --- | --- | --- |", *accuracy, *budget]
    path = root / "results" / "bench.json"
    if path.exists():
        b = json.loads(path.read_text(encoding="utf-8"))
        fast = b["fast_recipe_seconds_to_99"]
        status = "atingida" if fast is not None and fast <= 15 else "não atingida"
        lines.append(f"| receita rápida: {pct(b['target_test_acc'], 1)} no teste do MNIST em até 15 s de parede, "
                     f"treino incluído, em {b['device_name']} | {'não chegou' if fast is None else br(fast, 1) + ' s'} "
                     f"| {status} |")
    return "\n".join(lines + ([""] + tried if tried else []))


def readme_repro(root: Path) -> str:
    path = root / "results" / "reproducibility.json"
    if not path.exists():
        return "_Ainda não medido: rode `python scripts/reproducibility.py`._"
    r = json.loads(path.read_text(encoding="utf-8"))

    def describe(d: dict) -> str:
        if d["identical"]:
            return "**idênticos bit a bit**" + (" (inclusive o hash dos pesos)" if d.get("same_weights") else "")
        m = d["max_abs_diff"]
        return (f"**diferentes nos últimos dígitos**: até {br(m['val_acc'])} ponto de acurácia de validação numa "
                f"época, {br(m['val_loss'], 4)} de perda de validação, e {signed(d['test_acc_diff'])} ponto no teste")

    return "\n".join([
        f"Medido por `scripts/reproducibility.py`: o `{r['experiment']}` do MNIST (semente 0) treinado de novo três "
        f"vezes em {r['device_name']}, PyTorch {r['torch']}.", "",
        f"- Dois treinos na mesma máquina, com as mesmas {r['default_threads']} threads: "
        f"{describe(r['same_machine_same_threads'])}.",
        f"- O mesmo treino com 1 thread: {describe(r['same_machine_one_thread'])}.",
        f"- Contra o resultado commitado (de uma sessão anterior, possivelmente noutra máquina do mesmo tipo): "
        f"{describe(r['committed_vs_this_machine'])}.", "",
        noise_line(root, r)])


def noise_line(root: Path, r: dict) -> str:
    """As diferenças de máquina e de threads, lidas contra a variação entre sementes."""
    summary = Results(root, "mnist").get("summary")
    name = summary["_comparisons"][0]["b"]
    std = summary[name]["test_std"]
    worst = max(abs(r[k]["test_acc_diff"]) for k in ("same_machine_one_thread", "committed_vs_this_machine"))
    relation = "menores" if worst < std else "do mesmo tamanho ou maiores"
    return (f"Essas diferenças no teste (até {br(worst)} ponto) são {relation} que o desvio entre sementes da mesma "
            f"receita (`{name}`: {br(std)} ponto). Por isso as comparações entre receitas usam várias sementes "
            "e o intervalo de 95% da diferença pareada, e os últimos dígitos de um treino isolado não devem ser "
            "lidos como exatos fora desta máquina.")


README_BLOCKS = {"metas": readme_goals, "resultados-mnist": readme_mnist, "busca-mnist": readme_mnist_search,
                 "resultados-fashion": readme_fashion, "benchmark": readme_bench,
                 "reprodutibilidade": readme_repro}


# ------------------------------------------------------------------ blocos do respostas.md

def block_execucao(root: Path) -> str:
    lines = []
    for key, notebook in (("mnist", "mnist_cnn.ipynb"), ("fashion", "fashion_mnist.ipynb")):
        res = Results(root, key)
        n, _ = total_minutes(res)
        lines.append(f"- `{notebook}`: {n} treinos (cada experimento e semente uma vez"
                     f"{legacy_note(res, '; {}')}); o tempo de treino soma {trained_where(res)}.")
    return "\n".join(lines)


# A história de cada busca, em ordem: o vencedor de uma versão anterior, testado antes de a busca ganhar um
# candidato novo, a nota sobre o teste dito, e o candidato que entrou depois (e que às vezes venceu a seguir).
PREVIOUS_WINNERS = {"mnist": [("arq_convnet_bn_dropout", "", "arq_deep_cnn_aug")],
                    "fashion": [("arq_vgg5_aug_ls", " (sem TTA)", "arq_vgg_res_aug_ls_re"),
                                ("arq_vgg_res_aug_ls_re", " (sem TTA)", "arq_vgg_res_wide_aug_ls_re")]}


def block_history(root: Path) -> str:
    """O que o teste influenciou: a lista de candidatos cresceu depois de ver o teste dos vencedores anteriores."""
    lines = []
    for key, title in (("mnist", "MNIST"), ("fashion", "Fashion-MNIST")):
        res = Results(root, key)
        goal = res.get("summary")["_meta"]["goal"]
        for i, (old, note, added) in enumerate(PREVIOUS_WINNERS[key]):
            if res.run(added) is None:  # o candidato ainda não treinou: a história para aqui
                break
            tests = [r["test_acc"] for r in sorted(res.runs(), key=lambda r: r["seed"])
                     if r["experiment"] == old and r["test_acc"] is not None]
            if sum(tests) / len(tests) >= goal:
                raise ValueError(f"{old} atingiu a meta de {goal}: PREVIOUS_WINNERS não vale mais")
            who = (f"{title}: o vencedor anterior, `{old}`," if i == 0 else
                   f"{title}, de novo: o vencedor seguinte, `{old}`,")
            lines.append(f"- {who} teve {', '.join(map(pct, tests[:-1]))} e {pct(tests[-1])} de teste{note} em "
                         f"{len(tests)} sementes, abaixo da meta de {pct(goal, 1)} em média; depois disso entrou "
                         f"`{added}`.")
    return "\n".join(lines)


def block_q4_model(root: Path) -> str:
    r = Results(root, "mnist").run("inicial")
    return (f"O modelo é a ConvNet do enunciado ({br(r['params'], 0)} parâmetros), treinado com "
            f"`CrossEntropyLoss` e lotes de {r['config']['batch_size']} imagens.")


def curve_facts(r: dict) -> dict:
    h = r["history"]
    loss_epoch, loss_min = best_epoch(r, "val_loss", lowest=True)
    val_epoch, val_best = best_epoch(r)
    return {"train_last": h[-1]["train_acc"], "val_first": h[0]["val_acc"], "val_last": h[-1]["val_acc"],
            "val_best_epoch": val_epoch, "val_best": val_best, "loss_epoch": loss_epoch,
            "loss_min": loss_min, "loss_last": h[-1]["val_loss"], "epochs": len(h),
            "train_loss_falls": h[-1]["train_loss"] < h[loss_epoch - 1]["train_loss"]}


def loss_sentence(f: dict) -> str:
    if f["loss_epoch"] == f["epochs"]:
        return f"A perda de validação cai até a última época ({br(f['loss_last'], 4)})."
    train = "; a de treino segue caindo, sinal de sobreajuste" if f["train_loss_falls"] else ""
    return (f"A perda de validação é mínima na {nth(f['loss_epoch'])} época ({br(f['loss_min'], 4)}) e depois "
            f"**sobe** ({br(f['loss_last'], 4)} na {nth(f['epochs'])}){train}.")


def min_loss_epochs(res: Results, name: str) -> str:
    """A época de perda de validação mínima em cada semente: "na 4ª (semente 0), na 6ª (semente 1)"."""
    runs = sorted((r for r in res.runs() if r["experiment"] == name), key=lambda r: r["seed"])
    return ", ".join(f"na {nth(best_epoch(r, 'val_loss', lowest=True)[0])} (semente {r['seed']})" for r in runs)


def error_ratio(m: Results, f: Results) -> float:
    """Quantas vezes o `inicial` erra mais no Fashion-MNIST que no MNIST, com as médias das sementes."""
    return (100 - f.get("summary")["inicial"]["test_mean"]) / (100 - m.get("summary")["inicial"]["test_mean"])


def block_q4_inicial(root: Path) -> str:
    r = Results(root, "mnist").run("inicial")
    f = curve_facts(r)
    return "\n".join([
        f"- **Treino:** a acurácia de treino termina em {pct(f['train_last'])} na {nth(f['epochs'])} época.",
        f"- **Validação:** {pct(f['val_first'])} já na 1ª época, {pct(f['val_last'])} na última (a melhor, "
        f"{pct(f['val_best'])}, na {nth(f['val_best_epoch'])}). {loss_sentence(f)}",
        f"- **Teste:** {pct(r['test_acc'])}."])


def block_q4_mod1(root: Path) -> str:
    res = Results(root, "mnist")
    r, base = res.run("mod1_lr_baixo"), res.run("inicial")
    f, fb = curve_facts(r), curve_facts(base)
    rising = ", ainda subindo" if f["val_best_epoch"] == f["epochs"] else ""
    worse = val_final(r) < val_final(base) and r["test_acc"] < base["test_acc"]
    return "\n".join([
        f"- **Treino e validação:** as curvas são lisas, mas lentas: a validação vai de {pct(f['val_first'])} na "
        f"1ª época a {pct(f['val_last'])} na {nth(f['epochs'])}{rising}. O `inicial` teve {pct(fb['val_first'])} "
        f"de validação já na 1ª época.",
        f"- **Teste:** {pct(r['test_acc'])}, contra {pct(base['test_acc'])} do `inicial`.",
        "- **Vantagem?** " + ("**Não.** As curvas lisas não são estabilidade útil: são um treino inacabado, pior "
                              "que o `inicial` na validação e no teste." if worse else
                              "Numa semente só, não dá para afirmar.")])


def block_q4_lr_range(root: Path) -> str:
    d = Results(root, "mnist").get("lr_range")
    parts = []
    for name, curve in d.items():
        if name == "identity":
            continue
        i = curve["loss"].index(min(curve["loss"]))
        lr = float(f"{curve['lr'][i]:.2g}")
        parts.append(f"com {name}, a perda suavizada é mínima na taxa {lr_text(lr)}")
    return ("No teste de faixa gravado em `results/mnist/lr_range.json`: " + "; ".join(parts) + ".")


def block_q4_mod2(root: Path) -> str:
    res = Results(root, "mnist")
    r, base = res.run("mod2_scheduler"), res.run("inicial")
    f, fb = curve_facts(r), curve_facts(base)
    return "\n".join([
        f"- **Treino:** a acurácia de treino chega a {pct(f['train_last'])} na última época.",
        f"- **Validação:** {pct(f['val_last'])} na {nth(f['epochs'])} época (a melhor, {pct(f['val_best'])}, "
        f"na {nth(f['val_best_epoch'])}), com perda de validação de {br(f['loss_last'], 4)}, contra o mínimo de "
        f"{br(fb['loss_min'], 4)} do `inicial`.",
        f"- **Teste:** {pct(r['test_acc'])}.",
        f"- **Vantagem?** Na semente 0, {points(r['test_acc'] - base['test_acc'])} no teste sobre o `inicial`; mas "
        f"são duas mudanças ao mesmo tempo (o agendador e {f['epochs']} épocas em vez de {fb['epochs']}), e uma "
        f"semente só não separa ganho de ruído. A seção sobre sementes, abaixo, mede isso com o `mod3`."])


def block_q4_mod3_lr(root: Path) -> str:
    res = Results(root, "mnist")
    chosen = res.run("mod3_sgd_scheduler")["selection"]
    lines = ["| taxa máxima | validação final | (teste, só para registro) |", "| --- | ---: | ---: |"]
    for lr, val in chosen["candidates"].items():
        r = res.run(f"mod3_sgd_scheduler_lr{lr}")
        mark = " (**escolhida**)" if float(lr) == chosen["chosen_lr"] else ""
        lines.append(f"| {lr_text(float(lr))}{mark} | {pct(val)} | {pct(r['test_acc'])} |")
    return "\n".join(lines)


def block_q4_mod3(root: Path) -> str:
    res = Results(root, "mnist")
    r, mod2 = res.run("mod3_sgd_scheduler"), res.run("mod2_scheduler")
    f = curve_facts(r)
    diff = val_final(r) - val_final(mod2)
    best = res.get("best")["baseline"]
    return "\n".join([
        f"- **Treino:** {pct(f['train_last'])} de acurácia de treino na última época.",
        f"- **Validação:** {pct(f['val_last'])} na última época; **teste:** {pct(r['test_acc'])}.",
        f"- **Contra o `mod2`** (Adam com o mesmo agendador): {points(diff)} na validação, numa semente só (e a "
        "validação do `mod3` já serviu para escolher a taxa, o que a favorece um pouco). Sem outras sementes do "
        "`mod2`, **não dá para afirmar** que um otimizador seja melhor que o outro. Pela regra de escolher na "
        f"validação, a receita usada nos passos seguintes é a do `{best}`."])


def block_q4_mod4(root: Path) -> str:
    res = Results(root, "mnist")
    mod2, mod4 = res.run("mod2_scheduler"), res.run("mod4_treino_17pct")
    lines = ["| | imagens de treino | validação final | melhor validação (época) | teste |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in (("mod2_scheduler", mod2), ("mod4_treino_17pct", mod4)):
        e, v = best_epoch(r)
        lines.append(f"| `{name}` | {br(r['n_train'], 0)} | {pct(val_final(r))} | {pct(v)} ({nth(e)}) | "
                     f"{pct(r['test_acc'])} |")
    ratio = (100 - mod4["test_acc"]) / (100 - mod2["test_acc"])
    t4, t2 = mod4["history"][-1]["train_acc"], mod2["history"][-1]["train_acc"]
    lines += ["", f"Com 17% dos dados, o modelo erra {br(ratio, 1)} vezes mais no teste. A acurácia de treino na "
              f"última época é de {pct(t4)} no `mod4` e {pct(t2)} no `mod2`: "
              + ("com menos exemplos, a rede acerta o treino tão bem quanto, mas generaliza pior." if t4 >= t2 - 0.1
                 else "com menos exemplos, a rede generaliza pior.")]
    return "\n".join(lines)


def block_q4_originais(root: Path) -> str:
    res = Results(root, "mnist")
    ours = {name: res.run(name) for name in ("inicial", "mod1_lr_baixo", "mod2_scheduler", "mod3_sgd_scheduler",
                                             "mod4_treino_17pct")}
    rows = [("inicial (6 épocas)", "inicial", "inicial"), ("mod1, lr 0,00001", "mod1_lr_baixo", "mod1_lr_baixo"),
            ("mod2, Adam + OneCycle", "mod2_scheduler", "mod2_scheduler"),
            ("mod3, SGD + OneCycle", "mod3_sgd_scheduler", "mod3_sgd_scheduler"),
            ("original \"mod4\" (divisão corrigida) × nosso mod2", "mod4", "mod2_scheduler"),
            ("original mod2 (divisão invertida) × nosso mod4", "mod2_scheduler", "mod4_treino_17pct")]
    lines = ["| par comparado | original: validação final | original: teste | nosso: validação final | nosso: teste |",
             "| --- | ---: | ---: | ---: | ---: |"]
    wins = []
    for label, orig_key, our_key in rows:
        ov, ot = ORIGINAIS[orig_key]
        r = ours[our_key]
        lines.append(f"| {label} | {pct(ov)} | {pct(ot)} | {pct(val_final(r))} | {pct(r['test_acc'])} |")
        wins.append(r["test_acc"] > ot)
    wins = wins[:4]
    first4 = sum(wins[:4])
    lines += ["", "- Nas quatro primeiras linhas, os originais treinaram com 10.200 imagens e nós com 49.800 (no "
              f"mod3, também a taxa difere: 0,01 lá, 0,1 aqui). O nosso teste é maior em {first4} delas; com uma "
              "semente de cada lado, em máquinas diferentes, isso mostra o efeito da quantidade de dados, não um "
              "ranking."]
    for label, orig_key, our_key in rows[4:]:
        ot, r = ORIGINAIS[orig_key][1], ours[our_key]
        lines.append(f"- {label[0].upper() + label[1:]}, com a mesma quantidade de dados: {pct(ot)} lá e "
                     f"{pct(r['test_acc'])} aqui ({points(r['test_acc'] - ot)}; uma semente de cada lado, em máquinas "
                     "diferentes: não dá para afirmar diferença).")
    lines.append("- A receita exata da \"modificação 4\" original não está no trabalho original; a comparação supõe "
                 "que ela seja a do mod2.")
    ov, ot = ORIGINAIS["mod4"]
    mod2 = ours["mod2_scheduler"]
    lines.append(f"- A validação original de {pct(ov)} na \"modificação 4\" fica {points(ov - ot)[1:]} acima do "
                 f"teste dela ({pct(ot)}); na nossa divisão semeada, o `mod2` tem {pct(val_final(mod2))} de validação "
                 f"e {pct(mod2['test_acc'])} de teste. Sem o código completo da versão original não dá para saber a "
                 f"causa (uma sobreposição entre treino e validação, por exemplo, daria esse efeito).")
    return "\n".join(lines)


def block_q4_seeds(root: Path) -> str:
    summary = Results(root, "mnist").get("summary")
    return "\n".join(seed_rows(summary) + [""] + [comparison_line(c) for c in summary["_comparisons"]])


def block_q4_arch(root: Path) -> str:
    res = Results(root, "mnist")
    best, summary = res.get("best"), res.get("summary")
    lines = candidate_rows(best, res) + [""]
    winner = best["experiment"]
    w = res.run(winner)
    s = summary[winner]
    lines.append(f"- **Vencedor pela validação: `{winner}`**, com {pct(w['history'][-1]['val_acc'])} na última "
                 f"época. Testado só depois da escolha: {pct(w['test_acc'])} na semente 0 e {pct(s['test_mean'])} ± "
                 f"{br(s['test_std'])} em {s['n']} sementes.")
    comp = comparisons(summary).get((best["baseline"], winner))
    if comp:
        lines.append(f"- Contra a ConvNet do enunciado com a melhor receita da questão 4 (`{best['baseline']}`):")
        lines.append("  " + comparison_line(comp))
    cands = best["candidates"]

    def cmp_val(a, b, what):
        if a in cands and b in cands:
            d = cands[b]["val_acc_final"] - cands[a]["val_acc_final"]
            lines.append(f"- {what}: `{b}` − `{a}` = {points(d)} na validação, numa semente (sem intervalo: "
                         f"não dá para afirmar com uma semente só).")

    epochs = res.run(best["baseline"])["config"]["epochs"]
    cmp_val("convnet_bn_dropout", "convnet_bn_dropout_aug", f"Aumento de dados com a receita de {epochs} épocas")
    cmp_val("gap_net", "gap_net_aug", "O mesmo na `gap_net`")
    conv, gap = res.run(best["baseline"]), res.run("arq_gap_net")
    lines.append(f"- **Custo.** A `gap_net` troca a camada densa por uma média global ({br(gap['params'], 0)} "
                 f"parâmetros no total, contra {br(conv['params'], 0)}) e leva {br(epoch_seconds(gap), 0)} s por "
                 f"época, contra {br(epoch_seconds(conv), 0)} s da ConvNet. Como ela também troca as convoluções, a "
                 "comparação não isola a densa; a seção 3 do notebook conta as multiplicações de cada camada da "
                 "ConvNet: a segunda convolução faz mais que a densa, porque repete o filtro em cada posição.")
    return "\n".join(lines)


def block_q4_answer(root: Path) -> str:
    res = Results(root, "mnist")
    summary, best = res.get("summary"), res.get("best")
    comps = comparisons(summary)
    base, q4, winner = summary["inicial"], best["baseline"], best["experiment"]
    lines = []
    c = comps.get(("inicial", q4))
    if c:
        s = summary[q4]
        verdict = ("supera a do enunciado pelo intervalo de 95% da diferença pareada"
                   if c["verdict"] == f"{q4} é melhor" else "não se distingue da do enunciado pelo intervalo de 95%")
        lines.append(f"A melhor receita da questão 4 pela validação, `{q4}`, fica em {pct(s['test_mean'])} ± "
                     f"{br(s['test_std'])} de teste em {s['n']} sementes, contra {pct(base['test_mean'])} ± "
                     f"{br(base['test_std'])} do `inicial`, e {verdict}. Ela muda {len(c['differ_in'])} coisas de uma "
                     f"vez ({', '.join(c['differ_in'])}), então o ganho não é de uma delas sozinha.")
    mod1, mod4, ini, mod2 = (res.run(n) for n in ("mod1_lr_baixo", "mod4_treino_17pct", "inicial", "mod2_scheduler"))
    lines.append(f"Numa semente só, a taxa cem vezes menor terminou com {pct(mod1['test_acc'])} de teste, contra "
                 f"{pct(ini['test_acc'])} do `inicial`; o treino com 17% dos dados, com {pct(mod4['test_acc'])}, "
                 f"contra {pct(mod2['test_acc'])} do `mod2`.")
    c = comps.get((q4, winner))
    if c:
        s = summary[winner]
        verdict = ("melhor que ela pelo intervalo de 95%" if c["verdict"] == f"{winner} é melhor" else
                   "sem diferença afirmável em relação a ela" if c["verdict"] == "não dá para afirmar" else
                   "pior que ela pelo intervalo de 95%")
        lines.append(f"O vencedor da busca de arquitetura pela validação, `{winner}`, fica em {pct(s['test_mean'])} ± "
                     f"{br(s['test_std'])} de teste em {s['n']} sementes: {verdict} (intervalo de "
                     f"{signed(c['ci95'][0])} a {signed(c['ci95'][1])} ponto).")
    return " ".join(lines)


def block_q6(root: Path) -> str:
    q6 = Results(root, "mnist").get("q6")
    modes = q6["modes"]
    accs = ", ".join(pct(a) for a in q6["train_mode_val_acc"])
    lines = [f"Medido no notebook (`results/mnist/q6.json`), com `{q6['model']}` já treinado, na validação de "
             f"{br(q6['n_valid'], 0)} imagens:", "",
             "| modo | acurácia de validação |", "| --- | --- |",
             f"| `train()`, {len(q6['train_mode_val_acc'])} passagens | {accs} "
             f"(média {pct(q6['train_mode_val_acc_mean'])}, desvio "
             f"{br(q6['train_mode_val_acc_std'])}) |",
             f"| `eval()`, duas passagens | {pct(q6['eval_mode_val_acc'])} nas duas "
             f"({'idênticas' if q6['eval_mode_repeatable'] else 'diferentes'}) |", "",
             "- As passagens em `train()` "
             f"{'alteraram' if q6['train_mode_changes_bn_running_stats'] else 'não alteraram'} as estatísticas do "
             "BatchNorm.", "",
             f"Uma passagem de {br(q6['batch_for_timing'], 0)} imagens, em cada modo (mediana de {q6['repeats']} "
             f"repetições; os tensores guardados contam cada armazenamento uma vez):", "",
             "| modo | tempo: mediana (mínimo a máximo) | grafo guardado | guardado para o `backward()` |",
             "| --- | ---: | --- | ---: |"]
    names = {"grad": "autograd ligado", "no_grad": "`torch.no_grad()`", "inference_mode": "`torch.inference_mode()`"}
    for key, label in names.items():
        m = modes[key]
        lines.append(f"| {label} | {br(m['ms_median'], 0)} ms ({br(m['ms_min'], 0)} a {br(m['ms_max'], 0)}) | "
                     f"{'sim' if m['keeps_graph'] else 'não'} | "
                     f"{br(m['saved_mib'], 0)} MiB |")
    lines += ["", time_reading(q6)]
    return "\n".join(lines)


def time_reading(q6: dict) -> str:
    """A mesma leitura dos tempos que o notebook escreve (q6_reading): conclusões só do que foi medido."""
    modes = q6["modes"]
    grad = modes["grad"]["ms_median"]
    off = min(modes["no_grad"]["ms_median"], modes["inference_mode"]["ms_median"])
    overlap = max(m["ms_min"] for m in modes.values()) <= min(m["ms_max"] for m in modes.values())
    device = q6["identity"]["device_name"]
    if off < 0.9 * grad:
        return (f"Em {device}, desligar o autograd também poupou tempo: {br(off, 0)} ms contra {br(grad, 0)} ms "
                "(medianas).")
    spread = ("as faixas das repetições (mínimo a máximo) dos três modos se sobrepõem" if overlap else
              "as faixas das repetições não se sobrepõem")
    return (f"Em {device}, desligar o autograd **não** poupou tempo ({spread}). Guardar referências a tensores "
            "que a passagem já calcula custa pouco; o que pesa é a memória que eles não deixam liberar, e "
            "numa GPU é ela que decide quanto cabe num lote.")


def block_q7_header(root: Path) -> str:
    res = Results(root, "fashion")
    n, _ = total_minutes(res)
    return f"Os {n} treinos do notebook somam {trained_where(res)}."


Q4_NAMES = ["inicial", "mod1_lr_baixo", "mod2_scheduler", "mod3_sgd_scheduler", "mod4_treino_17pct"]


def block_q7_q4(root: Path) -> str:
    m, f = Results(root, "mnist"), Results(root, "fashion")
    lines = ["| experimento | MNIST: teste | Fashion-MNIST: validação final | Fashion-MNIST: teste |",
             "| --- | ---: | ---: | ---: |"]
    for name in Q4_NAMES:
        rm, rf = m.run(name), f.run(name)
        lines.append(f"| `{name}` | {pct(rm['test_acc'])} | {pct(val_final(rf))} | {pct(rf['test_acc'])} |")
    ini_f = f.run("inicial")
    fi = curve_facts(ini_f)
    mod1, mod2, mod3 = f.run("mod1_lr_baixo"), f.run("mod2_scheduler"), f.run("mod3_sgd_scheduler")
    f3 = curve_facts(mod3)
    sel = mod3["selection"]
    chosen, other = sel["chosen_lr"], [float(k) for k in sel["candidates"] if float(k) != sel["chosen_lr"]]
    mod2_, mod4 = f.run("mod2_scheduler"), f.run("mod4_treino_17pct")
    sm, sf = m.get("summary")["inicial"], f.get("summary")["inicial"]
    lines += ["",
              f"- **O mesmo código erra cerca de {br(error_ratio(m, f), 0)} vezes mais**: {pct(sf['test_mean'])} de "
              f"teste contra {pct(sm['test_mean'])} no MNIST (médias de {sf['n']} sementes). No `inicial`, semente "
              f"0, o treino termina em {pct(fi['train_last'])} e a validação em {pct(fi['val_last'])}. "
              f"{loss_sentence(fi)} Em cada semente, a perda de validação é mínima "
              f"{min_loss_epochs(f, 'inicial')}, de {fi['epochs']} épocas.",
              f"- **Taxa cem vezes menor:** fica bem abaixo no fim das {len(mod1['history'])} épocas "
              f"({pct(val_final(mod1))} de validação"
              + (", ainda subindo)." if best_epoch(mod1)[0] == len(mod1["history"]) else ")."),
              f"- **OneCycle:** com Adam, {pct(val_final(mod2))} de validação, "
              f"{points(val_final(mod2) - val_final(ini_f))}"
              f" sobre o `inicial` (numa semente, e com {len(mod2['history'])} épocas em vez de {fi['epochs']}).",
              f"- **A taxa do SGD, escolhida de novo pela validação:** {lr_text(chosen)} "
              f"({pct(sel['candidates'][f'{chosen:g}'])}) contra "
              + ", ".join(f"{lr_text(o)} ({pct(sel['candidates'][f'{o:g}'])})" for o in other)
              + f". Com ela, o modelo chega a {pct(f3['train_last'])} de acerto no treino. " + loss_sentence(f3),
              f"- **Com 17% dos dados (`mod4_treino_17pct`):** {pct(mod4['test_acc'])} de teste, contra "
              f"{pct(mod2_['test_acc'])} do `mod2` com 83%: "
              f"{br((100 - mod4['test_acc']) / (100 - mod2_['test_acc']), 1)} vezes o erro."]
    return "\n".join(lines)


def block_q7_transfer(root: Path) -> str:
    f = Results(root, "fashion")
    t, mod3 = f.run("transferencia"), f.run("mod3_sgd_scheduler")
    lt, l3 = t["history"][-1]["val_loss"], mod3["history"][-1]["val_loss"]
    same_recipe = {k: v for k, v in t["config"].items() if k != "arch"} == \
        {k: v for k, v in mod3["config"].items() if k != "arch"}
    verdict = "mais baixa" if lt < l3 else "mais alta"
    return (f"Sem mudança nenhuma, chega a {pct(val_final(t))} de validação e {pct(t['test_acc'])} de teste (semente "
            f"0). A perda de validação na última época é {verdict} que a do `mod3`: {br(lt, 4)} contra {br(l3, 4)}"
            + (" (mesma receita; só a arquitetura muda, numa semente)." if same_recipe else
               " (as receitas também diferem, numa semente)."))


def block_q7_candidates(root: Path) -> str:
    f = Results(root, "fashion")
    best = f.get("best")
    lines = candidate_rows(best, f) + [""]
    base_epochs = f.run("transferencia")["config"]["epochs"]
    new = [c["experiment"] for c in best["candidates"].values() if c["experiment"].startswith("arq_")]
    epochs = " ou ".join(sorted({str(f.run(name)["config"]["epochs"]) for name in new}, key=int))
    second = next(c for c in best["candidates"].values() if c["experiment"] == best["runner_up"])
    comp = comparisons(f.get("summary"))[(second["experiment"], best["experiment"])]
    verdict = ("não dá para afirmar que um seja melhor" if comp["verdict"] == "não dá para afirmar" else
               f"`{comp['verdict'].split()[0]}` é melhor")
    margin = image_count(best["val_acc_plain"] - second["val_acc_final"], f.run(best["experiment"])["n_valid"])
    lines += [
        f"- **Vencedor pela validação: `{best['experiment']}`**, com {pct(best['val_acc_plain'])} na última época, "
        f"à frente de `{second['experiment']}` ({pct(second['val_acc_final'])}), numa semente: uma margem de "
        f"{margin} de validação. Os dois diferem em: "
        f"{', '.join(comp['differ_in'])}. Nas {len(comp['seeds'])} sementes pareadas (seção abaixo), {verdict} "
        f"no teste ({points(comp['mean_diff'])}, cerca de {images(comp)}, intervalo de 95% de "
        f"{signed(comp['ci95'][0])} a {signed(comp['ci95'][1])}).",
        f"- **Cuidado ao ler a tabela:** os candidatos novos treinam {epochs} épocas com *weight decay*, e a "
        f"ConvNet, {base_epochs} épocas sem ele. A diferença entre eles mistura arquitetura, épocas e regularização.",
        f"- **TTA por espelhamento**, decidido também pela validação: {pct(best['val_acc_plain'])} sem e "
        f"{pct(best['val_acc_tta'])} com → {'adotado' if best['tta'] else 'não adotado'}.",
        f"- Só depois das escolhas, o teste: {pct(best['test_acc'])} na semente 0 "
        f"({pct(best['test_acc_plain'])} sem TTA)."]
    return "\n".join(lines)


def block_q7_seeds(root: Path) -> str:
    summary = Results(root, "fashion").get("summary")
    meta = summary["_meta"]
    final = summary[meta["final"]]
    gap = meta["goal"] - final["test_mean"]
    goal = (f"- **A meta.** O projeto (não o enunciado) pediu um teste médio de pelo menos {pct(meta['goal'], 1)} "
            f"em {final['n']} sementes para o modelo escolhido pela validação. `{meta['final']}` tem "
            f"{pct(final['test_mean'])} ± {br(final['test_std'])}: "
            + (f"**meta não atingida**, a {points(gap)[1:]} dela." if gap > 0 else "**meta atingida**.")
            + f" A validação da tabela ({pct(final['val_mean'])} em média) não conta: foi ela que escolheu o "
            "vencedor e o TTA, e por isso é otimista por construção.")
    check = device_check_line(Results(root, "fashion"))
    return "\n".join(seed_rows(summary) + [""] + [comparison_line(c) for c in summary["_comparisons"]] + [goal]
                     + ([check] if check else []))


def block_q7_errors(root: Path) -> str:
    a = Results(root, "fashion").get("analysis")
    lines = [f"Acurácia por classe no teste (`{a['model']}`, semente {a.get('seed', 0)}, a dos pesos em "
             f"`models/fashion_best.pt`: {br(a['errors'], 0)} erros em {br(a['n_test'], 0)} imagens; a média das "
             "sementes está na seção anterior):", "", "| classe | acurácia |", "| --- | ---: |"]
    for name, acc in sorted(a["per_class_acc"].items(), key=lambda kv: kv[1]):
        lines.append(f"| {name} | {pct(acc, 1)} |")
    lines += ["", "Os pares mais confundidos, somando as duas direções:", ""]
    for p in a["confused_pairs"]:
        lines.append(f"- {p['a']} ↔ {p['b']}: {p['errors']} erros ({p['a']} → {p['b']}: {p['a_as_b']}; "
                     f"{p['b']} → {p['a']}: {p['b_as_a']})")
    return "\n".join(lines)


def block_q7_answer(root: Path) -> str:
    m, f = Results(root, "mnist"), Results(root, "fashion")
    summary = f.get("summary")
    final = summary["_meta"]["final"]
    s, base = summary[final], summary["inicial"]
    comp = comparisons(summary).get(("inicial", final))
    a = f.get("analysis")
    worst = sorted(a["per_class_acc"], key=a["per_class_acc"].get)[:3]
    fi = curve_facts(f.run("inicial"))
    verdict = {"não dá para afirmar": "sem diferença afirmável pelo intervalo de 95%"}.get(
        comp["verdict"], f"`{comp['verdict'].split()[0]}` é melhor pelo intervalo de 95%")
    return (f"Com o mesmo código do MNIST, o Fashion-MNIST erra cerca de {br(error_ratio(m, f), 0)} vezes mais no "
            f"teste (médias de {base['n']} sementes), e na receita do enunciado a perda de validação é mínima "
            f"{min_loss_epochs(f, 'inicial')}, de {fi['epochs']} épocas. A melhor "
            f"configuração, escolhida só pela validação, é **`{final}`**: {pct(s['test_mean'])} ± {br(s['test_std'])} "
            f"de teste em {s['n']} sementes, contra {pct(base['test_mean'])} ± {br(base['test_std'])} da receita do "
            f"enunciado ({points(comp['mean_diff'])}, intervalo de 95% de {signed(comp['ci95'][0])} a "
            f"{signed(comp['ci95'][1])}: {verdict}; as duas diferem em {len(comp['differ_in'])} coisas). As classes "
            "com mais erros são " + ", ".join(f"{c.lower()} ({pct(a['per_class_acc'][c], 1)})" for c in worst) + ".")


RESPOSTAS_BLOCKS = {
    "execucao": block_execucao, "historico": block_history, "q4-modelo": block_q4_model, "q4-inicial": block_q4_inicial,
    "q4-mod1": block_q4_mod1, "q4-faixa": block_q4_lr_range, "q4-mod2": block_q4_mod2,
    "q4-mod3-taxa": block_q4_mod3_lr, "q4-mod3": block_q4_mod3, "q4-mod4": block_q4_mod4,
    "q4-originais": block_q4_originais, "q4-sementes": block_q4_seeds, "q4-arquiteturas": block_q4_arch,
    "q4-resposta": block_q4_answer, "q6-medida": block_q6, "q7-tempo": block_q7_header, "q7-q4": block_q7_q4,
    "q7-transferencia": block_q7_transfer, "q7-candidatos": block_q7_candidates, "q7-sementes": block_q7_seeds,
    "q7-erros": block_q7_errors, "q7-resposta": block_q7_answer,
}

FILES = {"README.md": README_BLOCKS, "respostas.md": RESPOSTAS_BLOCKS}


def render_text(text: str, blocks: dict, root: Path, filename: str) -> str:
    for name, fn in blocks.items():
        pattern = re.compile(rf"(<!-- {re.escape(name)}:início -->\n).*?(<!-- {re.escape(name)}:fim -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{filename} não tem os marcadores do bloco {name!r} "
                             f"(<!-- {name}:início --> e <!-- {name}:fim -->).")
        text = pattern.sub(lambda m, fn=fn: m.group(1) + fn(root) + "\n" + m.group(2), text)
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="só confere, sem escrever")
    args = parser.parse_args(argv)
    stale = []
    for filename, blocks in FILES.items():
        path = ROOT / filename
        old = path.read_text(encoding="utf-8")
        new = render_text(old, blocks, ROOT, filename)
        if new != old:
            stale.append(filename)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print(f"Desatualizado em relação a results/: {', '.join(stale)}. Rode `python scripts/render.py`.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
