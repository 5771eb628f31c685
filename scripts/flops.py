#!/usr/bin/env python3
"""Quantas contas (FLOPs) cada notebook faz ao treinar tudo do zero, a partir dos resultados commitados.

Uso: python scripts/flops.py [--out results/flops.json]

Para cada treino gravado em results/<conjunto>/ (sem as cópias de uma escolha, as com "selection"), monta o
modelo com o código do próprio notebook e mede com FlopCounterMode, num lote de 4 imagens, as contas por imagem
de uma passagem de treino (direta + backward, em train()) e de uma de avaliação (direta, em eval()). Treino:
contas de treino × imagens de treino × épocas. Avaliação: validação a cada época, o teste (se foi avaliado) e,
se houve, a TTA (duas passagens em validação e teste). FlopCounterMode conta só convoluções e produtos de
matrizes; BatchNorm, ReLU, pooling, aumento de dados e otimizador ficam de fora (são poucos por cento). Também
fica de fora o que não é um treino gravado (o teste de taxas, a questão 6). Não treina nada.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from nbcells import cells, load_namespace, tags_of  # noqa: E402

NOTEBOOKS = {"mnist": "mnist_cnn.ipynb", "fashion": "fashion_mnist.ipynb"}
T4_TFLOPS = 4.0  # suposição: FP32 sustentado numa T4 (pico de 8,1 TFLOP/s), para lotes pequenos de redes pequenas


def model_builder(notebook: Path):
    """build_model do notebook, com todas as arquiteturas registradas (também as das células sem etiqueta)."""
    ns = load_namespace(notebook)
    for cell in cells(notebook):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and not tags_of(cell) and source.lstrip().startswith("@register("):
            exec(compile(source, f"{notebook.name}[@register]", "exec"), ns)
    return ns["build_model"]


def flops_per_image(model: torch.nn.Module, train: bool, batch: int = 4) -> float:
    """Contas por imagem de uma passagem de treino (direta + backward) ou de avaliação (só a direta)."""
    x = torch.randn(batch, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    model.train(train)
    with FlopCounterMode(display=False) as counter:
        if train:
            model(x).sum().backward()
        else:
            with torch.no_grad():
                model(x)
    return counter.get_total_flops() / batch


def count(dataset: str) -> tuple[dict, list[dict]]:
    build, per_arch, rows = model_builder(ROOT / NOTEBOOKS[dataset]), {}, []
    for path in sorted((ROOT / "results" / dataset).glob("*_seed*.json")):
        r = json.loads(path.read_text(encoding="utf-8"))
        if "history" not in r or "selection" in r:
            continue
        arch = r["config"]["arch"]
        if arch not in per_arch:
            per_arch[arch] = tuple(flops_per_image(build(arch), train) for train in (True, False))
        train_img, eval_img = per_arch[arch]
        epochs, tta = len(r["history"]), 2 if "val_acc_tta" in r.get("extra", {}) else 0
        evals = r["n_valid"] * epochs + (r["n_test"] if r["test_acc"] is not None else 0)
        evals += tta * (r["n_valid"] + r["n_test"])
        row = {"run": path.stem, "arch": arch, "epochs": epochs, "n_train": r["n_train"],
               "train_flops_per_image": train_img, "eval_flops_per_image": eval_img,
               "train_pflop": train_img * r["n_train"] * epochs / 1e15, "eval_pflop": eval_img * evals / 1e15,
               "seconds": r["seconds"], "device_name": r["device_name"]}
        row["tflops_achieved"] = (row["train_pflop"] + row["eval_pflop"]) * 1e3 / r["seconds"]
        rows.append(row)
    total = {k: sum(r[k] for r in rows) for k in ("train_pflop", "eval_pflop", "seconds")}
    total.update(notebook=NOTEBOOKS[dataset], runs=len(rows), pflop=total["train_pflop"] + total["eval_pflop"])
    return total, rows


def br(x: float, places: int = 1) -> str:
    return f"{x:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "flops.json")
    out = ap.parse_args(argv).out
    torch.manual_seed(0)
    totals, rows = {}, []
    for dataset in NOTEBOOKS:
        totals[dataset], new = count(dataset)
        rows += [{"dataset": dataset, **r} for r in new]
    gpu = [r for r in rows if "H200" in r["device_name"]]  # os treinos commitados que rodaram na H200
    h200 = sum(r["train_pflop"] + r["eval_pflop"] for r in gpu) * 1e3 / sum(r["seconds"] for r in gpu) if gpu else None
    for t in totals.values():
        t["t4_minutes_estimate"] = t["pflop"] * 1e3 / T4_TFLOPS / 60
        t["h200_minutes_estimate"] = t["pflop"] * 1e3 / h200 / 60 if h200 else None
    result = {"method": __doc__.split("\n\n")[2].replace("\n", " ").strip(), "t4_tflops_assumed": T4_TFLOPS,
              "h200_tflops_achieved": h200, "h200_runs": [r["run"] for r in gpu], "notebooks": totals, "runs": rows}
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for t in totals.values():
        h = f"{br(t['h200_minutes_estimate'])} min" if h200 else "sem treino na H200 para calibrar"
        print(f"{t['notebook']}: {t['runs']} treinos, {br(t['pflop'], 2)} PFLOP ({br(t['train_pflop'], 2)} de treino, "
              f"{br(t['eval_pflop'], 2)} de avaliação); gravados em {br(t['seconds'] / 60)} min. Estimativa: "
              f"T4 a {br(T4_TFLOPS)} TFLOP/s (suposto), {br(t['t4_minutes_estimate'])} min; H200, {h}.")
    if h200:
        print(f"H200: {br(h200, 2)} TFLOP/s medidos em {len(gpu)} treinos commitados, com outros dois treinos "
              f"dividindo a placa ({', '.join(r['run'] for r in gpu)}): estimativas de tempo, não medidas.")
    print(f"Gravado em {out}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
