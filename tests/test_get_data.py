"""A etapa de dados (scripts/get_data.py) com arquivos IDX pequenos feitos pelo teste."""

import gzip
import hashlib
import importlib.util
import struct

import common
from conftest import NOTEBOOKS, ROOT, notebook_constants
from test_units import fails

spec = importlib.util.spec_from_file_location("get_data", ROOT / "scripts" / "get_data.py")
get_data = importlib.util.module_from_spec(spec)
spec.loader.exec_module(get_data)


def test_notebooks_check_the_same_sums_as_the_scripts():
    """Cada notebook tem a sua cópia das somas (MNIST_SHA256, FASHION_SHA256), lida das células sem executá-las."""
    for dataset, path in NOTEBOOKS.items():
        assert notebook_constants(path)[f"{dataset.upper()}_SHA256"] == common.SHA256[dataset], path.name


def idx_images(n):
    return struct.pack(">IIII", 2051, n, 28, 28) + bytes(range(256)) * (n * 784 // 256) + bytes(n * 784 % 256)


def idx_labels(n):
    return struct.pack(">II", 2049, n) + bytes(i % 10 for i in range(n))


def make_source(folder, gz=False):
    folder.mkdir(parents=True, exist_ok=True)
    contents = {
        "train-images-idx3-ubyte": idx_images(6), "train-labels-idx1-ubyte": idx_labels(6),
        "t10k-images-idx3-ubyte": idx_images(3), "t10k-labels-idx1-ubyte": idx_labels(3),
    }
    for name, data in contents.items():
        if gz:
            with gzip.open(folder / f"{name}.gz", "wb") as f:
                f.write(data)
        else:
            (folder / name).write_bytes(data)
    return {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}


class CountingSource:
    def __init__(self, folder):
        self.folder, self.calls = folder, 0

    def __call__(self, dataset, workdir):
        self.calls += 1
        return self.folder


def test_installs_verified_files_once_and_replaces_a_corrupted_one(tmp_path):
    expected = make_source(tmp_path / "src", gz=True)
    source, root = CountingSource(tmp_path / "src"), tmp_path / "data"

    def fetch():
        return get_data.fetch("mnist", root, sources=[("fake", source)], expected=expected, log=lambda *a: None)

    assert fetch()
    raw = root / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(expected)
    assert all(get_data.sha256(raw / n) == s for n, s in expected.items())
    assert not fetch() and source.calls == 1  # a segunda vez não faz nada
    (raw / "train-images-idx3-ubyte").write_bytes(b"corrompido")
    assert fetch() and source.calls == 2
    assert get_data.sha256(raw / "train-images-idx3-ubyte") == expected["train-images-idx3-ubyte"]


def test_a_bad_source_is_refused_naming_the_file_and_leaving_nothing(tmp_path):
    expected, name = make_source(tmp_path / "src"), "t10k-labels-idx1-ubyte"
    expected[name] = "0" * 64  # a soma errada
    with fails(name, get_data.DataError):
        get_data.fetch("mnist", tmp_path / "d", sources=[("fake", CountingSource(tmp_path / "src"))],
                       expected=expected, log=lambda *a: None)
    raw = tmp_path / "d" / "MNIST" / "raw"
    assert not raw.exists() or list(raw.iterdir()) == []
