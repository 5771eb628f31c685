#!/usr/bin/env python3
"""Quantas contas (FLOPs) cada notebook faz ao treinar tudo do zero, a partir dos resultados commitados.

Uso: python scripts/flops.py [--out results/flops.json]
     python scripts/flops.py --check   # só confere; sai com 1 se o arquivo estiver desatualizado

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
import contextlib
import io
import json
import sys
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from common import br, tta_file  # noqa: E402
from nbcells import load_namespace  # noqa: E402

NOTEBOOKS = {"mnist": "mnist_cnn.ipynb", "fashion": "fashion_mnist.ipynb"}
# A T4 (a GPU gratuita do Colab) nunca rodou estes treinos: a estimativa é uma conta, não uma medida.
T4_TFLOPS = 4.0
T4_BASIS = ("Não medido: as contas do notebook divididas por 4,0 TFLOP/s, a metade do pico FP32 da T4 (8,1 TFLOP/s), "
            "suposta sustentada. Redes pequenas em lotes de 100 costumam aproveitar menos do pico, e o que "
            "FlopCounterMode não conta (BatchNorm, aumento de dados, carga dos dados, Python) fica de fora: "
            "o tempo real tende a ser maior.")


def model_builder(notebook: Path):
    """build_model do notebook, com todas as arquiteturas registradas."""
    with contextlib.redirect_stdout(io.StringIO()):  # sem a linha de ambiente que o notebook imprime
        return load_namespace(notebook)["build_model"]


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
        epochs, tta = len(r["history"]), 2 if tta_file(path.parent, r).exists() else 0  # o TTA passa 2 vezes
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


def compute() -> dict:
    """O conteúdo de results/flops.json, contado de novo a partir de results/ e dos notebooks."""
    torch.manual_seed(0)
    totals, rows = {}, []
    for dataset in NOTEBOOKS:
        totals[dataset], new = count(dataset)
        rows += [{"dataset": dataset, **r} for r in new]
    for t in totals.values():
        t["t4_minutes_estimate"] = t["pflop"] * 1e3 / T4_TFLOPS / 60
    return {"method": __doc__.split("\n\n")[2].replace("\n", " ").strip(), "t4_tflops_assumed": T4_TFLOPS,
            "t4_estimate_basis": T4_BASIS, "notebooks": totals, "runs": rows}


def as_text(result: dict) -> str:
    return json.dumps(result, indent=1, ensure_ascii=False) + "\n"


def stale_reason(out: Path, result: dict) -> str | None:
    """Por que o arquivo gravado não é o que compute() devolveu agora; None se é o mesmo."""
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    if not out.exists():
        return f"{shown} não existe"
    text = out.read_text(encoding="utf-8")
    if text == as_text(result):
        return None
    try:
        old = json.loads(text)["notebooks"]
        counts = [f"{t['notebook']} com {old[d]['runs']} treinos no arquivo e {t['runs']} em results/{d}/"
                  for d, t in result["notebooks"].items() if old[d]["runs"] != t["runs"]]
    except (ValueError, KeyError, TypeError):
        counts = []
    detail = f" ({'; '.join(counts)})" if counts else " em relação a results/ e aos notebooks"
    return f"{shown} está desatualizado{detail}"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "flops.json")
    ap.add_argument("--check", action="store_true", help="só confere se o arquivo está em dia, sem escrever")
    args = ap.parse_args(argv)
    result = compute()
    if args.check:
        reason = stale_reason(args.out, result)
        if reason:
            print(f"{reason}. Rode `python scripts/flops.py`.", file=sys.stderr)
        return 1 if reason else 0
    args.out.write_text(as_text(result), encoding="utf-8")
    for t in result["notebooks"].values():
        print(f"{t['notebook']}: {t['runs']} treinos, {br(t['pflop'])} PFLOP ({br(t['train_pflop'])} de treino, "
              f"{br(t['eval_pflop'])} de avaliação); gravados em {br(t['seconds'] / 60, 1)} min. Numa T4, "
              f"{br(t['t4_minutes_estimate'], 1)} min, estimados (não medidos) a {br(T4_TFLOPS, 1)} TFLOP/s.")
    print(f"Gravado em {args.out}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
