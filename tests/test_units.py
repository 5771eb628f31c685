"""Testes de unidade das funções dos notebooks (carregadas das células etiquetadas)."""

import json

import pytest
import torch


def tiny_data(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    # imagens com um sinal aprendível: a classe acende uma faixa da imagem
    x = torch.randn(n, 1, 28, 28, generator=g) * 0.1
    for i, c in enumerate(y.tolist()):
        x[i, 0, 2 * c:2 * c + 3, :] += 1.0
    split = {"train": (x[:64], y[:64]), "valid": (x[64:80], y[64:80]), "test": (x[80:], y[80:])}
    return {**split, "mean": 0.0, "std": 1.0, "full_sizes": {}, "classes": [str(i) for i in range(10)]}


def test_convnet_matches_the_seed(mnist_ns):
    model = mnist_ns["build_model"]("convnet")
    assert mnist_ns["count_params"](model) == 3_199_106
    assert model(torch.zeros(4, 1, 28, 28)).shape == (4, 10)
    assert [type(m).__name__ for m in model.layer1] == ["Conv2d", "ReLU", "MaxPool2d"]


def test_fast_net_is_small(mnist_ns):
    model = mnist_ns["build_model"]("rapida")
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert mnist_ns["count_params"](model) < 50_000


def test_evaluate_changes_no_weight_and_repeats(mnist_ns):
    torch.manual_seed(0)
    model = mnist_ns["build_model"]("rapida")
    model.train()
    data = tiny_data()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    first = mnist_ns["evaluate"](model, *data["valid"], batch_size=7)
    second = mnist_ns["evaluate"](model, *data["valid"], batch_size=16)
    after = model.state_dict()
    # BatchNorm em modo treino mudaria running_mean; em eval nada muda
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert first[1] == second[1]
    assert first[0] == pytest.approx(second[0], rel=1e-5)
    assert not model.training


def test_batches_cover_every_sample_once(mnist_ns):
    x = torch.arange(10).float().view(10, 1)
    y = torch.arange(10)
    got = list(mnist_ns["batches"](x, y, 4, shuffle=True, generator=torch.Generator().manual_seed(1)))
    assert [len(b[1]) for b in got] == [4, 4, 2]
    seen = torch.cat([b[1] for b in got])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    assert all(torch.equal(b[0].view(-1).long(), b[1]) for b in got)


@pytest.mark.parametrize("name", ["adamm", "rmsprop", ""])
def test_unknown_optimizer_is_a_clear_error(mnist_ns, name):
    params = [torch.zeros(1, requires_grad=True)]
    with pytest.raises(ValueError, match="Otimizador desconhecido"):
        mnist_ns["make_optimizer"](name, params, 1e-3)


def test_unknown_architecture_and_scheduler(mnist_ns):
    with pytest.raises(ValueError, match="Arquitetura desconhecida.*convnet"):
        mnist_ns["build_model"]("resnet9000")
    opt = mnist_ns["make_optimizer"]("sgd", [torch.zeros(1, requires_grad=True)], 0.1)
    with pytest.raises(ValueError, match="Agendador desconhecido"):
        mnist_ns["make_scheduler"]("cosine-magic", opt, 0.1, 2, 10)


@pytest.mark.parametrize("field,value", [("epochs", 0), ("epochs", -3), ("epochs", 1.5),
                                         ("batch_size", 0), ("lr", 0.0), ("lr", -1e-3)])
def test_out_of_range_parameters(mnist_ns, tmp_path, field, value):
    cfg = mnist_ns["recipe"](1, arch="rapida")
    cfg[field] = value
    with pytest.raises(ValueError, match=f"fora do intervalo: {field}"):
        mnist_ns["run_experiment"]("x", cfg, tiny_data(), 0, tmp_path, "teste", torch.device("cpu"), progress=False)
    assert list(tmp_path.iterdir()) == []  # nada gravado pela metade


def test_epoch_scale_must_be_positive(mnist_ns):
    with pytest.raises(ValueError, match="EPOCH_SCALE"):
        mnist_ns["recipe"](6, 0)
    assert mnist_ns["recipe"](10, 0.01)["epochs"] == 1
    assert mnist_ns["recipe"](10, 0.5)["epochs"] == 5


def test_training_is_reproducible_and_learns(mnist_ns, tmp_path):
    cfg = mnist_ns["recipe"](3, arch="rapida", lr=1e-2, batch_size=16)
    data = tiny_data()
    runs = []
    for folder in ("a", "b"):
        result, model = mnist_ns["run_experiment"]("rep", cfg, data, 7, tmp_path / folder, "teste",
                                                   torch.device("cpu"), progress=False)
        assert model is not None
        runs.append(result)
    assert runs[0]["history"] == [{**h, "seconds": runs[0]["history"][i]["seconds"]}
                                  for i, h in enumerate(runs[1]["history"])]
    assert runs[0]["test_acc"] == runs[1]["test_acc"]
    assert runs[0]["history"][-1]["train_loss"] < runs[0]["history"][0]["train_loss"]


def test_resume_loads_without_training(mnist_ns, tmp_path, monkeypatch):
    run = mnist_ns["run_experiment"]
    cfg = mnist_ns["recipe"](1, arch="rapida", batch_size=32)
    data, cpu = tiny_data(), torch.device("cpu")
    first, model = run("exp", cfg, data, 0, tmp_path, "teste", cpu, progress=False)
    path = tmp_path / "exp_seed0.json"
    assert model is not None and path.exists()
    assert not list(tmp_path.glob("*.tmp"))
    assert json.loads(path.read_text(encoding="utf-8")) == first

    def no_training(*args, **kwargs):
        raise AssertionError("treinou de novo em vez de carregar")

    monkeypatch.setitem(mnist_ns, "train_model", no_training)
    again, model = run("exp", cfg, data, 0, tmp_path, "teste", cpu, progress=False)
    assert model is None and again == first
    # mudar a configuração, ou forçar, treina de novo
    with pytest.raises(AssertionError, match="treinou de novo"):
        run("exp", {**cfg, "lr": 5e-3}, data, 0, tmp_path, "teste", cpu, progress=False)
    with pytest.raises(AssertionError, match="treinou de novo"):
        run("exp", cfg, data, 0, tmp_path, "teste", cpu, force=True, progress=False)
    # outra semente é outro arquivo
    with pytest.raises(AssertionError, match="treinou de novo"):
        run("exp", cfg, data, 1, tmp_path, "teste", cpu, progress=False)
    assert json.loads(path.read_text(encoding="utf-8")) == first


def test_save_json_atomic_leaves_nothing_half_written(mnist_ns, tmp_path):
    path = tmp_path / "r.json"
    mnist_ns["save_json_atomic"](path, {"a": 1})
    with pytest.raises(TypeError):
        mnist_ns["save_json_atomic"](path, {"a": object()})
    assert json.loads(path.read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


class _OfflineDataset:
    classes = []

    def __init__(self, *args, **kwargs):
        raise RuntimeError("Error downloading: Name or service not known")


def test_missing_data_offline_names_the_fetch_command(mnist_ns, tmp_path):
    with pytest.raises(RuntimeError, match=r"scripts/get_data\.py"):
        mnist_ns["load_data"](_OfflineDataset, tmp_path, {}, seed=0, n_valid=10)


def test_corrupted_file_is_reported(mnist_ns, tmp_path):
    raw = tmp_path / "_OfflineDataset" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte").write_bytes(b"lixo")
    with pytest.raises(RuntimeError, match="corrompido.*train-images-idx3-ubyte"):
        mnist_ns["load_data"](_OfflineDataset, tmp_path, {"train-images-idx3-ubyte": "0" * 64}, seed=0, n_valid=10)


def fake_result(val_acc, test_acc):
    return {"history": [{"val_acc": val_acc - 1}, {"val_acc": val_acc}], "test_acc": test_acc}


def test_choice_reads_validation_never_test(mnist_ns):
    choose = mnist_ns["choose_best"]
    candidates = {"melhor_no_teste": fake_result(99.0, 99.9), "melhor_na_validacao": fake_result(99.4, 98.0),
                  "sem_teste": fake_result(99.1, None)}
    assert choose(candidates) == "melhor_na_validacao"
    # a última época conta, não a melhor época (que seria escolher olhando a curva)
    candidates["pico_antigo"] = {"history": [{"val_acc": 99.9}, {"val_acc": 98.0}], "test_acc": 100.0}
    assert choose(candidates) == "melhor_na_validacao"


def test_seed_summary(mnist_ns):
    runs = [{"seed": s, "test_acc": t, "history": [{"val_acc": v}]} for s, t, v in
            [(0, 99.0, 98.0), (1, 99.2, 98.2), (2, 99.4, 98.4)]]
    summary = mnist_ns["seed_summary"](runs)
    assert summary["n"] == 3 and summary["seeds"] == [0, 1, 2]
    assert summary["test_mean"] == pytest.approx(99.2) and summary["test_std"] == pytest.approx(0.2)
    assert summary["val_mean"] == pytest.approx(98.2) and summary["val_std"] == pytest.approx(0.2)
    json.dumps(summary)


def test_augment_is_batched_reproducible_and_sane(mnist_ns):
    augment = mnist_ns["augment"]
    x = torch.zeros(6, 1, 28, 28)
    x[:, 0, 10:18, 4:12] = 1.0  # um quadrado à esquerda
    same = augment(x, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(same, x, atol=1e-5)  # sem deslocamento nem rotação: identidade
    a = augment(x, max_shift=2, max_rotation=10, generator=torch.Generator().manual_seed(3))
    b = augment(x, max_shift=2, max_rotation=10, generator=torch.Generator().manual_seed(3))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.allclose(a, x)
    assert (a.sum((1, 2, 3)) - x.sum((1, 2, 3))).abs().max() < 0.2 * 64  # a "tinta" é quase preservada
    flipped = augment(x, hflip=True, generator=torch.Generator().manual_seed(1))
    moved_right = flipped[:, 0, :, 14:].sum((1, 2)) > flipped[:, 0, :, :14].sum((1, 2))
    assert 0 < moved_right.sum() < 6  # só parte do lote é espelhada


def test_weights_are_saved_and_reloaded_on_resume(mnist_ns, tmp_path):
    run = mnist_ns["run_experiment"]
    cfg = mnist_ns["recipe"](1, arch="rapida", batch_size=32, augment={"max_shift": 1, "max_rotation": 5})
    data, cpu = tiny_data(), torch.device("cpu")
    weights = tmp_path / "w.pt"
    first, model = run("exp", cfg, data, 0, tmp_path, "teste", cpu, progress=False, weights=weights, test=False)
    assert first["test_acc"] is None and weights.exists()
    again, reloaded = run("exp", cfg, data, 0, tmp_path, "teste", cpu, progress=False, weights=weights, test=False)
    assert again == first
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), reloaded.state_dict().values(),
                                                  strict=True))
    weights.unlink()  # sem os pesos, a retomada treina de novo
    _, model3 = run("exp", cfg, data, 0, tmp_path, "teste", cpu, progress=False, weights=weights, test=False)
    assert weights.exists() and model3 is not None


def test_readme_tables_match_results():
    """Os números do README vêm de results/: o README gerado agora é igual ao commitado."""
    import subprocess
    import sys

    from conftest import ROOT

    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "update_readme.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


# ------------------------------------------------------------------ Fashion-MNIST


def test_fashion_models(fashion_ns):
    build, count = fashion_ns["build_model"], fashion_ns["count_params"]
    assert count(build("convnet")) == 3_199_106 and count(build("convnet_bn_dropout")) == 3_200_202
    net = build("vgg5").eval()
    assert count(net) == 289_130
    x = torch.randn(5, 1, 28, 28)
    with torch.inference_mode():
        out = net(x)
    assert out.shape == (5, 10) and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="Arquitetura desconhecida"):
        build("resnet")


def test_hflip_is_an_exact_mirror(fashion_ns):
    x = torch.rand(64, 1, 28, 28)
    out = fashion_ns["augment"](x, hflip=True, generator=torch.Generator().manual_seed(0))
    same = (out - x).abs().amax((1, 2, 3)) < 1e-5
    mirrored = (out - x.flip(-1)).abs().amax((1, 2, 3)) < 1e-5
    assert torch.all(same | mirrored) and 16 < mirrored.sum() < 48  # cada imagem: intacta ou espelhada
