#!/usr/bin/env python3
"""Executa um notebook com o papermill e só o substitui se a execução terminar sem erro.

Uso: python scripts/run_notebook.py mnist_cnn.ipynb [fashion_mnist.ipynb ...]

A execução vai para um arquivo temporário ao lado (``.tmp-NOME.ipynb``), que só então é movido por
cima do original. Um erro, ou um Ctrl-C no meio, deixa o notebook commitado intacto, com todas as
saídas que tinha.

O kernel sempre desenha com o backend inline do Jupyter, mesmo que o ambiente traga outro (MPLBACKEND=Agg é
comum em Docker e CI, e com ele o plt.show() não mostra nada e o notebook sai sem figuras). As barras de
progresso (widgets do tqdm, que aparecem quando o ipywidgets do `make lab` está instalado) não são gravadas.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

WIDGET = "application/vnd.jupyter.widget-view+json"


def drop_progress_bars(path: Path) -> None:
    """Tira os widgets: no arquivo, cada barra seria uma saída parada em 0% e o estado dela nos metadados."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"] if WIDGET not in o.get("data", {})]
    nb["metadata"].pop("widgets", None)
    # no formato em que o papermill grava: sem widgets, o arquivo sai igual byte a byte
    path.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False), encoding="utf-8")


def run(path: Path) -> bool:
    import papermill

    # o kernel herda este ambiente; é o mesmo backend que o ipykernel escolhe quando MPLBACKEND não existe
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    path = Path(path)
    if not path.is_file():
        print(f"Notebook não encontrado: '{path}'.", file=sys.stderr)
        return False
    tmp = path.with_name(f".tmp-{path.name}")
    print(f"Executando {path} (a saída vai para {tmp.name} até terminar)…", flush=True)
    try:
        papermill.execute_notebook(str(path), str(tmp), kernel_name="python3", cwd=str(path.parent or "."),
                                   progress_bar=False)
        drop_progress_bars(tmp)
    except BaseException as e:  # inclusive KeyboardInterrupt: nada de notebook pela metade
        tmp.unlink(missing_ok=True)
        what = "interrompida" if isinstance(e, KeyboardInterrupt) else f"falhou ({type(e).__name__})"
        print(f"A execução de {path} {what}; o notebook ficou como estava.", file=sys.stderr)
        if isinstance(e, KeyboardInterrupt):
            raise
        print(str(e)[-2000:], file=sys.stderr)
        return False
    os.replace(tmp, path)
    print(f"{path}: executado e atualizado.")
    return True


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    return 0 if all(run(Path(p)) for p in argv) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
