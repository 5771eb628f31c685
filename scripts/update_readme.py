#!/usr/bin/env python3
"""Reescreve as tabelas do README a partir de results/ (nenhum número é digitado à mão).

Uso: python scripts/update_readme.py          # atualiza o README.md
     python scripts/update_readme.py --check  # só confere; sai com 1 se o README estiver desatualizado

Cada tabela fica entre marcadores `<!-- NOME:início -->` e `<!-- NOME:fim -->`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MNIST_ROWS = [
    ("inicial", "Adam, lr 1e-3, 6 épocas (receita do enunciado)"),
    ("mod1_lr_baixo", "Adam, lr 1e-5, 10 épocas"),
    ("mod2_scheduler", "Adam + OneCycle (máx. 1e-3), 10 épocas"),
    ("mod3_sgd_scheduler", "SGD Nesterov + OneCycle, 10 épocas"),
    ("mod4_treino_17pct", "receita do mod2 treinada com só 17% (10.200 imagens)"),
    ("rapida", "receita rápida: rede de 23 mil parâmetros, 2 épocas"),
]


def br(x: float, places: int = 2) -> str:
    """Número no formato brasileiro: 3.200.202 e 99,41."""
    return f"{x:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def mnist_table(root: Path) -> str:
    lines = ["| experimento | o que muda | validação final (%) | teste (%) | tempo de treino (s) |",
             "| --- | --- | ---: | ---: | ---: |"]
    for name, what in MNIST_ROWS:
        r = load(root / "results" / "mnist" / f"{name}_seed0.json")
        if r is None:
            continue
        if name == "mod3_sgd_scheduler":
            what = what.replace("OneCycle", f"OneCycle (máx. {r['selection']['chosen_lr']:g})")
        lines.append(f"| `{name}` | {what} | {br(r['history'][-1]['val_acc'])} | {br(r['test_acc'])} "
                     f"| {br(r['seconds'], 0)} |")
    device = load(root / "results" / "mnist" / "inicial_seed0.json")
    if device:
        lines.append("")
        lines.append(f"Semente 0, divisão 49.800/10.200, medido em: {device['device_name']}, "
                     f"PyTorch {device['torch']}.")
    return "\n".join(lines)


def bench_table(root: Path) -> str:
    b = load(root / "results" / "bench.json")
    if b is None:
        return "_Ainda não medido: rode `make bench`._"

    def s(x):
        return "não atingiu" if x is None else f"{br(x, 1)} s"

    t, d = b["epoch_seconds_tensor"], b["epoch_seconds_dataloader"]
    ei, eg = b["eval_images_per_second_inference_mode"], b["eval_images_per_second_grad_enabled"]
    return "\n".join([
        f"Medido em: {b['device_name']}, PyTorch {b['torch']}, {b['threads']} threads, "
        f"{br(b['n_train'], 0)} imagens de treino, {b['repeats']} repetições.",
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
        f"- Tempo até {br(b['target_test_acc'], 1)}% no teste: receita do enunciado "
        f"**{s(b['seed_recipe_seconds_to_99'])}** (época {b['seed_recipe']['epoch']}); receita rápida "
        f"**{s(b['fast_recipe_seconds_to_99'])}** (época {b['fast_recipe']['epoch']}, "
        f"{br(b['fast_recipe_params'], 0)} parâmetros)."
        + (f" A rápida chega lá {br(b['speedup_fast_over_seed_to_99'], 1)}× antes."
           if b.get("speedup_fast_over_seed_to_99") else ""),
    ])


def candidate_lines(best: dict, header: str) -> list[str]:
    """Os candidatos de uma escolha, do melhor para o pior na validação, com o vencedor marcado."""
    lines = [f"| {header} | parâmetros | validação final (%) |", "| --- | ---: | ---: |"]
    for name, c in sorted(best["candidates"].items(), key=lambda kv: -kv[1]["val_acc_final"]):
        mark = " **(vencedor)**" if c["experiment"] == best["experiment"] else ""
        lines.append(f"| `{name}`{mark} | {br(c['params'], 0)} | {br(c['val_acc_final'])} |")
    return lines


def seed_lines(summary: dict) -> list[str]:
    """Média ± desvio sobre sementes de cada experimento de summary.json (chaves com _ são metadados)."""
    lines = ["| experimento | sementes | teste (%), média ± desvio | validação final (%), média ± desvio |",
             "| --- | ---: | ---: | ---: |"]
    for name, s in summary.items():
        if not name.startswith("_"):
            lines.append(f"| `{name}` | {s['n']} | {br(s['test_mean'])} ± {br(s['test_std'])} "
                         f"| {br(s['val_mean'])} ± {br(s['val_std'])} |")
    return lines


def mnist_search_table(root: Path) -> str:
    best = load(root / "results" / "mnist" / "best.json")
    summary = load(root / "results" / "mnist" / "summary.json")
    if best is None or summary is None:
        return "_Ainda não medido._"
    return "\n".join(candidate_lines(best, "candidato (receita da questão 4)") + [""] + seed_lines(summary))


FASHION_ROWS = [
    ("inicial", "ConvNet do enunciado, Adam, lr 1e-3, 6 épocas"),
    ("mod1_lr_baixo", "Adam, lr 1e-5, 10 épocas"),
    ("mod2_scheduler", "Adam + OneCycle (máx. 1e-3), 10 épocas"),
    ("mod3_sgd_scheduler", "SGD Nesterov + OneCycle (máx. 0.1), 10 épocas"),
    ("transferencia", "o vencedor do MNIST (ConvNet + BN + Dropout, receita do mod3), como está"),
]


def fashion_table(root: Path) -> str:
    folder = root / "results" / "fashion"
    best, summary = load(folder / "best.json"), load(folder / "summary.json")
    if best is None or summary is None:
        return "_Ainda não medido._"
    lines = ["| experimento | o que muda | validação final (%) | teste (%) | tempo de treino (s) |",
             "| --- | --- | ---: | ---: | ---: |"]
    for name, what in FASHION_ROWS:
        r = load(folder / f"{name}_seed0.json")
        if r is not None:
            lines.append(f"| `{name}` | {what} | {br(r['history'][-1]['val_acc'])} | {br(r['test_acc'])} "
                         f"| {br(r['seconds'], 0)} |")
    lines += ["", *candidate_lines(best, "candidato")]
    lines.append("")
    lines.append(f"TTA por espelhamento no vencedor, decidido na validação: {br(best['val_acc_plain'])}% sem, "
                 f"{br(best['val_acc_tta'])}% com → **{'usado' if best['tta'] else 'não usado'}**.")
    lines += ["", *seed_lines(summary)]
    meta = summary["_meta"]
    final = summary[meta["final"]]
    verdict = "atingida" if meta["goal_met"] else "não atingida"
    lines += ["", f"Meta de {br(meta['goal'], 1)}% de teste médio: **{verdict}** "
              f"(`{meta['final']}`: {br(final['test_mean'])}% ± {br(final['test_std'])}%)."]
    return "\n".join(lines)


TABLES = {"resultados-mnist": mnist_table, "busca-mnist": mnist_search_table, "resultados-fashion": fashion_table,
          "benchmark": bench_table}


def render(text: str, root: Path = ROOT) -> str:
    for name, fn in TABLES.items():
        pattern = re.compile(rf"(<!-- {name}:início -->\n).*?(<!-- {name}:fim -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md não tem os marcadores da tabela {name!r}")
        text = pattern.sub(lambda m, fn=fn: m.group(1) + fn(root) + "\n" + m.group(2), text)
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    readme = ROOT / "README.md"
    old = readme.read_text(encoding="utf-8")
    new = render(old)
    if args.check:
        if new != old:
            print("README.md está desatualizado: rode `python scripts/update_readme.py`.", file=sys.stderr)
            return 1
        return 0
    readme.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
