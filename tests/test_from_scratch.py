"""scripts/from_scratch.py roda o notebook de verdade (papermill, numa pasta nova) sem tocar nas pastas do git,
e scripts/flops.py conta as contas da ConvNet da semente como a seção 2 do notebook as conta."""

import hashlib
import json
import subprocess
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import flops  # noqa: E402

TRACKED = ("results", "figures", "models")


def snapshot() -> dict:
    """Conteúdo, tamanho e data de cada arquivo de results/, figures/ e models/."""
    return {str(p.relative_to(ROOT)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for folder in TRACKED for p in sorted((ROOT / folder).rglob("*")) if p.is_file()}


def test_reduced_from_scratch_run_writes_only_to_its_folder(tmp_path):
    pytest.importorskip("papermill")
    if not (ROOT / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.fail("faltam os dados: rode `python scripts/get_data.py` antes dos testes")
    before, out = snapshot(), tmp_path / "nova"
    cmd = [sys.executable, str(ROOT / "scripts" / "from_scratch.py"), "--out", str(out), "--notebooks",
           "mnist_cnn.ipynb", "--subset", "200", "--epoch-scale", "0.01", "--save"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert snapshot() == before  # nem o --save escreve em results/ numa execução reduzida
    assert proc.returncode == 1 and "--save" in proc.stderr, proc.stdout + proc.stderr
    [path] = out.glob("from_scratch_*.json")
    r = json.loads(path.read_text(encoding="utf-8"))
    assert r["device_name"] and r["torch"] and r["reduced"] and r["parameters"] == {"SUBSET": 200, "EPOCH_SCALE": 0.01}
    nb = r["notebooks"]["mnist_cnn.ipynb"]
    assert nb["status"] == "ok", (out / "mnist_cnn.log").read_text(encoding="utf-8")[-3000:]
    assert nb["wall_s"] > nb["train_seconds"] > 0 and nb["n_runs"] == len(r["runs"]) >= 5
    assert all(row["seconds"] > 0 and row["device_name"] == r["device_name"] for row in r["runs"])
    tested = [row for row in r["runs"] if row["test_acc"] is not None]
    assert tested and all(0 <= row["test_acc"] <= 100 for row in tested)
    paired = [row for row in tested if row.get("d_test_acc") is not None]
    assert paired and all(row["d_test_acc"] == row["test_acc"] - row["committed_test_acc"] for row in paired)
    assert not any(row["same_identity"] for row in paired)  # 200 imagens: outro treino que o commitado
    assert (out / "scratch" / "results" / "mnist" / "inicial_seed0.json").exists()
    assert [p.name for p in (out / "results").iterdir()] == []  # a reduzida grava só em scratch/
    assert not (out / "figures").exists() or not any((out / "figures").iterdir())


def test_flops_of_the_seed_convnet():
    """13.808.400 multiplicações-adições por imagem numa passagem direta (a tabela da seção 2): 2 FLOPs cada."""
    build = flops.model_builder(ROOT / "mnist_cnn.ipynb")
    forward = flops.flops_per_image(build("convnet"), train=False)
    train = flops.flops_per_image(build("convnet"), train=True)
    assert forward == 2 * 13_808_400
    # o backward custa perto de duas diretas: o gradiente da entrada da primeira convolução não é calculado
    assert train == forward + 2 * (627_200 + 2 * 10_035_200 + 2 * 3_136_000 + 2 * 10_000)
    for arch in ("convnet_dropout", "gap_net", "deep_cnn"):  # registradas em células sem etiqueta
        assert flops.flops_per_image(build(arch), train=False) > 0
