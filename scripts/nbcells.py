"""Carrega as células etiquetadas de um notebook num namespace Python.

Os testes e o benchmark usam isto para exercitar o código do próprio notebook, que é a única
fonte dele (os notebooks não importam nada deste repositório).
"""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_TAGS = ("setup", "helpers", "model", "fast-recipe")


def cells(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def tagged_source(path: Path, tag: str) -> str:
    found = ["".join(c["source"]) for c in cells(path) if tag in c.get("metadata", {}).get("tags", [])]
    if not found:
        raise KeyError(f"{Path(path).name} não tem célula com a etiqueta {tag!r}")
    return "\n\n".join(found)


def load_namespace(path: Path, tags=DEFAULT_TAGS) -> dict:
    ns: dict = {"__name__": "notebook"}
    for tag in tags:
        exec(compile(tagged_source(path, tag), f"{Path(path).name}[{tag}]", "exec"), ns)
    return ns
