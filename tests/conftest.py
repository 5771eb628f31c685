"""Utilidades dos testes: o código do notebook é carregado das suas células etiquetadas."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from nbcells import cells, load_namespace  # noqa: E402, F401 (cells é usado pelos testes)

NOTEBOOKS = {"mnist": ROOT / "mnist_cnn.ipynb", "fashion": ROOT / "fashion_mnist.ipynb"}


@pytest.fixture(scope="session")
def mnist_ns():
    return load_namespace(NOTEBOOKS["mnist"])


@pytest.fixture(scope="session")
def fashion_ns():
    return load_namespace(NOTEBOOKS["fashion"])
