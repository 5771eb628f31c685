"""Carrega as células etiquetadas de um notebook num namespace Python.

Os testes e o benchmark usam isto para exercitar o código do próprio notebook, que é a única
fonte dele (os notebooks não importam nada deste repositório).
"""

from __future__ import annotations

import json
import linecache
from pathlib import Path

# As etiquetas das células que os dois notebooks compartilham, idênticas nos dois (um teste confere).
SHARED_TAGS = ("setup", "format", "parameters", "infra", "fingerprint", "data", "model-convnet", "model-convnet-bn",
               "training", "augment", "figures", "plot-history", "experiments", "sgd-rate", "seeds", "paired",
               "q4-runs", "q4-grid", "mod4", "my-experiment", "comparison", "choice", "plot-seeds", "best-model",
               "confusion", "times")
# Etiquetas de células que rodam experimentos (compartilhadas, mas não são definições): load_namespace as pula.
EXPERIMENT_TAGS = ("q4-runs", "mod4")


def cells(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def tags_of(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def load_namespace(path: Path) -> dict:
    """Executa as células etiquetadas (menos `parameters` e as de experimentos), na ordem do notebook."""
    ns: dict = {"__name__": "notebook"}
    for i, cell in enumerate(cells(path)):
        chosen = [t for t in tags_of(cell) if t not in ("parameters", *EXPERIMENT_TAGS)]
        if cell["cell_type"] == "code" and chosen:
            name, source = f"{Path(path).name}[{i}:{chosen[0]}]", "".join(cell["source"])
            linecache.cache[name] = (len(source), None, source.splitlines(True), name)  # como o IPython: a
            exec(compile(source, name, "exec"), ns)  # impressão digital do código lê o texto daqui
    return ns
