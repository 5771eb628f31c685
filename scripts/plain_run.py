#!/usr/bin/env python3
"""Executa as células de código de um notebook, em ordem, num processo Python comum (sem Jupyter).

Uso:  python scripts/plain_run.py NOTEBOOK.ipynb ['{"SUBSET": 2000}']

É o "Executar tudo" de uma máquina que tem o PyTorch mas não tem o Jupyter nem um registro de pacotes (a de
GPU): os parâmetros (JSON) entram logo depois da célula `parameters`, como o papermill faz; `display` imprime o
texto (uma tabela como texto, o Markdown como está); as figuras são gravadas pelo próprio notebook e não aparecem
(backend Agg). O treino é o mesmo do notebook, célula por célula. Sai com 1 na primeira célula que falha,
dizendo qual.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import types
from pathlib import Path

from nbcells import cells, define, tags_of


def display(*objs, **_) -> None:
    """O `display` do IPython em texto: uma tabela (DataFrame, ou Styler, com a sua formatação) pelo to_string(),
    o Markdown pelo seu texto (.data), o resto pelo print."""
    for obj in objs:
        print(obj.to_string() if hasattr(obj, "to_string") else getattr(obj, "data", obj))


def install_display() -> None:
    """`from IPython.display import Markdown, display` dá o display daqui; sem o IPython, um módulo mínimo."""
    try:
        import IPython.display  # noqa: F401 (só para saber se existe)
    except ImportError:
        ipython = types.ModuleType("IPython")
        ipython.get_ipython, ipython.version_info = (lambda: None), (8, 24, 0)  # o matplotlib lê version_info
        ipython.display = types.ModuleType("IPython.display")
        ipython.display.Markdown = type("Markdown", (), {"__init__": lambda self, data: setattr(self, "data", data)})
        sys.modules.update({"IPython": ipython, "IPython.display": ipython.display})
    sys.modules["IPython.display"].display = display


def code_cells(notebook: Path, params: dict) -> list[tuple[str, str]]:
    """(nome, código) de cada célula de código, com os parâmetros depois da célula `parameters`."""
    out = []
    for i, cell in enumerate(cells(notebook)):
        if cell["cell_type"] != "code":
            continue
        out.append((f"<{notebook.name}[{i}]>", "".join(cell["source"])))
        if "parameters" in tags_of(cell) and params:
            out.append((f"<{notebook.name}[{i}]:parametros>",
                        "# Parameters\n" + "".join(f"{k} = {v!r}\n" for k, v in params.items())))
    return out


def main(argv: list[str]) -> int:
    notebook = Path(argv[0])
    params = json.loads(argv[1]) if len(argv) > 1 else {}
    os.environ.setdefault("MPLBACKEND", "Agg")
    install_display()
    ns: dict = {"__name__": "__main__"}
    start = time.perf_counter()
    for name, source in code_cells(notebook, params):
        t0 = time.perf_counter()
        try:
            define(ns, source, name)
        except Exception:
            traceback.print_exc()
            print(f"FALHOU na célula {name} depois de {time.perf_counter() - start:.1f} s", flush=True)
            return 1
        print(f"[célula {name}: {time.perf_counter() - t0:.1f} s]", flush=True)
    print(f"TERMINOU {notebook.name} em {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
