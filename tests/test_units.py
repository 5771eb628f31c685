"""Testes de unidade das funções dos notebooks (carregadas das células etiquetadas)."""

import json
import linecache
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from conftest import NOTEBOOKS, ROOT, notebook_constants


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


def use_lab(ns, monkeypatch, lab):
    """As funções das células que usam o LAB do notebook (save_and_reload, choose_sgd_rate) passam a usar `lab`."""
    for name, value in (("LAB", lab), ("DEVICE", torch.device("cpu")), ("SEED", lab.seed), ("RESULTS", {})):
        monkeypatch.setitem(ns, name, value)


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

    assert 0.4 < flops(mnist_ns["FAST_RECIPE"]["arch"]) / flops("fastnet") < 0.6


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
    with pytest.raises(ValueError, match=f"'{name}'"):
        mnist_ns["recipe"](1, optimizer=name)


def test_unknown_architecture_and_scheduler(mnist_ns, tmp_path):
    with pytest.raises(ValueError, match="resnet9000"):
        mnist_ns["build_model"]("resnet9000")
    # uma arquitetura com erro de grafia para antes do treino, sem gravar nada
    with pytest.raises(ValueError, match="resnet9000"):
        make_lab(mnist_ns, tmp_path).run("x", mnist_ns["recipe"](1, arch="resnet9000"))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="cosine-magic"):
        mnist_ns["recipe"](1, scheduler="cosine-magic")
    with pytest.raises(ValueError, match="momentum"):
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
    assert mnist_ns["make_scheduler"](mnist_ns["recipe"](1), opt, steps_per_epoch=10) is None  # taxa constante
    with pytest.raises(ValueError, match="scheduler_options"):
        mnist_ns["check_config"]({**cfg, "scheduler_options": {"cycle_momentum": False}})
    with pytest.raises(ValueError, match="optimizer_options"):
        mnist_ns["check_config"]({**cfg, "optimizer_options": None})
    with pytest.raises(ValueError, match="scheduler_options"):  # opções de um agendador que não roda
        mnist_ns["check_config"]({**mnist_ns["recipe"](1), "scheduler_options": cfg["scheduler_options"]})


@pytest.mark.parametrize("field,value", [("epochs", 0), ("epochs", -3), ("epochs", 1.5), ("batch_size", 0),
                                         ("lr", 0.0), ("lr", -1e-3), ("lr", float("nan")), ("lr", True)])
def test_out_of_range_parameters(mnist_ns, tmp_path, field, value):
    cfg = mnist_ns["recipe"](1, arch="fastnet")
    cfg[field] = value
    with pytest.raises(ValueError, match=rf"\b{field}\b"):
        make_lab(mnist_ns, tmp_path).run("x", cfg)
    assert list(tmp_path.iterdir()) == []  # nada gravado pela metade


@pytest.mark.parametrize("erase", [-1, 29, 2.5, True])
def test_erase_must_be_a_square_that_fits(mnist_ns, tmp_path, erase):
    cfg = {**mnist_ns["recipe"](1, arch="fastnet"), "augment": {"max_shift": 2, "erase": erase}}
    with pytest.raises(ValueError, match=r"augment\['erase'\]"):
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
    # o que o Lab acrescenta ao resultado do treino: a identidade, o conjunto e o hash dos pesos; nada de "schema"
    assert runs[0]["identity"] == mnist_ns["run_identity"](tiny_data(), cfg, 7) and runs[0]["dataset"] == "teste"
    assert "schema" not in runs[0] and runs[0]["device_name"].startswith("CPU")


class Trained(Exception):
    """Levantada por no_training (no lugar de build_model, o primeiro passo de train_run): treinou de novo."""


def no_training(*args, **kwargs):
    raise Trained


def test_resume_loads_without_training(mnist_ns, tmp_path, monkeypatch):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    lab = make_lab(mnist_ns, tmp_path)
    first, model = lab.run("exp", cfg)
    path = tmp_path / "results" / "exp_seed0.json"
    assert model is not None and path.exists()
    assert not list(tmp_path.rglob("*.tmp"))
    assert json.loads(path.read_text(encoding="utf-8")) == first

    monkeypatch.setitem(mnist_ns, "build_model", no_training)  # o 1º passo de um treino, fora da impressão digital
    again, model = lab.run("exp", cfg)
    assert model is None and again == first
    # mudar a configuração, ou forçar, treina de novo
    with pytest.raises(Trained):
        lab.run("exp", {**cfg, "lr": 5e-3})
    with pytest.raises(Trained):
        make_lab(mnist_ns, tmp_path, force=True).run("exp", cfg)
    # outra semente é outro arquivo
    with pytest.raises(Trained):
        lab.run("exp", cfg, seed=1)
    assert json.loads(path.read_text(encoding="utf-8")) == first


def test_force_retrain_trains_each_run_once(mnist_ns, tmp_path, monkeypatch):
    """FORCE_RETRAIN treina de novo o que já estava gravado, mas só uma vez por execução (o resto a reaproveita)."""
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    make_lab(mnist_ns, tmp_path).run("exp", cfg)
    forced = make_lab(mnist_ns, tmp_path, force=True)
    _, model = forced.run("exp", cfg)
    assert model is not None and forced.trained == {("exp", 0)}
    monkeypatch.setitem(mnist_ns, "build_model", no_training)  # o 1º passo de um treino, fora da impressão digital
    again, model = forced.run("exp", cfg)
    assert model is None and again["identity"] == mnist_ns["run_identity"](tiny_data(), cfg, 0)


def changed_data(data, what):
    if what == "outro conjunto de dados":
        return {**data, "dataset": "FashionMNIST"}
    if what == "outra divisão":
        return {**data, "split": {**data["split"], "seed": 1}}
    if what == "subconjunto":
        x, y = data["train"]
        return {**data, "split": {**data["split"], "subset": 48}, "train": (x[:48], y[:48])}
    return data


@pytest.mark.parametrize("what,differ", [
    ("outro conjunto de dados", {"dataset"}), ("outra divisão", {"split"}), ("subconjunto", {"split", "sizes"}),
    ("outra configuração", {"config"}), ("outra versão do código", {"code"}), ("formato antigo", None)])
def test_result_is_reused_only_when_everything_that_made_it_is_the_same(mnist_ns, tmp_path, monkeypatch, what,
                                                                        differ):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32, optimizer="sgd", lr=0.05, scheduler="onecycle")
    saved, _ = make_lab(mnist_ns, tmp_path).run("exp", cfg)
    data = changed_data(tiny_data(), what)
    if what == "outra configuração":  # só uma opção do agendador muda
        cfg = {**cfg, "scheduler_options": {**cfg["scheduler_options"], "cycle_momentum": False}}
    if what == "outra versão do código":  # um aluno edita a rede: a impressão digital do modelo muda
        source = "class FastNetEdited(FastNet):\n    def forward(self, x):\n        return 2 * super().forward(x)\n"
        linecache.cache["<fastnet editada>"] = (len(source), None, source.splitlines(True), "<fastnet editada>")
        exec(compile(source, "<fastnet editada>", "exec"), mnist_ns)
        monkeypatch.setitem(mnist_ns["ARCHITECTURES"], "fastnet", mnist_ns["FastNetEdited"])
    if what == "formato antigo":  # um resultado de antes da identidade: treinado de novo, sem erro
        path = tmp_path / "results" / "exp_seed0.json"
        old = json.loads(path.read_text(encoding="utf-8"))
        del old["identity"]
        path.write_text(json.dumps(old), encoding="utf-8")
    monkeypatch.setitem(mnist_ns, "build_model", no_training)  # o 1º passo de um treino, fora da impressão digital
    with pytest.raises(Trained):
        make_lab(mnist_ns, tmp_path, data=data).run("exp", cfg)
    if differ is not None:  # a identidade difere só no que mudou
        wanted = mnist_ns["run_identity"](data, cfg, 0)
        assert {k for k in wanted if wanted[k] != saved["identity"][k]} == differ


def test_weights_are_found_by_hash_or_retrained(mnist_ns, tmp_path, monkeypatch):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32, augment={"max_shift": 1, "max_rotation": 5})
    lab = make_lab(mnist_ns, tmp_path)
    use_lab(mnist_ns, monkeypatch, lab)
    first, model = lab.run("exp", cfg, test=False)
    ckpt = tmp_path / "checkpoints" / "exp_seed0.pt"
    assert first["test_acc"] is None and ckpt.exists()
    assert first["weights_sha256"] == mnist_ns["state_sha256"](model.state_dict())
    # sem precisar do modelo, nem olha os pesos
    ckpt.rename(tmp_path / "guardado.pt")
    assert lab.run("exp", cfg, test=False) == (first, None)
    # com o modelo: os pesos do vencedor em models/ servem, conferidos pelo hash
    mnist_ns["save_and_reload"](model, first)
    best = tmp_path / "models" / "teste_best.pt"
    again, reloaded = lab.run("exp", cfg, test=False, need_model=True)
    assert again == first
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), reloaded.state_dict().values(),
                                                  strict=True))
    # pesos de outro treino no lugar (o envenenamento de uma execução reduzida): treina de novo
    other, other_model = lab.run("outro", {**cfg, "lr": 5e-3}, test=False)
    mnist_ns["save_weights_atomic"](other_model, best)
    monkeypatch.setitem(mnist_ns, "build_model", no_training)  # o 1º passo de um treino, fora da impressão digital
    with pytest.raises(Trained):
        lab.run("exp", cfg, test=False, need_model=True)


def test_save_and_reload_writes_the_winner_once_and_refuses_other_weights(mnist_ns, tmp_path, monkeypatch):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    lab = make_lab(mnist_ns, tmp_path)
    use_lab(mnist_ns, monkeypatch, lab)
    result, model = lab.run("exp", cfg)
    sha = mnist_ns["state_sha256"]
    fresh = mnist_ns["save_and_reload"](model, result)
    best = tmp_path / "models" / "teste_best.pt"
    assert fresh is not model and sha(fresh.state_dict()) == result["weights_sha256"]
    assert mnist_ns["evaluate"](fresh, *tiny_data()["test"])[1] == result["test_acc"]
    stamp = (best.stat().st_ino, best.stat().st_mtime_ns)
    mnist_ns["save_and_reload"](model, result)  # os mesmos pesos: o arquivo não é regravado
    assert (best.stat().st_ino, best.stat().st_mtime_ns) == stamp
    other, other_model = lab.run("outro", {**cfg, "lr": 5e-3})
    with pytest.raises(ValueError, match=r"\bexp\b"):
        mnist_ns["save_and_reload"](other_model, result)  # pesos que não são os do resultado
    assert (best.stat().st_ino, best.stat().st_mtime_ns) == stamp
    mnist_ns["save_weights_atomic"](other_model, best)  # models/ com os pesos de outro treino: regrava
    mnist_ns["save_and_reload"](model, result)
    assert sha(torch.load(best, weights_only=True)) == result["weights_sha256"]


class _Payload:
    """Um objeto que, se o arquivo for lido com pickle completo, cria um arquivo (executa código)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_weights_are_read_as_tensors_only(mnist_ns, tmp_path):
    """load_model lê os pesos com weights_only=True: um checkpoint com código não é executado."""
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    lab = make_lab(mnist_ns, tmp_path)
    result, _ = lab.run("exp", cfg)
    marker = tmp_path / "executado"
    torch.save({"w": _Payload(marker)}, tmp_path / "checkpoints" / "exp_seed0.pt")
    assert lab.load_model(result) is None  # recusado como ilegível: tratado como ausente, e treinado de novo
    assert not marker.exists()


def test_poisoning_replay_in_miniature(mnist_ns, tmp_path, monkeypatch):
    """Uma execução reduzida nas mesmas pastas não faz a completa relatar números de outro modelo."""
    cfg = mnist_ns["recipe"](2, arch="fastnet", batch_size=16, lr=1e-2)
    full = make_lab(mnist_ns, tmp_path)
    use_lab(mnist_ns, monkeypatch, full)
    result, model = full.run("vencedor", cfg)
    mnist_ns["save_and_reload"](model, result)
    reduced_data = changed_data(tiny_data(), "subconjunto")
    reduced = make_lab(mnist_ns, tmp_path, data=reduced_data)
    short = mnist_ns["recipe"](2, 0.5, arch="fastnet", batch_size=16, lr=1e-2)
    r2, m2 = reduced.run("vencedor", short)  # sobrescreve o resultado e o checkpoint
    mnist_ns["save_weights_atomic"](m2, tmp_path / "models" / "teste_best.pt")  # e os pesos do vencedor
    again, model3 = full.run("vencedor", cfg, need_model=True)
    # o que a execução completa relata é do próprio modelo, não do reduzido
    assert again["test_acc"] == result["test_acc"] and again["weights_sha256"] == result["weights_sha256"]
    assert mnist_ns["evaluate"](model3, *tiny_data()["test"])[1] == again["test_acc"]


def test_state_hash_ignores_file_and_memory_layout(fashion_ns, tmp_path):
    torch.manual_seed(0)
    net = fashion_ns["build_model"]("vgg5")  # channels_last
    h = fashion_ns["state_sha256"](net.state_dict())
    torch.save(net.state_dict(), tmp_path / "a.pt")
    loaded = torch.load(tmp_path / "a.pt", weights_only=True)
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


def test_read_json_file_names_an_unreadable_file(mnist_ns, tmp_path):
    read = mnist_ns["read_json_file"]
    path = tmp_path / "r.json"
    path.write_text('{"a": [1, 2]}', encoding="utf-8")
    assert read(path) == {"a": [1, 2]}
    for broken in (b'{"a": [1,', b"\xff\xfe lixo"):  # truncado; bytes que nem são UTF-8
        path.write_bytes(broken)
        with pytest.raises(ValueError, match=r"r\.json"):
            read(path)
    with pytest.raises(FileNotFoundError):  # um arquivo que falta não é "ilegível"
        read(tmp_path / "nao_existe.json")


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
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte"):
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


def fake_train_run(ns, scores):
    """Um train_run sem treino: para cada taxa, as validações por época e o teste de `scores[lr]`, e uma rede de
    verdade (outros pesos para cada taxa), para que o Lab grave o checkpoint e o hash como num treino."""

    def train_run(name, cfg, data, seed, device, test=True, extra=None, progress=False):
        vals, test_acc = scores[cfg["lr"]]
        assert len(vals) == cfg["epochs"]
        torch.manual_seed(round(1e6 * cfg["lr"]))
        model = ns["build_model"](cfg["arch"])
        history = [{"epoch": e, "lr": cfg["lr"], "train_loss": 1.0 / e, "train_acc": v - 1, "val_loss": 1.0 / e,
                    "val_acc": v, "seconds": 0.5} for e, v in enumerate(vals, start=1)]
        result = {"experiment": name, "seed": seed, "config": cfg,
                  **{f"n_{k}": len(data[k][1]) for k in ("train", "valid", "test")}, "params": 1,
                  "device": "cpu", "device_name": "CPU de teste", "torch": torch.__version__, "history": history,
                  "test_loss": 0.5 if test else None, "test_acc": test_acc if test else None, "seconds": 1.5}
        return result, model

    return train_run


@pytest.mark.parametrize("scores,chosen", [
    # a validação da última época escolhe, mesmo com o teste e o pico de validação a favor da outra taxa
    ({0.1: ([99.0, 80.0, 90.0], 99.5), 0.01: ([70.0, 80.0, 95.0], 10.0)}, 0.01),
    ({0.1: ([70.0, 80.0, 95.0], 10.0), 0.01: ([99.0, 80.0, 90.0], 99.5)}, 0.1),
    ({0.1: ([70.0, 80.0, 92.0], 10.0), 0.01: ([70.0, 80.0, 92.0], 99.5)}, 0.1),  # empate: fica a primeira
], ids=["menor-taxa", "maior-taxa", "empate"])
def test_sgd_rate_is_chosen_by_validation_never_test(mnist_ns, tmp_path, monkeypatch, scores, chosen):
    lab = make_lab(mnist_ns, tmp_path)
    use_lab(mnist_ns, monkeypatch, lab)
    monkeypatch.setitem(mnist_ns, "EPOCH_SCALE", 0.3)  # 10 épocas × 0,3: três épocas por candidata
    monkeypatch.setitem(mnist_ns, "train_run", fake_train_run(mnist_ns, scores))
    result = mnist_ns["choose_sgd_rate"]("sgd_x", None)
    plt.close("all")
    sel = result["selection"]
    assert sel["chosen_lr"] == chosen and sel["candidates"] == {"0.1": scores[0.1][0][-1], "0.01": scores[0.01][0][-1]}
    folder = tmp_path / "results"
    assert sorted(p.name for p in folder.iterdir()) == ["sgd_x_lr0.01_seed0.json", "sgd_x_lr0.1_seed0.json",
                                                        "sgd_x_seed0.json"]
    saved = json.loads((folder / "sgd_x_seed0.json").read_text(encoding="utf-8"))
    candidate = json.loads((folder / f"sgd_x_lr{chosen:g}_seed0.json").read_text(encoding="utf-8"))
    # o escolhido é a cópia da candidata, com outro nome e a escolha dentro; nada a mais, nada a menos
    assert saved == result == {**candidate, "experiment": "sgd_x", "selection": sel}
    assert candidate["config"] == mnist_ns["recipe"](10, 0.3, optimizer="sgd", lr=chosen, scheduler=None)
    assert mnist_ns["RESULTS"]["sgd_x"] == result
    assert {p.name for p in (tmp_path / "figures").iterdir()} == {"teste_sgd_x_escolha_lr.png", "teste_sgd_x.png"}


def test_chosen_sgd_rate_finds_its_weights(mnist_ns, tmp_path, monkeypatch):
    """Se o escolhido por choose_sgd_rate vence a busca, o notebook pede o seu modelo: vem dos pesos da candidata."""
    lab = make_lab(mnist_ns, tmp_path)
    use_lab(mnist_ns, monkeypatch, lab)
    monkeypatch.setitem(mnist_ns, "EPOCH_SCALE", 0.1)
    monkeypatch.setitem(mnist_ns, "train_run", fake_train_run(mnist_ns, {0.1: ([90.0], 50.0), 0.01: ([80.0], 60.0)}))
    chosen = mnist_ns["choose_sgd_rate"]("sgd_x", None)
    plt.close("all")
    lab.trained.clear()
    again, model = lab.run("sgd_x", chosen["config"], need_model=True)
    assert not lab.trained  # carregado, não treinado (train_run fica o mesmo: a impressão digital também)
    assert again == chosen and mnist_ns["state_sha256"](model.state_dict()) == chosen["weights_sha256"]


def runs_of(accs, losses=None, devices=None, seeds=None, **cfg):
    """Resultados de mentira, um por semente, com o que seed_summary lê."""
    seeds = list(range(len(accs))) if seeds is None else seeds
    losses = [0.3] * len(accs) if losses is None else losses
    devices = ["CPU A"] * len(accs) if devices is None else devices
    return [{"seed": s, "test_acc": t, "test_loss": loss, "history": [{"val_acc": t - 0.5}], "n_test": 10_000,
             "device_name": d, "config": {"arch": "a", "epochs": 10, **cfg}}
            for s, t, loss, d in zip(seeds, accs, losses, devices, strict=True)]


def test_seed_summary(mnist_ns):
    summary = mnist_ns["seed_summary"](runs_of([99.0, 99.2, 99.4], losses=[0.03, 0.02, 0.04],
                                               devices=["CPU A", "CPU B", "GPU"]))
    assert summary["n"] == 3 and summary["seeds"] == [0, 1, 2] and summary["n_test"] == 10_000
    assert summary["test_mean"] == pytest.approx(99.2) and summary["test_std"] == pytest.approx(0.2)
    assert summary["val_mean"] == pytest.approx(98.7) and summary["val_std"] == pytest.approx(0.2)
    assert summary["test_losses"] == [0.03, 0.02, 0.04] and summary["test_loss_mean"] == pytest.approx(0.03)
    assert summary["test_loss_std"] == pytest.approx(0.01)
    assert summary["devices"] == ["CPU A", "CPU B", "GPU"] and summary["config"] == {"arch": "a", "epochs": 10}
    json.dumps(summary)
    one = mnist_ns["seed_summary"](runs_of([99.0]))
    assert one["n"] == 1 and one["test_mean"] == 99.0  # uma semente: a média é ela, e não há desvio-padrão
    assert all(np.isnan(one[k]) for k in ("test_std", "test_loss_std", "val_std"))


def test_paired_comparison(mnist_ns):
    """Mesmas sementes são pares: o intervalo de 95% da diferença decide, e o que difere é dito."""
    paired, summary = mnist_ns["paired"], mnist_ns["seed_summary"]
    # ganhos pequenos mas consistentes: a regra de "duas vezes o desvio" os chamaria de ruído
    s = {"a": summary(runs_of([93.50, 93.20, 93.35])), "b": summary(runs_of([93.62, 93.28, 93.42]))}
    c = paired(s, "a", "b")
    assert c["seeds"] == [0, 1, 2] and c["diffs"] == pytest.approx([0.12, 0.08, 0.07])
    assert c["mean_diff"] == pytest.approx(0.09) and c["ci95"][0] > 0 and c["verdict"] == "b é melhor"
    half = 4.303 * np.std([0.12, 0.08, 0.07], ddof=1) / np.sqrt(3)
    assert c["ci95"] == pytest.approx([0.09 - half, 0.09 + half])
    assert c["differ_in"] == [] and c["other_machine_seeds"] == [] and c["n_test"] == 10_000
    text = mnist_ns["comparison_text"](c)
    assert text.startswith("- `b` − `a` (mesma configuração): +0,09 ponto de acurácia de teste")
    assert text.endswith("nas sementes 0, 1, 2: **`b` é melhor**.")
    # diferenças de sinais trocados: o intervalo contém o zero
    s["c"] = summary(runs_of([93.70, 93.10, 93.40], epochs=20, arch="b"))
    c = paired(s, "a", "c")
    assert c["verdict"] == "não dá para afirmar" and c["differ_in"] == ["arquitetura", "épocas"]
    text = mnist_ns["comparison_text"](c)
    assert "**não dá para afirmar** que um seja melhor" in text and "(muda: arquitetura, épocas)" in text
    reverse = paired(s, "b", "a")  # a ordem muda o sinal, não o veredito
    assert reverse["verdict"] == "b é melhor" and reverse["mean_diff"] == pytest.approx(-0.09)
    # o TTA também é uma diferença, mesmo com a configuração igual
    assert paired({**s, "b+tta": s["b"]}, "b", "b+tta")["differ_in"] == ["TTA"]
    # uma semente só: nada a afirmar (o intervalo é infinito)
    one = {"a": summary(runs_of([93.0])), "b": summary(runs_of([99.0]))}
    assert paired(one, "a", "b")["verdict"] == "não dá para afirmar"


def test_paired_gives_the_loss_interval_and_flags_other_machines(mnist_ns):
    """A perda de teste tem o seu próprio intervalo pareado; as sementes treinadas noutra máquina são apontadas."""
    paired, summary = mnist_ns["paired"], mnist_ns["seed_summary"]
    a = summary(runs_of([93.50, 93.20, 93.35, 93.00], losses=[0.300, 0.320, 0.310, 0.330], devices=["CPU A"] * 4))
    # b na ordem 2, 0, 1 e sem a semente 3: os pares são feitos pela semente, não pela posição
    b = summary(runs_of([93.42, 93.62, 93.28], losses=[0.290, 0.280, 0.310], seeds=[2, 0, 1],
                        devices=["GPU", "CPU A", "CPU B"]))
    c = paired({"a": a, "b": b}, "a", "b")
    assert c["seeds"] == [0, 1, 2] and c["diffs"] == pytest.approx([0.12, 0.08, 0.07])
    loss_diffs = [-0.020, -0.010, -0.020]
    assert c["loss_diffs"] == pytest.approx(loss_diffs) and c["loss_mean_diff"] == pytest.approx(np.mean(loss_diffs))
    half = 4.303 * np.std(loss_diffs, ddof=1) / np.sqrt(3)
    assert c["loss_ci95"] == pytest.approx([np.mean(loss_diffs) - half, np.mean(loss_diffs) + half])
    assert c["loss_ci95"][1] < 0  # a perda cai em todas as sementes
    assert c["other_machine_seeds"] == [1, 2] and c["differ_in"] == []  # a máquina não é uma diferença da receita
    text = mnist_ns["comparison_text"](c)
    lo, hi = (mnist_ns["signed"](x, 4) for x in c["loss_ci95"])
    assert f"e −0,0167 de perda de teste ({lo} a {hi})" in text and "máquinas diferentes nas sementes 1, 2" in text
    json.dumps(c)
    # sem a perda (o TTA não a grava): o texto não fala de perda
    tta = summary([{**r, "test_loss": float("nan")} for r in runs_of([93.6, 93.3, 93.4])])
    c = paired({"a": a, "a+tta": tta}, "a", "a+tta")
    assert np.isnan(c["loss_mean_diff"]) and "perda" not in mnist_ns["comparison_text"](c)
    assert c["differ_in"] == ["TTA"] and c["other_machine_seeds"] == []


def test_verdict_line_says_the_effect(mnist_ns):
    s = {"a": mnist_ns["seed_summary"](runs_of([93.50, 93.20, 93.35])),
         "b": mnist_ns["seed_summary"](runs_of([93.62, 93.28, 93.42]))}
    c = {**mnist_ns["paired"](s, "a", "b"), "effect": "a agenda, no Adam"}
    line = mnist_ns["verdict_line"](c)
    assert line.startswith("- a agenda, no Adam: +0,09 ponto no teste (") and line.endswith("→ b é melhor.")
    assert mnist_ns["verdict_line"]({**c, "effect": None}).startswith("- `b` − `a`: ")


def test_q4_grid_is_two_by_two_and_each_effect_changes_one_factor():
    """O quadro da questão 4: otimizador × agenda; cada comparação entre células muda um fator só, e diz qual."""
    for path in NOTEBOOKS.values():
        q4 = notebook_constants(path, "q4-runs")
        grid, effects = q4["Q4_GRID"], q4["Q4_EFFECTS"]
        assert sorted(grid) == [("Adam", "OneCycle"), ("Adam", "constante"), ("SGD", "OneCycle"), ("SGD", "constante")]
        where = {name: key for key, name in grid.items()}
        assert len(where) == 4  # quatro experimentos diferentes
        in_grid = [(a, b) for a, b in effects if a in where and b in where]
        assert {frozenset(p) for p in in_grid} == {frozenset((grid[(o, "constante")], grid[(o, "OneCycle")]))
                                                   for o in ("Adam", "SGD")} | {
            frozenset((grid[("Adam", s)], grid[("SGD", s)])) for s in ("constante", "OneCycle")}
        for a, b in in_grid:
            changed = [i for i in (0, 1) if where[a][i] != where[b][i]]
            assert changed in ([0], [1]), (a, b)
            assert ("otimizador" in effects[(a, b)]) == (changed == [0]) and ("agenda" in effects[(a, b)]) == (
                changed == [1]), (a, b)
        # as de fora do quadro (as épocas do inicial, por exemplo) se comparam com uma célula dele
        assert all(len({a, b} & set(where)) == 1 for a, b in effects if (a, b) not in in_grid)
        assert len(effects) > len(in_grid)


def test_grid_table_and_plot(mnist_ns, tmp_path, monkeypatch):
    grid = notebook_constants(NOTEBOOKS["mnist"], "q4-runs")["Q4_GRID"]
    monkeypatch.setitem(mnist_ns, "Q4_GRID", grid)
    lrs = {"adam_constante": 1e-3, "mod2_scheduler": 1e-3, "sgd_constante": 0.1, "mod3_sgd_scheduler": 0.01}
    summary = {name: mnist_ns["seed_summary"](runs_of([98.0 + i, 98.2 + i, 98.4 + i], losses=[0.05, 0.04, 0.06],
                                                      lr=lrs[name]))
               for i, name in enumerate(grid.values())}
    table = mnist_ns["grid_table"](summary)
    assert list(table.index) == ["Adam", "SGD"] and list(table.columns) == ["constante", "OneCycle"]
    sgd_one = table.loc["SGD", "OneCycle"]
    i = list(grid.values()).index(grid[("SGD", "OneCycle")])
    assert sgd_one == f"{mnist_ns['br'](98.2 + i)}% ± 0,20 · perda 0,0500 · taxa 0,01"
    mnist_ns["plot_grid"](summary, tmp_path / "q4.png")
    mnist_ns["plot_seeds"](summary, tmp_path / "sementes.png")
    plt.close("all")
    assert (tmp_path / "q4.png").stat().st_size > 10_000 and (tmp_path / "sementes.png").stat().st_size > 10_000


def test_numbers_and_figures_in_brazilian_format(mnist_ns, tmp_path):
    """lr_text e br escrevem como no Brasil; show_figure formata cada eixo da figura que recebe, e só ela."""
    assert [mnist_ns["lr_text"](x) for x in (1e-5, 1e-3, 0.015, 0.1)] == ["0,00001", "0,001", "0,015", "0,1"]
    assert mnist_ns["br"](49_800, 0) == "49.800" and mnist_ns["br"](99.054) == "99,05"
    fig, (lin, log) = plt.subplots(1, 2)
    lin.plot([0.5, 1.5], [0.25, 0.75])
    log.plot([1e-5, 1e-1], [1, 2])
    log.set_xscale("log")
    mnist_ns["show_figure"](fig, tmp_path / "nova" / "f.png")
    fig.canvas.draw()
    linear = [t.get_text() for t in lin.get_xticklabels() + lin.get_yticklabels()]
    assert all("." not in t for t in linear) and sum("," in t for t in linear) >= 5
    assert {"10⁻⁵", "10⁻³", "0,01", "0,1"} <= {t.get_text() for t in log.get_xticklabels()}  # nunca 1e-05
    assert (tmp_path / "nova" / "f.png").stat().st_size > 5_000
    # nenhuma mudança global: uma figura que não passou por show_figure fica com o ponto decimal
    other, ax = plt.subplots()
    ax.plot([0.5, 1.5], [0.25, 0.75])
    other.canvas.draw()
    assert any("." in t.get_text() for t in ax.get_xticklabels())
    plt.close("all")


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
    assert count(build("convnet_bn_dropout")) == 3_200_202
    net = build("vgg5").eval()
    assert count(net) == 289_130
    x = torch.randn(5, 1, 28, 28)
    with torch.inference_mode():
        out = net(x)
    assert out.shape == (5, 10) and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="'resnet'"):
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
    p = {"SEED": 0, "EPOCH_SCALE": 1.0, "SUBSET": 0, "DATA_DIR": "data", "DRIVE_DIR": None, "N_SEEDS": 3,
         "FORCE_RETRAIN": False, "PROGRESS": None}
    return {**p, **overrides}


@pytest.mark.parametrize("name,value", [
    ("SEED", -1), ("SEED", 1.5), ("SEED", True), ("SUBSET", 1), ("SUBSET", 100_000), ("SUBSET", -5),
    ("SUBSET", True), ("EPOCH_SCALE", 0), ("EPOCH_SCALE", float("inf")), ("EPOCH_SCALE", "1"), ("N_SEEDS", 0),
    ("N_SEEDS", 2.0), ("FORCE_RETRAIN", "sim"), ("DRIVE_DIR", 3), ("DATA_DIR", None)])
def test_bad_parameters_are_named(mnist_ns, tmp_path, monkeypatch, name, value):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        mnist_ns["check_parameters"](params(**{name: value}), "mnist")
    assert list(tmp_path.iterdir()) == []  # nada criado


def test_misspelled_parameter_is_named(mnist_ns, tmp_path, monkeypatch):
    """Um parâmetro com erro de grafia no papermill (-p SUBST 2000) para tudo antes de criar qualquer pasta.

    received_parameters lê a célula que o próprio papermill injeta no notebook, do histórico do IPython (sem
    rodar um kernel)."""
    nbformat = pytest.importorskip("nbformat")
    papermill = pytest.importorskip("papermill.parameterize")
    nb = papermill.parameterize_notebook(nbformat.read(NOTEBOOKS["mnist"], as_version=4),
                                         {"SUBST": 2000, "SEED": 1}, kernel_name="python3")
    history = ["".join(c.source) for c in nb.cells if c.cell_type == "code"]

    class Shell:
        user_ns = {"In": ["", *history[:history.index(next(h for h in history if "SUBST" in h)) + 1]]}

    monkeypatch.setattr(__import__("IPython"), "get_ipython", lambda: Shell())
    assert mnist_ns["received_parameters"]() == {"SUBST", "SEED"}
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"\bSUBST\b"):
        mnist_ns["check_parameters"](params(), "mnist")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(__import__("IPython"), "get_ipython", lambda: None)  # fora do Jupyter: nada injetado
    assert mnist_ns["received_parameters"]() == set()


# uma palavra comum do português ou um acento; e nenhuma palavra de uma mensagem em inglês
PORTUGUESE = re.compile(r"[ãõçáéíóúâêô]|\b(não|deve|de|do|da|em|ou|um|uma|os|as|com|para|recebi|rode)\b", re.I)
ENGLISH = re.compile(r"\b(the|must|should|unknown|invalid|not|cannot|failed|missing|expected|got|please)\b", re.I)


def test_messages_are_in_portuguese(mnist_ns, tmp_path, monkeypatch):
    """As mensagens que um aluno lê quando algo dá errado (e a razão de treinar de novo) estão em português.

    Os outros testes de erro conferem só o tipo da exceção e o nome do parâmetro ou do arquivo."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("get_data", ROOT / "scripts" / "get_data.py")
    get_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(get_data)
    monkeypatch.chdir(tmp_path)
    ns, fast = mnist_ns, mnist_ns["recipe"](1, arch="fastnet")
    (tmp_path / "r.json").write_text("{", encoding="utf-8")
    raw = tmp_path / "_OfflineDataset" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte").write_bytes(b"lixo")

    def offline_source(dataset, workdir):
        raise OSError("sem rede")

    def unwritable_data():
        monkeypatch.setitem(ns, "is_writable", lambda folder: False)
        ns["load_data"](_OfflineDataset, tmp_path / "vazia", {"train-images-idx3-ubyte": "0" * 64}, seed=0, n_valid=1)

    def misspelled():
        monkeypatch.setitem(ns, "received_parameters", lambda: {"SUBST"})
        ns["check_parameters"](params(), "mnist")

    bad = {
        "SEED": lambda: ns["check_parameters"](params(SEED=-1), "mnist"),
        "SUBSET": lambda: ns["check_parameters"](params(SUBSET=1), "mnist"),
        "SUBST": misspelled,
        "otimizador": lambda: ns["recipe"](1, optimizer="adamm"),
        "agendador": lambda: ns["recipe"](1, scheduler="cosine"),
        "campo": lambda: ns["recipe"](1, momentum=0.9),
        "arquitetura": lambda: ns["build_model"]("resnet9000"),
        "lr": lambda: ns["check_config"]({**fast, "lr": -1.0}),
        "erase": lambda: ns["check_config"]({**fast, "augment": {"erase": 29}}),
        "optimizer_options": lambda: ns["check_config"]({**fast, "optimizer_options": None}),
        "JSON truncado": lambda: ns["read_json_file"](tmp_path / "r.json"),
        "sem internet": lambda: ns["load_data"](_OfflineDataset, tmp_path / "nada", {}, seed=0, n_valid=1),
        "corrompido": lambda: ns["load_data"](_OfflineDataset, tmp_path, {"train-images-idx3-ubyte": "0" * 64},
                                              seed=0, n_valid=1),
        "pasta sem escrita": unwritable_data,
        "pesos": lambda: ns["save_and_reload"](ns["build_model"]("fastnet"), {"experiment": "x",
                                                                              "weights_sha256": "0" * 64}),
        "get_data.py": lambda: get_data.fetch("mnist", tmp_path / "d", sources=[("rede", offline_source)],
                                             expected={}, log=lambda *a: None),
    }
    messages = {}
    for what, call in bad.items():
        with pytest.raises((ValueError, RuntimeError)) as error:
            call()
        messages[what] = str(error.value)
    messages["razão de treinar de novo"] = ns["identity_difference"]({}, ns["run_identity"](tiny_data(), fast, 0))
    not_portuguese = {k: m for k, m in messages.items() if not PORTUGUESE.search(m) or ENGLISH.search(m)}
    assert not not_portuguese, not_portuguese


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
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "scratch", "scratch/figures", "scratch/results", "scratch/results/mnist"]
    full = mnist_ns["check_parameters"](params(), "fashion")
    assert not full["REDUCED"] and (full["RESULTS_DIR"], full["MODELS_DIR"]) == ("results/fashion", "models")


def test_broken_results_files_are_named_before_training(mnist_ns, tmp_path, monkeypatch):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    make_lab(mnist_ns, tmp_path).run("exp", cfg)
    (tmp_path / "results" / "mnist").mkdir()
    path = (tmp_path / "results" / "exp_seed0.json").rename(tmp_path / "results" / "mnist" / "exp_seed0.json")
    good = path.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    check = mnist_ns["check_parameters"]
    path.write_text(good[: len(good) // 2], encoding="utf-8")  # truncado
    with pytest.raises(ValueError, match=r"exp_seed0\.json"):
        check(params(), "mnist")
    assert not (tmp_path / "figures").exists()  # parou antes de criar as pastas
    (tmp_path / "results" / "mnist" / "q6.json").write_text("{", encoding="utf-8")  # qualquer JSON, não só treinos
    path.write_text(good, encoding="utf-8")
    with pytest.raises(ValueError, match=r"q6\.json"):
        check(params(), "mnist")
    (tmp_path / "results" / "mnist" / "q6.json").unlink()
    old = json.loads(good)
    del old["identity"]  # um resultado de antes da identidade é legível: será treinado de novo, não é erro
    path.write_text(json.dumps(old), encoding="utf-8")
    assert check(params(), "mnist")["RESULTS_DIR"] == "results/mnist"


def test_empty_unwritable_data_folder_is_not_a_failed_download(mnist_ns, tmp_path, monkeypatch):
    monkeypatch.setitem(mnist_ns, "is_writable", lambda folder: False)
    with pytest.raises(RuntimeError, match="DATA_DIR"):
        mnist_ns["load_data"](_OfflineDataset, tmp_path, {"train-images-idx3-ubyte": "0" * 64}, seed=0, n_valid=10)


def test_is_writable_looks_at_the_folder_that_would_hold_it(mnist_ns, tmp_path):
    assert mnist_ns["is_writable"](tmp_path / "ainda" / "nao" / "existe")
    (tmp_path / "arquivo").write_text("x")
    assert not mnist_ns["is_writable"](tmp_path / "arquivo" / "dentro")  # um arquivo não contém pastas


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


def test_my_experiment_trains_what_is_missing_once_and_keeps_other_recipes(mnist_ns, tmp_path, monkeypatch, capsys):
    """Seu experimento: treina as sementes que faltam, depois só as carrega, e recusa um nome que já guarda
    outra receita (sem apagar o arquivo dela). A estimativa usa a mesma regra de reuso que Lab.run."""
    lab = make_lab(mnist_ns, tmp_path)
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    base = [lab.run("base", cfg, seed=s)[0] for s in (0, 1)]
    use_lab(mnist_ns, monkeypatch, lab)
    monkeypatch.setitem(mnist_ns, "SEEDS", [0, 1])
    monkeypatch.setitem(mnist_ns, "Q4_SUMMARY", {"base": mnist_ns["seed_summary"](base)})
    mine = {**cfg, "lr": 5e-3}
    lab.trained.clear()
    comparison = mnist_ns["seu_experimento"]("meu", mine, baseline="base")
    assert lab.trained == {("meu", 0), ("meu", 1)}
    assert "2 treino(s)" in capsys.readouterr().out
    saved = {s: (tmp_path / "results" / f"meu_seed{s}.json").read_text(encoding="utf-8") for s in (0, 1)}
    assert comparison["seeds"] == [0, 1] and comparison["differ_in"]  # pareado semente a semente, e diz o que muda

    monkeypatch.setitem(mnist_ns, "build_model", no_training)  # rodar de novo não treina nada
    assert mnist_ns["seu_experimento"]("meu", mine, baseline="base") == comparison
    assert "nada a treinar" in capsys.readouterr().out
    with pytest.raises(ValueError, match="meu"):  # outra receita com o mesmo nome: recusada antes de treinar
        mnist_ns["seu_experimento"]("meu", {**mine, "lr": 1e-2}, baseline="base")
    with pytest.raises(ValueError, match="baseline"):
        mnist_ns["seu_experimento"]("outro", mine, baseline="nao_existe")
    assert {s: (tmp_path / "results" / f"meu_seed{s}.json").read_text(encoding="utf-8") for s in (0, 1)} == saved
