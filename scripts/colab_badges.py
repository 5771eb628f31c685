#!/usr/bin/env python3
"""Põe os selos "Abrir no Colab" no README e nos notebooks, a partir do remoto do GitHub.

Uso: python scripts/colab_badges.py [--root PASTA]   (ou `make badges`)

O endereço vem de `git remote get-url origin`. Se ele não é do GitHub (ou não há remoto), nada
muda: um selo com um caminho inventado levaria a uma página 404, e o README já diz como abrir um
notebook no Colab sem selo (Arquivo → Abrir notebook → GitHub).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

NOTEBOOKS = ("mnist_cnn.ipynb", "fashion_mnist.ipynb")
GITHUB = re.compile(r"github\.com[:/]([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")
BADGE = "[![Abrir no Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"
README_BLOCK = re.compile(r"(<!-- colab:início -->\n).*?(<!-- colab:fim -->)", re.S)
NOTEBOOK_LINE = re.compile(r"^(Para abrir no Colab:.*?\n.*?\(veja o README\)\.|\[!\[Abrir no Colab\]\(.*?\)\]\(.*?\))$",
                           re.M)


def git(root: Path, *args: str) -> str | None:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def colab_url(root: Path, notebook: str) -> str | None:
    remote = git(root, "remote", "get-url", "origin")
    match = GITHUB.search(remote or "")
    if not match:
        return None
    branch = git(root, "symbolic-ref", "--short", "HEAD") or "main"
    return f"https://colab.research.google.com/github/{match[1]}/{match[2]}/blob/{branch}/{notebook}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    root = p.parse_args(argv).root
    urls = {nb: colab_url(root, nb) for nb in NOTEBOOKS}
    if None in urls.values():
        print(f"O remoto 'origin' ({git(root, 'remote', 'get-url', 'origin') or 'nenhum'}) não é do GitHub: "
              f"nada muda. O README diz como abrir os notebooks no Colab sem selo.")
        return 0
    readme = root / "README.md"
    lines = "\n".join(f"- `{nb}`: {BADGE.format(url=url)}" for nb, url in urls.items())
    text, n = README_BLOCK.subn(lambda m: m[1] + lines + "\n" + m[2], readme.read_text(encoding="utf-8"))
    if n != 1:
        print(f"{readme}: não achei o bloco <!-- colab:início --> … <!-- colab:fim -->.", file=sys.stderr)
        return 1
    readme.write_text(text, encoding="utf-8")
    for nb, url in urls.items():
        path = root / nb
        data = json.loads(path.read_text(encoding="utf-8"))
        head = "".join(data["cells"][0]["source"])
        new, n = NOTEBOOK_LINE.subn(BADGE.format(url=url), head, count=1)
        if n != 1:
            print(f"{path}: a primeira célula não tem a linha do Colab.", file=sys.stderr)
            return 1
        data["cells"][0]["source"] = new.splitlines(keepends=True)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("Selos do Colab apontando para:", ", ".join(urls.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
