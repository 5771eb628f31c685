"""Carrega as células etiquetadas de um notebook num namespace Python.

Os testes, o benchmark e os scripts usam isto para exercitar o código do próprio notebook, que é a única
fonte dele (os notebooks não importam nada deste repositório).
"""

from __future__ import annotations

import json
import linecache
from pathlib import Path

# As etiquetas das células que os dois notebooks compartilham, idênticas nos dois (um teste confere).
SHARED_TAGS = ("setup", "format", "parameters", "infra", "fingerprint", "data", "model-convnet", "model-convnet-bn",
               "training", "figures", "plot-history", "experiments", "sgd-rate", "seeds", "paired", "q4-runs",
               "q4-grid", "mod4", "measure", "my-experiment", "comparison", "choice", "plot-seeds", "best-model",
               "confusion", "times")
# Etiquetas de células que rodam experimentos (compartilhadas, mas não são definições): load_namespace as pula.
EXPERIMENT_TAGS = ("q4-runs", "mod4")


def cells(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def tags_of(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def define(ns: dict, source: str, name: str) -> None:
    """Executa `source` em `ns` como uma célula do Jupyter: o texto fica no `linecache` sob `name`, de onde o
    `inspect` (e a identidade do código) o lê."""
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(compile(source, name, "exec"), ns)


def load_namespace(path: Path) -> dict:
    """Executa as células etiquetadas (menos `parameters` e as de experimentos), na ordem do notebook."""
    ns: dict = {"__name__": "notebook"}
    for i, cell in enumerate(cells(path)):
        chosen = [t for t in tags_of(cell) if t not in ("parameters", *EXPERIMENT_TAGS)]
        if cell["cell_type"] == "code" and chosen:
            define(ns, "".join(cell["source"]), f"{Path(path).name}[{i}:{chosen[0]}]")
    return ns


def epochs(ns: dict, model, data: dict, cfg: dict, seed: int):
    """O laço de `train_model` do notebook `ns`, uma época por vez: produz o registro de cada época (sem o tempo),
    para quem mede ou para no fim de uma época (bench/bench.py). Um teste confere que os
    números são os de `train_model`."""
    ns["check_config"](cfg)
    (x_tr, y_tr), (x_va, y_va) = data["train"], data["valid"]
    loss_fn = ns["nn"].CrossEntropyLoss(label_smoothing=cfg["label_smoothing"])
    optimizer = ns["make_optimizer"](cfg, model.parameters())
    scheduler = ns["make_scheduler"](cfg, optimizer, -(-len(x_tr) // cfg["batch_size"]))
    generator = ns["torch"].Generator().manual_seed(seed)
    for epoch in range(1, cfg["epochs"] + 1):
        lr = optimizer.param_groups[0]["lr"]
        lots = ns["batches"](x_tr, y_tr, cfg["batch_size"], generator=generator)
        loss_sum, correct = ns["train_epoch"](model, lots, cfg, optimizer, scheduler, loss_fn, generator)
        val_loss, val_acc = ns["evaluate"](model, x_va, y_va)
        yield {"epoch": epoch, "lr": lr, "train_loss": loss_sum.item() / len(x_tr),
               "train_acc": 100.0 * correct.item() / len(x_tr), "val_loss": val_loss, "val_acc": val_acc}
