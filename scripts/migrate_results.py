#!/usr/bin/env python3
"""Migração única dos resultados gravados antes da identidade de execução (formato 1 → 2).

Os JSON de ``results/`` feitos antes do formato 2 não diziam de que divisão vinham nem com que
opções do otimizador e do agendador foram treinados. Todos vieram da execução completa padrão
(``SEED = 0``, divisão 49.800/10.200, dados completos), com o código de treino da versão 1, cujas
opções eram as padrão do PyTorch, que ``complete_config`` agora escreve na configuração. Este
script grava essa identidade em cada resultado e, para o vencedor de cada notebook, o hash do
conteúdo dos pesos commitados em ``models/``, **só depois de conferir** que esses pesos dão
exatamente a acurácia de validação e de teste gravadas. Os outros resultados ficam sem hash
(``weights_sha256: null``): seus pesos não foram guardados, e quem precisar deles treina de novo.

Uso (uma vez, na raiz do repositório): ``python scripts/migrate_results.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from nbcells import load_namespace  # noqa: E402

NOTEBOOKS = {"mnist": ("mnist_cnn.ipynb", "MNIST"), "fashion": ("fashion_mnist.ipynb", "FashionMNIST")}
SPLIT = {"seed": 0, "n_valid": 10_200, "subset": 0}


def main() -> int:
    for key, (notebook, dataset) in NOTEBOOKS.items():
        ns = load_namespace(ROOT / notebook)
        torch = ns["torch"]
        folder = ROOT / "results" / key
        best = json.loads((folder / "best.json").read_text(encoding="utf-8"))
        state = torch.load(ROOT / "models" / f"{key}_best.pt", map_location="cpu")
        data = ns["load_data"](getattr(ns["datasets"], dataset), ROOT / "data", {}, seed=SPLIT["seed"],
                               n_valid=SPLIT["n_valid"])
        winner_file = folder / f"{best['experiment']}_seed0.json"
        winner = json.loads(winner_file.read_text(encoding="utf-8"))
        model = ns["build_model"](winner["config"]["arch"])
        model.load_state_dict(state)
        val, test = ns["evaluate"](model, *data["valid"])[1], ns["evaluate"](model, *data["test"])[1]
        if (val, test) != (winner["history"][-1]["val_acc"], winner["test_acc"]):
            raise SystemExit(f"models/{key}_best.pt não reproduz {winner_file.name}: {val}, {test}")
        winner_hash = ns["state_sha256"](state)
        for path in sorted(folder.glob("*_seed*.json")):
            r = json.loads(path.read_text(encoding="utf-8"))
            if r.get("schema") == ns["RESULT_SCHEMA"]:
                continue
            cfg = ns["complete_config"](r["config"])
            ns["check_config"](cfg)
            split = {**SPLIT, "train_head": r["n_train"]} if r["n_train"] != 49_800 else SPLIT
            identity = {"dataset": dataset, "split": split,
                        "sizes": {"train": r["n_train"], "valid": r["n_valid"], "test": r["n_test"]},
                        "config": cfg, "seed": r["seed"], "code": 1}
            is_winner = path == winner_file
            new = {"schema": ns["RESULT_SCHEMA"], "identity": ns["jsonable"](identity), **r, "config": cfg,
                   "weights_sha256": winner_hash if is_winner else None}
            ns["save_json_atomic"](path, new)
            print(f"{path.relative_to(ROOT)}: formato 2{' (pesos: ' + winner_hash[:12] + ')' if is_winner else ''}")
        q6 = folder / "q6.json"
        if q6.exists():
            m = json.loads(q6.read_text(encoding="utf-8"))
            if "identity" not in m and m["model"] == best["experiment"]:  # a medida usou o vencedor
                m["identity"] = {"weights_sha256": winner_hash, "device_name": winner["device_name"],
                                 "torch": winner["torch"], "n_valid": m["n_valid"], "code": 1}
                ns["save_json_atomic"](q6, m)
                print(f"{q6.relative_to(ROOT)}: identidade da medida gravada")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
