"""O benchmark roda numa configuração minúscula e grava o JSON com os campos esperados (sem medir tempo); o laço de
épocas que ele usa (nbcells.epochs) dá os números de train_model."""

import json
import subprocess
import sys

import torch
from conftest import ROOT
from nbcells import epochs


def test_bench_smoke(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench.py"), "--subset", "600", "--repeats", "1",
         "--max-epochs", "1", "--target", "20", "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert {"epoch_ratio_dataloader_over_tensor", "fast_recipe_seconds_to_99", "seed_recipe_seconds_to_99"} <= {*report}
    assert report["n_train"] == 600 and len(report["epoch_seconds_tensor"]["values"]) == 1
    # 6 lotes de 100 da ConvNet: cerca de 4,06 TFLOP numa época de 49.800 imagens, proporcionalmente
    assert abs(report["train_tflop_per_epoch"] - 4.06 * 600 / 49_800) < 0.005
    assert 0 < report["train_gflops"] and 0 < report["sgemm_gflops_ceiling"]
    assert report["seed_recipe"]["reached"]  # 20% é fácil: o caminho "atingiu" é exercitado


def test_the_epoch_loop_of_the_scripts_gives_the_numbers_of_train_model(mnist_ns):
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(80, 1, 28, 28, generator=g), torch.randint(0, 10, (80,), generator=g)
    data = {"train": (x[:64], y[:64]), "valid": (x[64:], y[64:])}
    cfg = mnist_ns["recipe"](2, arch="fastnet", optimizer="sgd", lr=0.05, scheduler="onecycle", batch_size=16,
                             augment={"max_shift": 1.0})
    runs = []
    for loop in (lambda m: mnist_ns["train_model"](m, data, cfg, 0, progress=False),
                 lambda m: list(epochs(mnist_ns, m, data, cfg, 0))):
        mnist_ns["seed_everything"](0)
        runs.append([{k: v for k, v in h.items() if k != "seconds"} for h in loop(mnist_ns["build_model"]("fastnet"))])
    assert runs[0] == runs[1] and len(runs[0]) == 2
