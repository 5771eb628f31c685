"""Os números de um treino minúsculo, para cada arquitetura registrada e cada opção do aumento de dados.

A impressão digital do código decide quando um resultado gravado deixa de valer. Este teste guarda o outro
lado: se os números de um treino mudarem sem que a impressão digital mude (uma mudança fora do código
coberto, como `build_model`, os padrões da configuração ou o PyTorch), os resultados commitados seriam
reaproveitados com números que o código de agora não dá. E se a impressão digital mudar, o teste também
falha: os resultados commitados com aquele código seriam treinados de novo num clone, e isso precisa ser
uma decisão. Para registrar números novos de propósito: `python tests/test_golden.py --golden`.
"""

import json
import sys

import pytest
import torch
from conftest import ROOT

GOLDEN = ROOT / "tests" / "golden_training.json"
# as opções do aumento de cada notebook: o MNIST gira e amplia; o Fashion-MNIST espelha
AUGMENT_OPTIONS = {"mnist": {"max_shift": 2.0, "max_rotation": 10.0, "max_zoom": 0.1},
                   "fashion": {"max_shift": 2.0, "hflip": True}}


def tiny_data() -> dict:
    """96 imagens sorteadas (64 de treino, 32 de validação): o mesmo em qualquer máquina."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(96, 1, 28, 28, generator=g), torch.randint(0, 10, (96,), generator=g)
    return {"train": (x[:64], y[:64]), "valid": (x[64:], y[64:]), "test": (x[64:], y[64:]),
            "dataset": "golden", "split": {"seed": 0, "n_valid": 32, "subset": 0}}


def golden_runs(mnist_ns: dict, fashion_ns: dict) -> dict:
    """Duas épocas de cada arquitetura (SGD com OneCycle) e da ConvNet com cada opção de aumento de cada notebook,
    com a parte de código da identidade de cada uma. A taxa é baixa:
    um treino que diverge amplia a diferença entre máquinas muito além dos últimos dígitos."""
    data, runs = tiny_data(), {}
    jobs = [(ns, f"arch_{arch}", {"arch": arch}) for ns in (mnist_ns, fashion_ns) for arch in ns["ARCHITECTURES"]]
    jobs += [(ns, f"augment_{key}_{k}", {"arch": "convnet", "augment": {k: v}})
             for key, ns in (("mnist", mnist_ns), ("fashion", fashion_ns)) for k, v in AUGMENT_OPTIONS[key].items()]
    jobs += [(fashion_ns, "label_smoothing", {"arch": "convnet", "label_smoothing": 0.1})]
    for ns, name, overrides in jobs:
        if name in runs:
            continue
        cfg = ns["recipe"](2, optimizer="sgd", lr=0.01, scheduler="onecycle", batch_size=32, **overrides)
        ns["seed_everything"](0)
        model = ns["build_model"](cfg["arch"])
        history = ns["train_model"](model, data, cfg, seed=0, progress=False)
        runs[name] = {"code": ns["run_identity"](data, cfg, 0)["code"],
                      "numbers": [[h["train_loss"], h["val_loss"]] for h in history]}
    return runs


def test_tiny_trainings_give_the_recorded_numbers(mnist_ns, fashion_ns, capsys):
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))["runs"]
    got = golden_runs(mnist_ns, fashion_ns)
    capsys.readouterr()  # as linhas de cada época
    assert set(got) == set(golden), "rode `python tests/test_golden.py --golden`"
    for name, run in got.items():
        assert run["code"] == golden[name]["code"], f"{name}: outro código (rode o --golden, se for de propósito)"
        flat = [v for row in run["numbers"] for v in row]
        expected = [v for row in golden[name]["numbers"] for v in row]
        # outra máquina muda os últimos dígitos (~1e-5); uma mudança de comportamento muda muito mais
        assert flat == pytest.approx(expected, rel=0, abs=2e-3), name


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "scripts"))
    from nbcells import load_namespace

    if sys.argv[1:] == ["--golden"]:
        runs = golden_runs(load_namespace(ROOT / "mnist_cnn.ipynb"), load_namespace(ROOT / "fashion_mnist.ipynb"))
        GOLDEN.write_text(json.dumps({"runs": runs}, indent=1) + "\n", encoding="utf-8")
        print(f"{GOLDEN.name} regravado: {len(runs)} treinos minúsculos")
