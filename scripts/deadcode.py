#!/usr/bin/env python3
"""Código morto (vulture) nos scripts, nos testes, no benchmark e no código dos dois notebooks.

Uso: python scripts/deadcode.py

O código de cada notebook (as células de código em ordem, com %magias e !comandos traduzidos para Python pelo
IPython) vai para um .py temporário, e o vulture lê tudo junto, com as opções de [tool.vulture] do
pyproject.toml: a lista curta e comentada do que parece morto mas não é. Cada achado num notebook é dito pela
célula (índice no notebook, a partir de 0, contando as de texto) e pela linha dentro dela. Sai com 1 se achar algo.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from nbcells import cells

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("mnist_cnn.ipynb", "fashion_mnist.ipynb")


def extract(notebook: Path, out: Path) -> list[tuple[int, int]]:
    """Grava o código do notebook em `out`; devolve, para cada linha gravada, (célula, linha na célula)."""
    from IPython.core.inputtransformer2 import TransformerManager

    lines, where = [], []
    for i, cell in enumerate(cells(notebook)):
        if cell["cell_type"] == "code":
            code = TransformerManager().transform_cell("".join(cell["source"])).splitlines()
            lines += code
            where += [(i, n) for n in range(1, len(code) + 1)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return where


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        where = {}
        for name in NOTEBOOKS:
            path = Path(tmp) / name.replace(".ipynb", ".py")
            where[str(path)] = (name, extract(ROOT / name, path))
        proc = subprocess.run([sys.executable, "-m", "vulture", "scripts", "tests", "bench", *where], cwd=ROOT,
                              capture_output=True, text=True)

    def locate(m: re.Match) -> str:
        name, lines = where[m[1]]
        cell, line = lines[int(m[2]) - 1]
        return f"{name}, célula {cell}, linha {line}:"

    report = re.sub(r"^(\S+\.py):(\d+):", lambda m: locate(m) if m[1] in where else m[0], proc.stdout, flags=re.M)
    print(report + proc.stderr, end="")
    print("Nenhum código morto." if proc.returncode == 0 else "Código morto acima (ou ponha-o, comentado, na lista de "
          "[tool.vulture] do pyproject.toml, se não for).", file=sys.stderr if proc.returncode else sys.stdout)
    return 1 if proc.returncode else 0


if __name__ == "__main__":
    raise SystemExit(main())
