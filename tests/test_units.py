"""Testes de unidade das funções dos notebooks (carregadas das células etiquetadas)."""

import json

import numpy as np
import pytest
import torch
from conftest import ROOT


def tiny_data(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    # imagens com um sinal aprendível: a classe acende uma faixa da imagem
    x = torch.randn(n, 1, 28, 28, generator=g) * 0.1
    for i, c in enumerate(y.tolist()):
        x[i, 0, 2 * c:2 * c + 3, :] += 1.0
    split = {"train": (x[:64], y[:64]), "valid": (x[64:80], y[64:80]), "test": (x[80:], y[80:])}
    return {**split, "mean": 0.0, "std": 1.0, "full_sizes": {}, "classes": [str(i) for i in range(10)],
            "dataset": "Sintético", "split": {"seed": seed, "n_valid": 16, "subset": 0}}


DIRS = {"RESULTS_DIR": "results", "FIGURES_DIR": "figures", "CHECKPOINTS_DIR": "checkpoints", "MODELS_DIR": "models"}


def make_lab(ns, folder, data=None, seed=0, force=False):
    dirs = {k: str(folder / v) for k, v in DIRS.items()}
    return ns["Lab"](data or tiny_data(), "teste", "teste", dirs, torch.device("cpu"), seed=seed, force=force)


def test_convnet_matches_the_seed(mnist_ns):
    model = mnist_ns["build_model"]("convnet")
    assert mnist_ns["count_params"](model) == 3_199_106
    assert model(torch.zeros(4, 1, 28, 28)).shape == (4, 10)
    assert [type(m).__name__ for m in model.layer1] == ["Conv2d", "ReLU", "MaxPool2d"]


def test_fast_net_is_small(mnist_ns):
    model = mnist_ns["build_model"]("fastnet")
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert mnist_ns["count_params"](model) < 50_000


def test_fast_recipe_net_does_about_half_the_work(mnist_ns):
    """O texto da seção 5.8 diz "metade das contas por imagem": medido com FlopCounterMode."""
    from torch.utils.flop_counter import FlopCounterMode

    def flops(arch):
        model = mnist_ns["build_model"](arch).eval()
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(torch.zeros(1, 1, 28, 28))
        return counter.get_total_flops()

    assert mnist_ns["FAST_RECIPE"]["arch"] == "fastnet_s"
    assert 0.4 < flops("fastnet_s") / flops("fastnet") < 0.6


def test_evaluate_changes_no_weight_and_repeats(mnist_ns):
    torch.manual_seed(0)
    model = mnist_ns["build_model"]("fastnet")
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
    with pytest.raises(ValueError, match="Otimizador desconhecido"):
        mnist_ns["recipe"](1, optimizer=name)


def test_unknown_architecture_and_scheduler(mnist_ns):
    with pytest.raises(ValueError, match="Arquitetura desconhecida.*convnet"):
        mnist_ns["build_model"]("resnet9000")
    with pytest.raises(ValueError, match="Arquitetura desconhecida.*convnet"):
        mnist_ns["recipe"](1, arch="resnet9000")
    with pytest.raises(ValueError, match="Agendador desconhecido"):
        mnist_ns["recipe"](1, scheduler="cosine-magic")
    with pytest.raises(ValueError, match="campo.*desconhecido.*momentum"):
        mnist_ns["recipe"](1, momentum=0.9)  # a opção vai em optimizer_options, não solta


def test_config_says_what_runs(mnist_ns):
    """A configuração traz as opções que o PyTorch usaria por padrão, e o otimizador roda com elas."""
    cfg = mnist_ns["recipe"](2, optimizer="sgd", lr=0.1, scheduler="onecycle")
    assert cfg["optimizer_options"] == {"momentum": 0.9, "nesterov": True}
    assert cfg["scheduler_options"]["cycle_momentum"] is True
    assert (cfg["scheduler_options"]["base_momentum"], cfg["scheduler_options"]["max_momentum"]) == (0.85, 0.95)
    params = [torch.zeros(1, requires_grad=True)]
    opt = mnist_ns["make_optimizer"](cfg, params)
    sched = mnist_ns["make_scheduler"](cfg, opt, steps_per_epoch=10)
    momenta = []
    for _ in range(20):
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    # o OneCycle faz o momento oscilar: não é 0,9 constante
    assert max(momenta) == pytest.approx(0.95) and min(momenta) < 0.86
    fixed = {**cfg, "scheduler_options": {**cfg["scheduler_options"], "cycle_momentum": False}}
    opt = mnist_ns["make_optimizer"](fixed, params)
    mnist_ns["make_scheduler"](fixed, opt, steps_per_epoch=10)
    assert opt.param_groups[0]["momentum"] == 0.9
    assert mnist_ns["recipe"](1)["scheduler_options"] is None
    with pytest.raises(ValueError, match="scheduler_options"):
        mnist_ns["check_config"]({**cfg, "scheduler_options": {"cycle_momentum": False}})


@pytest.mark.parametrize("field,value", [("epochs", 0), ("epochs", -3), ("epochs", 1.5),
                                         ("batch_size", 0), ("lr", 0.0), ("lr", -1e-3)])
def test_out_of_range_parameters(mnist_ns, tmp_path, field, value):
    cfg = mnist_ns["recipe"](1, arch="fastnet")
    cfg[field] = value
    with pytest.raises(ValueError, match=f"fora do intervalo: {field}"):
        make_lab(mnist_ns, tmp_path).run("x", cfg)
    assert list(tmp_path.iterdir()) == []  # nada gravado pela metade


@pytest.mark.parametrize("erase", [-1, 29, 2.5, True])
def test_erase_must_be_a_square_that_fits(mnist_ns, tmp_path, erase):
    cfg = {**mnist_ns["recipe"](1, arch="fastnet"), "augment": {"max_shift": 2, "erase": erase}}
    with pytest.raises(ValueError, match=r"fora do intervalo: augment\['erase'\]"):
        make_lab(mnist_ns, tmp_path).run("x", cfg)
    assert list(tmp_path.iterdir()) == []


def test_epoch_scale_must_be_positive(mnist_ns):
    with pytest.raises(ValueError, match="EPOCH_SCALE"):
        mnist_ns["recipe"](6, 0)
    assert mnist_ns["recipe"](10, 0.01)["epochs"] == 1
    assert mnist_ns["recipe"](10, 0.5)["epochs"] == 5


def test_training_is_reproducible_and_learns(mnist_ns, tmp_path):
    cfg = mnist_ns["recipe"](3, arch="fastnet", lr=1e-2, batch_size=16)
    runs = []
    for folder in ("a", "b"):
        result, model = make_lab(mnist_ns, tmp_path / folder, seed=7).run("rep", cfg)
        assert model is not None
        runs.append(result)
    assert runs[0]["history"] == [{**h, "seconds": runs[0]["history"][i]["seconds"]}
                                  for i, h in enumerate(runs[1]["history"])]
    assert runs[0]["test_acc"] == runs[1]["test_acc"]
    assert runs[0]["weights_sha256"] == runs[1]["weights_sha256"]
    assert runs[0]["history"][-1]["train_loss"] < runs[0]["history"][0]["train_loss"]


def no_training(*args, **kwargs):
    raise AssertionError("treinou de novo em vez de carregar")


def test_resume_loads_without_training(mnist_ns, tmp_path, monkeypatch):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    lab = make_lab(mnist_ns, tmp_path)
    first, model = lab.run("exp", cfg)
    path = tmp_path / "results" / "exp_seed0.json"
    assert model is not None and path.exists()
    assert not list(tmp_path.rglob("*.tmp"))
    assert json.loads(path.read_text(encoding="utf-8")) == first

    monkeypatch.setitem(mnist_ns, "train_model", no_training)
    again, model = lab.run("exp", cfg)
    assert model is None and again == first
    # mudar a configuração, ou forçar, treina de novo
    with pytest.raises(AssertionError, match="treinou de novo"):
        lab.run("exp", {**cfg, "lr": 5e-3})
    with pytest.raises(AssertionError, match="treinou de novo"):
        make_lab(mnist_ns, tmp_path, force=True).run("exp", cfg)
    # outra semente é outro arquivo
    with pytest.raises(AssertionError, match="treinou de novo"):
        lab.run("exp", cfg, seed=1)
    assert json.loads(path.read_text(encoding="utf-8")) == first


def changed_data(data, what):
    if what == "outro conjunto de dados":
        return {**data, "dataset": "FashionMNIST"}
    if what == "outra divisão":
        return {**data, "split": {**data["split"], "seed": 1}}
    if what == "subconjunto":
        x, y = data["train"]
        return {**data, "split": {**data["split"], "subset": 48}, "train": (x[:48], y[:48])}
    return data


@pytest.mark.parametrize("what,reason", [
    ("outro conjunto de dados", "outro conjunto de dados"), ("outra divisão", "outra divisão"),
    ("subconjunto", "outra divisão, outros tamanhos"), ("outra configuração", "outra configuração"),
    ("outra versão do código", "outra versão do código")])
def test_result_is_reused_only_when_everything_that_made_it_is_the_same(mnist_ns, tmp_path, monkeypatch, capsys,
                                                                        what, reason):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32, optimizer="sgd", lr=0.05, scheduler="onecycle")
    make_lab(mnist_ns, tmp_path).run("exp", cfg)
    data = changed_data(tiny_data(), what)
    if what == "outra configuração":  # só uma opção do agendador muda
        cfg = {**cfg, "scheduler_options": {**cfg["scheduler_options"], "cycle_momentum": False}}
    if what == "outra versão do código":
        monkeypatch.setitem(mnist_ns, "TRAIN_CODE_VERSION", mnist_ns["TRAIN_CODE_VERSION"] + 1)
    monkeypatch.setitem(mnist_ns, "train_model", no_training)
    capsys.readouterr()
    with pytest.raises(AssertionError, match="treinou de novo"):
        make_lab(mnist_ns, tmp_path, data=data).run("exp", cfg)
    out = capsys.readouterr().out
    assert f"veio de outra execução ({reason}); treinando de novo" in out, out


def test_weights_are_found_by_hash_or_retrained(mnist_ns, tmp_path, monkeypatch):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32, augment={"max_shift": 1, "max_rotation": 5})
    lab = make_lab(mnist_ns, tmp_path)
    first, model = lab.run("exp", cfg, test=False)
    ckpt = tmp_path / "checkpoints" / "exp_seed0.pt"
    assert first["test_acc"] is None and ckpt.exists()
    assert first["weights_sha256"] == mnist_ns["state_sha256"](model.state_dict())
    # sem precisar do modelo, nem olha os pesos
    ckpt.rename(tmp_path / "guardado.pt")
    assert lab.run("exp", cfg, test=False) == (first, None)
    # com o modelo: os pesos do vencedor em models/ servem, conferidos pelo hash
    best = lab.save_best(model, first)
    assert best == tmp_path / "models" / "teste_best.pt"
    again, reloaded = lab.run("exp", cfg, test=False, need_model=True)
    assert again == first
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), reloaded.state_dict().values(),
                                                  strict=True))
    # pesos de outro treino no lugar (o envenenamento de uma execução reduzida): treina de novo
    other, other_model = lab.run("outro", {**cfg, "lr": 5e-3}, test=False)
    mnist_ns["save_weights_atomic"](other_model, best)
    monkeypatch.setitem(mnist_ns, "train_model", no_training)
    with pytest.raises(AssertionError, match="treinou de novo"):
        lab.run("exp", cfg, test=False, need_model=True)
    with pytest.raises(ValueError, match="hash não confere"):
        lab.save_best(other_model, first)


def test_poisoning_replay_in_miniature(mnist_ns, tmp_path, monkeypatch, capsys):
    """Uma execução reduzida nas mesmas pastas não faz a completa relatar números de outro modelo."""
    cfg = mnist_ns["recipe"](2, arch="fastnet", batch_size=16, lr=1e-2)
    full = make_lab(mnist_ns, tmp_path)
    result, model = full.run("vencedor", cfg)
    full.save_best(model, result)
    reduced_data = changed_data(tiny_data(), "subconjunto")
    reduced = make_lab(mnist_ns, tmp_path, data=reduced_data)
    short = mnist_ns["recipe"](2, 0.5, arch="fastnet", batch_size=16, lr=1e-2)
    r2, m2 = reduced.run("vencedor", short)  # sobrescreve o resultado e o checkpoint
    mnist_ns["save_weights_atomic"](m2, full.best_path())  # e os pesos do vencedor
    capsys.readouterr()
    again, model3 = full.run("vencedor", cfg, need_model=True)
    assert "treinando de novo" in capsys.readouterr().out
    # o que a execução completa relata é do próprio modelo, não do reduzido
    assert again["test_acc"] == result["test_acc"] and again["weights_sha256"] == result["weights_sha256"]
    assert mnist_ns["evaluate"](model3, *tiny_data()["test"])[1] == again["test_acc"]


def test_state_hash_ignores_file_and_memory_layout(fashion_ns, tmp_path):
    torch.manual_seed(0)
    net = fashion_ns["build_model"]("vgg5")  # channels_last
    h = fashion_ns["state_sha256"](net.state_dict())
    torch.save(net.state_dict(), tmp_path / "a.pt")
    loaded = torch.load(tmp_path / "a.pt")
    assert fashion_ns["state_sha256"](loaded) == h
    assert fashion_ns["state_sha256"]({k: v.contiguous() for k, v in loaded.items()}) == h
    loaded["head.2.bias"][0] += 1e-6
    assert fashion_ns["state_sha256"](loaded) != h


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
    runs = [{"seed": s, "test_acc": t, "history": [{"val_acc": v}], "n_test": 10_000, "config": {}} for s, t, v in
            [(0, 99.0, 98.0), (1, 99.2, 98.2), (2, 99.4, 98.4)]]
    summary = mnist_ns["seed_summary"](runs)
    assert summary["n"] == 3 and summary["seeds"] == [0, 1, 2]
    assert summary["test_mean"] == pytest.approx(99.2) and summary["test_std"] == pytest.approx(0.2)
    assert summary["val_mean"] == pytest.approx(98.2) and summary["val_std"] == pytest.approx(0.2)
    json.dumps(summary)


def test_paired_comparison(mnist_ns):
    """Mesmas sementes são pares: o intervalo de 95% da diferença decide, e o que difere é dito."""
    paired = mnist_ns["paired"]

    def summary(accs, **cfg):
        runs = [{"seed": s, "test_acc": t, "history": [{"val_acc": t}], "n_test": 10_000,
                 "config": {"arch": "a", "epochs": 10, **cfg}} for s, t in enumerate(accs)]
        return mnist_ns["seed_summary"](runs)

    # ganhos pequenos mas consistentes: a regra de "duas vezes o desvio" os chamaria de ruído
    s = {"a": summary([93.50, 93.20, 93.35]), "b": summary([93.62, 93.28, 93.42])}
    c = paired(s, "a", "b")
    assert c["seeds"] == [0, 1, 2] and c["diffs"] == pytest.approx([0.12, 0.08, 0.07])
    assert c["mean_diff"] == pytest.approx(0.09) and c["ci95"][0] > 0 and c["verdict"] == "b é melhor"
    half = 4.303 * np.std([0.12, 0.08, 0.07], ddof=1) / np.sqrt(3)
    assert c["ci95"] == pytest.approx([0.09 - half, 0.09 + half])
    assert c["differ_in"] == []
    assert c["n_test"] == 10_000 and "cerca de 9 imagens em 10.000" in mnist_ns["comparison_text"](c)
    # diferenças de sinais trocados: o intervalo contém o zero
    s["c"] = summary([93.70, 93.10, 93.40], epochs=20, arch="b")
    c = paired(s, "a", "c")
    assert c["verdict"] == "não dá para afirmar" and c["differ_in"] == ["arquitetura", "épocas"]
    assert "não dá para afirmar" in mnist_ns["comparison_text"](c) and "2 coisas" in mnist_ns["comparison_text"](c)
    assert paired(s, "b", "a")["verdict"] == "b é melhor"
    # um par treinado em máquinas diferentes também difere na máquina, e o texto diz em quais sementes
    gpu = summary([93.60, 93.30, 93.40])
    gpu["devices"] = ["CPU", "GPU", "GPU"]
    s["a"]["devices"], s["d"] = ["CPU"] * 3, gpu
    c = paired(s, "a", "d")
    assert c["differ_in"] == ["máquina nas sementes 1, 2"]
    one = {**gpu, "devices": ["CPU", "GPU", "CPU"]}
    assert paired({**s, "d": one}, "a", "d")["differ_in"] == ["máquina na semente 1"]
    assert paired(s, "b", "d")["differ_in"] == []  # sem a lista de máquinas (resultados antigos), nada a dizer


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
    zoomed = augment(x, max_zoom=0.1, generator=torch.Generator().manual_seed(3))
    ink = zoomed.sum((1, 2, 3)) / x.sum((1, 2, 3))  # a área escala com o quadrado do zoom
    assert ((ink > 0.8**2) & (ink < 1.12**2)).all() and (ink - 1).abs().max() > 0.01
    # sem zoom, os números sorteados são os mesmos: as configurações antigas não mudam
    c = augment(x, max_shift=2, max_rotation=10, max_zoom=0.0, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, c)
    flipped = augment(x, hflip=True, generator=torch.Generator().manual_seed(1))
    moved_right = flipped[:, 0, :, 14:].sum((1, 2)) > flipped[:, 0, :, :14].sum((1, 2))
    assert 0 < moved_right.sum() < 6  # só parte do lote é espelhada


def test_random_erasing_blanks_one_square_on_about_half_the_batch(mnist_ns):
    augment = mnist_ns["augment"]
    x = torch.rand(400, 1, 28, 28) + 0.5  # nenhum pixel é 0 antes do apagamento
    erased = augment(x, erase=10, generator=torch.Generator().manual_seed(0))
    holes = erased[:, 0] == 0
    zeros = holes.sum((1, 2))
    assert set(zeros.tolist()) == {0, 100}  # um quadrado 10×10 inteiro, dentro da imagem, ou nada
    assert 150 < (zeros == 100).sum() < 250  # em cerca de metade das imagens (probabilidade 0,5 cada)
    for hole in holes[zeros == 100]:  # e os 100 pixels formam um único quadrado contíguo
        rows, cols = hole.nonzero().unbind(1)
        assert rows.max() - rows.min() == 9 and cols.max() - cols.min() == 9
    boxes = holes[zeros == 100].nonzero()
    assert boxes[:, 1:].min() == 0 and boxes[:, 1:].max() == 27  # o quadrado chega às bordas
    # o apagamento é sorteado depois do resto: fora do quadrado, a mesma imagem (deslocada, espelhada) de antes
    plain = augment(x, max_shift=2, hflip=True, generator=torch.Generator().manual_seed(5))
    both = augment(x, max_shift=2, hflip=True, erase=10, generator=torch.Generator().manual_seed(5))
    keep = both != 0
    assert not torch.equal(plain, x) and torch.equal(both[keep], plain[keep]) and (~keep).any()


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


def test_vgg_res_swaps_the_last_conv_for_a_residual_block(fashion_ns):
    net = fashion_ns["build_model"]("vgg_res").eval()
    assert fashion_ns["count_params"](net) == 436_842  # vgg5 + uma convolução 128×128 e o seu BatchNorm
    block = net.features[-2]
    assert isinstance(block, fashion_ns["ResidualBlock"]) and isinstance(net.features[-1], torch.nn.MaxPool2d)
    x = torch.randn(3, 128, 7, 7)
    with torch.no_grad():
        block.body[-1].weight.zero_()  # o último BN zerado: sobra só o atalho
        block.body[-1].bias.zero_()
        assert torch.equal(block(x), torch.relu(x))
        assert net(torch.randn(4, 1, 28, 28)).shape == (4, 10)


def test_vgg_res_wide_is_the_same_net_with_one_and_a_half_times_the_filters(fashion_ns):
    build, count = fashion_ns["build_model"], fashion_ns["count_params"]
    narrow, wide = build("vgg_res"), build("vgg_res_wide")
    convs = [m.out_channels for m in wide.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs == [48, 96, 96, 192, 192, 192]
    assert [c * 2 // 3 for c in convs] == [m.out_channels for m in narrow.modules() if isinstance(m, torch.nn.Conv2d)]
    assert count(wide) == 973_210 and isinstance(wide.features[-2], fashion_ns["ResidualBlock"])
    assert wide(torch.randn(2, 1, 28, 28)).shape == (2, 10)


def test_hflip_is_an_exact_mirror(fashion_ns):
    x = torch.rand(64, 1, 28, 28)
    out = fashion_ns["augment"](x, hflip=True, generator=torch.Generator().manual_seed(0))
    same = (out - x).abs().amax((1, 2, 3)) < 1e-5
    mirrored = (out - x.flip(-1)).abs().amax((1, 2, 3)) < 1e-5
    assert torch.all(same | mirrored) and 16 < mirrored.sum() < 48  # cada imagem: intacta ou espelhada


# ------------------------------------------------------------------ entradas ruins, antes de qualquer treino


def params(**overrides):
    p = {"SEED": 0, "EPOCH_SCALE": 1.0, "SUBSET": 0, "DATA_DIR": "data", "DRIVE_DIR": None, "RESULTS_DIR": None,
         "FIGURES_DIR": None,
         "CHECKPOINTS_DIR": None, "MODELS_DIR": None, "SCRATCH_DIR": "scratch", "N_SEEDS": 3,
         "FORCE_RETRAIN": False, "PROGRESS": None}
    return {**p, **overrides}


@pytest.mark.parametrize("name,value,message", [
    ("SEED", -1, "SEED deve ser um inteiro entre 0"), ("SEED", 1.5, "SEED"), ("SEED", True, "SEED"),
    ("SUBSET", 1, "SUBSET deve ser 0 .* entre 100 e 49.800, mas recebi 1"), ("SUBSET", 100_000, "SUBSET"),
    ("SUBSET", -5, "SUBSET"), ("EPOCH_SCALE", 0, "EPOCH_SCALE"), ("N_SEEDS", 0, "N_SEEDS"),
    ("FORCE_RETRAIN", "sim", "FORCE_RETRAIN"), ("RESULTS_DIR", 3, "RESULTS_DIR")])
def test_bad_parameters_are_named(mnist_ns, tmp_path, monkeypatch, name, value, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=message):
        mnist_ns["check_parameters"](params(**{name: value}), "mnist")
    assert list(tmp_path.iterdir()) == []  # nada criado


def test_drive_dir_keeps_every_folder_there(mnist_ns, tmp_path, monkeypatch):
    """Fora do Colab nada é montado; as pastas padrão ficam dentro de DRIVE_DIR (e a reduzida, no rascunho de lá)."""
    monkeypatch.chdir(tmp_path)
    drive = tmp_path / "drive"
    full = mnist_ns["check_parameters"](params(DRIVE_DIR=str(drive)), "mnist")
    assert full["RESULTS_DIR"] == str(drive / "results" / "mnist") and full["MODELS_DIR"] == str(drive / "models")
    reduced = mnist_ns["check_parameters"](params(DRIVE_DIR=str(drive), SUBSET=500), "fashion")
    assert reduced["RESULTS_DIR"] == str(drive / "scratch" / "results" / "fashion")
    assert (drive / "scratch" / "figures").is_dir() and not (tmp_path / "results").exists()


def test_one_prediction_function(mnist_ns):
    """predict serve a avaliação (eval, sem autograd), o TTA e a questão 6 (train(), autograd)."""
    torch.manual_seed(0)
    model = mnist_ns["build_model"]("fastnet")
    x = torch.randn(10, 1, 28, 28)
    out = mnist_ns["predict"](model, x, batch_size=3)
    assert out.shape == (10, 10) and not model.training and out.grad_fn is None
    with torch.inference_mode():
        model.eval()
        assert torch.allclose(out, model(x), atol=1e-5)
        mirrored = (torch.softmax(model(x), 1) + torch.softmax(model(x.flip(-1)), 1)) / 2
    tta = mnist_ns["predict"](model, x, tta=True)
    assert torch.allclose(tta.exp(), mirrored, atol=1e-6)
    loss, acc = mnist_ns["evaluate"](model, x, out.argmax(1), tta=False)
    assert acc == 100.0 and loss > 0
    graph = mnist_ns["predict"](model, x, train_mode=True, grad_mode="grad")
    assert model.training and graph.grad_fn is not None


def test_reduced_run_writes_only_to_scratch(mnist_ns, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dirs = mnist_ns["check_parameters"](params(SUBSET=2000), "mnist")
    assert dirs["REDUCED"] and dirs["RESULTS_DIR"] == "scratch/results/mnist"
    assert {dirs[k] for k in ("FIGURES_DIR", "MODELS_DIR", "CHECKPOINTS_DIR")} == {
        "scratch/figures", "scratch/models", "scratch/checkpoints/mnist"}
    full = mnist_ns["check_parameters"](params(), "fashion")
    assert not full["REDUCED"] and (full["RESULTS_DIR"], full["MODELS_DIR"]) == ("results/fashion", "models")
    # uma reduzida apontada para uma pasta versionada para antes de tudo, dizendo qual e o que fazer
    with pytest.raises(ValueError, match="MODELS_DIR = 'models/x' fica dentro de models/.*reduzida"):
        mnist_ns["check_parameters"](params(EPOCH_SCALE=0.1, MODELS_DIR="models/x"), "mnist")


def test_unknown_or_unwritable_folder(mnist_ns, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(mnist_ns, "received_parameters", lambda: {"SEED", "SUBST"})
    with pytest.raises(ValueError, match="desconhecido.*SUBST.*grafia"):
        mnist_ns["check_parameters"](params(), "mnist")
    monkeypatch.setitem(mnist_ns, "received_parameters", set)
    monkeypatch.setitem(mnist_ns, "is_writable", lambda folder: "figures" not in str(folder))
    with pytest.raises(ValueError, match="FIGURES_DIR = 'figures' não pode ser escrita"):
        mnist_ns["check_parameters"](params(), "mnist")


def test_broken_results_files_are_named_before_training(mnist_ns, tmp_path, monkeypatch):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    make_lab(mnist_ns, tmp_path).run("exp", cfg)
    path = tmp_path / "results" / "exp_seed0.json"
    good = path.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    check = mnist_ns["check_parameters"]
    path.write_text(good[: len(good) // 2], encoding="utf-8")  # truncado
    with pytest.raises(ValueError, match=r"exp_seed0\.json' está ilegível.*Apague-o"):
        check(params(RESULTS_DIR="results"), "mnist")
    old = json.loads(good)
    del old["schema"], old["identity"], old["test_acc"]
    path.write_text(json.dumps(old), encoding="utf-8")  # formato antigo
    with pytest.raises(ValueError, match=r"exp_seed0\.json' está num formato antigo.*test_acc.*Apague-o"):
        check(params(RESULTS_DIR="results"), "mnist")
    (tmp_path / "results" / "q6.json").write_text("{", encoding="utf-8")
    path.write_text(good, encoding="utf-8")
    with pytest.raises(ValueError, match=r"q6\.json' está ilegível"):
        check(params(RESULTS_DIR="results"), "mnist")


def test_empty_unwritable_data_folder_is_not_a_failed_download(mnist_ns, tmp_path, monkeypatch):
    monkeypatch.setitem(mnist_ns, "is_writable", lambda folder: False)
    with pytest.raises(RuntimeError, match="não pode ser escrita.*DATA_DIR"):
        mnist_ns["load_data"](_OfflineDataset, tmp_path, {"train-images-idx3-ubyte": "0" * 64}, seed=0, n_valid=10)


GOLDEN = ROOT / "tests" / "golden_training.json"


def golden_runs(ns) -> dict:
    """Dois treinos minúsculos que passam por todo o código que muda os números."""
    data = tiny_data()
    cfgs = {"convnet_adam": ns["recipe"](2, arch="convnet", batch_size=16),
            "vgg5_sgd_onecycle_aug_ls": ns["recipe"](2, arch="vgg5", optimizer="sgd", lr=0.01, scheduler="onecycle",
                                                     batch_size=16, weight_decay=5e-4, label_smoothing=0.1,
                                                     augment={"max_shift": 2, "max_rotation": 5, "hflip": True})}
    out = {}
    for name, cfg in cfgs.items():
        ns["seed_everything"](3)
        model = ns["build_model"](cfg["arch"])
        hist = ns["train_model"](model, data, cfg, 3, progress=False)
        out[name] = [[h["train_loss"], h["val_loss"]] for h in hist] + [[ns["evaluate"](model, *data["test"])[0]]]
    return out


def test_training_code_version_guards_the_numbers(fashion_ns):
    """Se o código passar a dar outros números, TRAIN_CODE_VERSION tem de subir (e os resultados, refeitos).

    Para registrar números novos de propósito: suba TRAIN_CODE_VERSION no notebook e rode
    `python tests/test_units.py --golden`.
    """
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert golden["version"] == fashion_ns["TRAIN_CODE_VERSION"], "rode `python tests/test_units.py --golden`"
    got = golden_runs(fashion_ns)
    for name, values in golden["runs"].items():
        # outra máquina muda os últimos dígitos (~1e-5); mudar uma opção do OneCycle muda 0,03 ou mais
        flat = [v for row in values for v in row]
        assert [v for row in got[name] for v in row] == pytest.approx(flat, rel=0, abs=2e-3), name


def test_reproducibility_differences():
    """scripts/reproducibility.py: idênticos só se cada número de cada época e o teste forem iguais."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("reproducibility", ROOT / "scripts" / "reproducibility.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    h = [{"train_loss": 0.5, "train_acc": 90.0, "val_loss": 0.4, "val_acc": 91.0, "seconds": 3.0}]
    a = {"history": h, "test_acc": 91.5}
    same = mod.differences(a, {"history": [{**h[0], "seconds": 9.0}], "test_acc": 91.5})  # o tempo não conta
    assert same["identical"] and same["test_acc_diff"] == 0
    other = mod.differences(a, {"history": [{**h[0], "val_acc": 91.1}], "test_acc": 91.4})
    assert not other["identical"] and other["max_abs_diff"]["val_acc"] == pytest.approx(0.1)
    assert other["test_acc_diff"] == pytest.approx(-0.1)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from nbcells import load_namespace

    if sys.argv[1:] == ["--golden"]:
        ns = load_namespace(ROOT / "fashion_mnist.ipynb")
        GOLDEN.write_text(json.dumps({"version": ns["TRAIN_CODE_VERSION"], "runs": golden_runs(ns)}, indent=1) + "\n",
                          encoding="utf-8")
        print(f"{GOLDEN.name} regravado para a versão {ns['TRAIN_CODE_VERSION']}")

