#!/usr/bin/env python3
"""Copia as células compartilhadas (etiquetas de nbcells.SHARED_TAGS) do MNIST para o Fashion-MNIST.

Uso: python scripts/sync_cells.py [--check] [--source mnist_cnn.ipynb] [--target fashion_mnist.ipynb]

A k-ésima célula de código com a etiqueta T na origem substitui o código da k-ésima célula com T no destino.
Uma célula que mudou perde as saídas (reexecute o notebook); as outras ficam byte a byte como estavam.
Com --check, nada é gravado: sai com 1 e lista as etiquetas que diferem.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nbcells import SHARED_TAGS, tags_of

ROOT = Path(__file__).resolve().parents[1]


def tagged(nb: dict, tag: str) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and tag in tags_of(c)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Copia as células compartilhadas do MNIST para o Fashion-MNIST.")
    parser.add_argument("--check", action="store_true", help="só confere; sai com 1 se alguma etiqueta difere")
    parser.add_argument("--source", type=Path, default=ROOT / "mnist_cnn.ipynb", help="notebook de origem")
    parser.add_argument("--target", type=Path, default=ROOT / "fashion_mnist.ipynb", help="notebook de destino")
    args = parser.parse_args(argv)
    src = json.loads(args.source.read_text(encoding="utf-8"))
    raw = args.target.read_text(encoding="utf-8")
    dst = json.loads(raw)
    changed = []
    for tag in SHARED_TAGS:
        a, b = tagged(src, tag), tagged(dst, tag)
        if len(a) != len(b):
            print(f"Erro: a etiqueta {tag!r} está em {len(a)} célula(s) de {args.source.name} e em {len(b)} de "
                  f"{args.target.name}; acerte à mão. Nada foi gravado.", file=sys.stderr)
            return 1
        for old, new in zip(b, a, strict=True):
            if old["source"] != new["source"]:
                changed.append(tag)
                old.update(source=new["source"], outputs=[], execution_count=None)
    tags = ", ".join(dict.fromkeys(changed))
    if not changed:
        print(f"{args.target.name} já tem as células compartilhadas iguais às de {args.source.name}.")
    elif args.check:
        print(f"As células destas etiquetas diferem entre {args.source.name} e {args.target.name}: {tags}. "
              "Rode `make sync`.", file=sys.stderr)
        return 1
    else:
        # o mesmo formato do nbformat (e do papermill); a quebra de linha final fica como estava
        text = json.dumps(dst, sort_keys=True, indent=1, ensure_ascii=False) + ("\n" if raw.endswith("\n") else "")
        args.target.write_text(text, encoding="utf-8")
        print(f"{args.target.name}: {len(changed)} célula(s) copiada(s) de {args.source.name} ({tags}); "
              "as saídas delas foram apagadas, reexecute o notebook.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
