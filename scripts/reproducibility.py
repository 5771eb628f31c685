#!/usr/bin/env python3
"""Mede o que "reproduzível" quer dizer aqui: treina de novo o `mod4_treino_17pct` do MNIST (semente 0).

Uso: python scripts/reproducibility.py [--out results/reproducibility.json]

Três treinos com o código do próprio notebook (células etiquetadas do `mnist_cnn.ipynb`), na mesma
máquina e na mesma execução: dois com o número de threads padrão do PyTorch e um com 1 thread. Cada
um é comparado, época a época, com o resultado commitado em `results/mnist/` (treinado numa sessão
anterior, talvez noutra máquina do mesmo tipo). Grava as diferenças em `results/reproducibility.json`.
Leva cerca de 6 min num CPU de 2 núcleos.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from common import head_of_train  # noqa: E402
from nbcells import load_namespace  # noqa: E402

NAME = "mod4_treino_17pct"


def differences(a: dict, b: dict) -> dict:
    """Quanto dois treinos diferem: a maior diferença por época e a do teste; idênticos bit a bit?"""
    keys = ("train_loss", "train_acc", "val_loss", "val_acc")
    per_key = {k: max(abs(x[k] - y[k]) for x, y in zip(a["history"], b["history"], strict=True)) for k in keys}
    return {"max_abs_diff": per_key, "test_acc_diff": b["test_acc"] - a["test_acc"],
            "identical": all(v == 0 for v in per_key.values()) and a["test_acc"] == b["test_acc"]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "results" / "reproducibility.json"))
    p.add_argument("--data-dir", default=str(ROOT / "data"))
    args = p.parse_args(argv)
    committed_path = ROOT / "results" / "mnist" / f"{NAME}_seed0.json"
    if not committed_path.exists():
        print(f"Falta {committed_path}: rode o mnist_cnn.ipynb antes.", file=sys.stderr)
        return 1
    committed = json.loads(committed_path.read_text(encoding="utf-8"))
    nb = load_namespace(ROOT / "mnist_cnn.ipynb")
    torch = nb["torch"]
    device = nb["get_device"]()
    data = nb["load_data"](nb["datasets"].MNIST, args.data_dir, {}, seed=0, n_valid=10_200, device=device)
    data = head_of_train(data, len(data["valid"][1]))
    cfg = committed["config"]
    default_threads = torch.get_num_threads()
    runs = []
    for threads in (default_threads, default_threads, 1):
        torch.set_num_threads(threads)
        nb["seed_everything"](0)
        model = nb["build_model"](cfg["arch"]).to(device)
        history = nb["train_model"](model, data, cfg, 0, progress=False)
        test_loss, test_acc = nb["evaluate"](model, *data["test"])
        runs.append({"threads": threads, "history": history, "test_acc": test_acc,
                     "weights_sha256": nb["state_sha256"](model.state_dict())})
        print(f"{threads} thread(s): teste {nb['br'](test_acc)}%", flush=True)
    torch.set_num_threads(default_threads)
    report = {
        "experiment": NAME, "device_name": nb["device_name"](device), "torch": torch.__version__,
        "default_threads": default_threads, "committed_test_acc": committed["test_acc"],
        "runs": [{k: v for k, v in r.items() if k != "history"} | {"history": r["history"]} for r in runs],
        "same_machine_same_threads": differences(runs[0], runs[1])
        | {"same_weights": runs[0]["weights_sha256"] == runs[1]["weights_sha256"]},
        "same_machine_one_thread": differences(runs[0], runs[2]),
        "committed_vs_this_machine": differences(committed, runs[0])
        | {"same_weights": committed["weights_sha256"] == runs[0]["weights_sha256"]},
    }
    nb["save_json_atomic"](Path(args.out), report)
    print(f"Gravado em {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
