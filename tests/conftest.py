"""Utilidades dos testes: o código do notebook é carregado das suas células etiquetadas."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from nbcells import load_namespace  # noqa: E402

NOTEBOOKS = {"mnist": ROOT / "mnist_cnn.ipynb", "fashion": ROOT / "fashion_mnist.ipynb"}


def cells(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


@pytest.fixture(scope="session")
def mnist_ns():
    return load_namespace(NOTEBOOKS["mnist"])
