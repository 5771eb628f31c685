"""Testes de unidade das funções dos notebooks (carregadas das células etiquetadas).

Cada erro que um aluno pode provocar é conferido pelo tipo, pelo nome do que está errado (parâmetro, campo ou
arquivo), pela língua da mensagem (português) e por nada ter sido gravado antes dele (`fails`)."""

import contextlib
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from common import head_of_train
from conftest import NOTEBOOKS, notebook_constants
from scipy import stats


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


# uma palavra comum do português ou um acento; e nenhuma palavra de uma mensagem em inglês
PORTUGUESE = re.compile(r"[ãõçáéíóúâêô]|\b(não|deve|de|do|da|em|ou|um|uma|os|as|com|para|recebi|rode)\b", re.I)
ENGLISH = re.compile(r"\b(the|must|should|unknown|invalid|not|cannot|failed|missing|expected|got|please)\b", re.I)


@contextlib.contextmanager
def fails(match, error=ValueError):
    """O erro que um aluno lê: do tipo `error`, com `match` (o nome do que está errado), em português."""
    with pytest.raises(error, match=match) as info:
        yield
    assert PORTUGUESE.search(str(info.value)) and not ENGLISH.search(str(info.value)), str(info.value)


# ------------------------------------------------------------------ modelos, avaliação e lotes


@pytest.mark.parametrize("key,arch,params", [
    ("mnist", "convnet", 3_199_106), ("mnist", "fastnet", 23_122), ("fashion", "convnet_bn_dropout", 3_200_202),
    ("fashion", "vgg5", 289_130)])
def test_architectures_have_the_sizes_the_text_gives(mnist_ns, fashion_ns, key, arch, params):
    ns = {"mnist": mnist_ns, "fashion": fashion_ns}[key]
    model = ns["build_model"](arch).eval()
    assert ns["count_params"](model) == params
    with torch.inference_mode():
        out = model(torch.randn(3, 1, 28, 28))
    assert out.shape == (3, 10) and torch.isfinite(out).all()


def test_predict_and_evaluate_run_in_eval_without_autograd_and_change_nothing(mnist_ns):
    torch.manual_seed(0)
    model = mnist_ns["build_model"]("fastnet").train()
    data = tiny_data()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    out = mnist_ns["predict"](model, data["valid"][0], batch_size=3)
    assert out.shape == (16, 10) and not model.training and out.grad_fn is None
    with torch.inference_mode():
        assert torch.allclose(out, model(data["valid"][0]), atol=1e-5)  # os lotes não mudam as saídas
    first = mnist_ns["evaluate"](model, *data["valid"], batch_size=7)
    second = mnist_ns["evaluate"](model, *data["valid"], batch_size=16)
    # BatchNorm em modo treino mudaria running_mean; em eval nada muda
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert first[1] == second[1] and first[0] == pytest.approx(second[0], rel=1e-5)
    assert mnist_ns["evaluate"](model, data["valid"][0], out.argmax(1))[1] == 100.0


def test_batches_cover_every_sample_once(mnist_ns):
    x = torch.arange(10).float().view(10, 1)
    y = torch.arange(10)
    got = list(mnist_ns["batches"](x, y, 4, generator=torch.Generator().manual_seed(1)))
    assert [len(b[1]) for b in got] == [4, 4, 2]
    seen = torch.cat([b[1] for b in got])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    assert all(torch.equal(b[0].view(-1).long(), b[1]) for b in got)


# ------------------------------------------------------------------ a configuração: o que roda, e os erros


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
    assert [mnist_ns["recipe"](10, s)["epochs"] for s in (0.01, 0.5)] == [1, 5]  # EPOCH_SCALE, no mínimo 1 época


@pytest.mark.parametrize("match,call", [
    ("'adamm'", lambda ns: ns["recipe"](1, optimizer="adamm")),
    ("momentum", lambda ns: ns["recipe"](1, momentum=0.9)),  # a opção vai em optimizer_options, não solta
    ("resnet9000", lambda ns: ns["build_model"]("resnet9000"))], ids=["otimizador", "campo-solto", "arquitetura"])
def test_a_bad_recipe_is_named(mnist_ns, match, call):
    with fails(match):
        call(mnist_ns)


@pytest.mark.parametrize("field,value,match", [
    ("epochs", 1.5, None), ("lr", float("nan"), None), ("arch", "resnet9000", "resnet9000")])
def test_a_bad_config_stops_before_training_and_writes_nothing(mnist_ns, tmp_path, field, value, match):
    cfg = {**mnist_ns["recipe"](1, arch="fastnet"), field: value}
    with fails(match or rf"\b{field}\b"):
        make_lab(mnist_ns, tmp_path).run("x", cfg)
    assert list(tmp_path.iterdir()) == []  # nada gravado pela metade


# ------------------------------------------------------------------ treino, retomada e pesos


def test_training_is_reproducible_and_learns(mnist_ns, tmp_path):
    cfg = mnist_ns["recipe"](3, arch="fastnet", lr=1e-2, batch_size=16)
    runs = []
    for folder in ("a", "b"):
        result, model = make_lab(mnist_ns, tmp_path / folder, seed=7).run("rep", cfg)
        assert model is not None
        runs.append(result)
    assert [{**h, "seconds": 0} for h in runs[0]["history"]] == [{**h, "seconds": 0} for h in runs[1]["history"]]
    assert runs[0]["test_acc"] == runs[1]["test_acc"] and runs[0]["weights_sha256"] == runs[1]["weights_sha256"]
    assert runs[0]["history"][-1]["train_loss"] < runs[0]["history"][0]["train_loss"]
    # o que o Lab acrescenta ao resultado do treino: a identidade, o conjunto e o hash dos pesos; nada de "schema"
    assert runs[0]["identity"] == mnist_ns["run_identity"](tiny_data(), cfg, 7) and runs[0]["dataset"] == "teste"
    assert "schema" not in runs[0] and runs[0]["device_name"].startswith("CPU")


def test_resume_loads_without_training_and_force_retrains_once(mnist_ns, tmp_path):
    """Lab.trained diz o que uma execução treinou; o resto ela carregou do gravado."""
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    first, model = make_lab(mnist_ns, tmp_path).run("exp", cfg)
    path = tmp_path / "results" / "exp_seed0.json"
    assert model is not None and json.loads(path.read_text(encoding="utf-8")) == first
    assert not list(tmp_path.rglob("*.tmp"))
    again = make_lab(mnist_ns, tmp_path)
    assert again.run("exp", cfg) == (first, None) and not again.trained
    forced = make_lab(mnist_ns, tmp_path, force=True)  # FORCE_RETRAIN: treina de novo, uma vez por execução
    assert forced.run("exp", cfg)[1] is not None and forced.trained == {("exp", 0)}
    assert forced.run("exp", cfg) == (json.loads(path.read_text(encoding="utf-8")), None)
    other = make_lab(mnist_ns, tmp_path)  # outra configuração, ou outra semente (outro arquivo), treina de novo
    other.run("exp", cfg, seed=1)
    other.run("exp", {**cfg, "lr": 5e-3})
    assert other.trained == {("exp", 0), ("exp", 1)}
    # um resultado de antes da identidade (os dados e o código: test_identity.py) é treinado de novo, sem erro
    path.write_text(json.dumps({k: v for k, v in first.items() if k != "identity"}), encoding="utf-8")
    old = make_lab(mnist_ns, tmp_path)
    old.run("exp", cfg)
    assert old.trained == {("exp", 0)}


def test_weights_are_found_by_hash_or_retrained(mnist_ns, tmp_path):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32, augment={"max_shift": 1, "max_rotation": 5})
    lab = make_lab(mnist_ns, tmp_path)
    first, model = lab.run("exp", cfg, test=False)
    ckpt = tmp_path / "checkpoints" / "exp_seed0.pt"
    assert first["test_acc"] is None and ckpt.exists()
    assert first["weights_sha256"] == mnist_ns["state_sha256"](model.state_dict())
    ckpt.rename(tmp_path / "guardado.pt")
    assert lab.run("exp", cfg, test=False) == (first, None)  # sem precisar do modelo, nem olha os pesos
    # com o modelo: os pesos do vencedor em models/ servem, conferidos pelo hash
    mnist_ns["save_and_reload"](lab, model, first)
    again, reloaded = mnist_ns["run_with_model"](lab, "exp", cfg, 0, test=False)
    assert again == first and mnist_ns["state_sha256"](reloaded.state_dict()) == first["weights_sha256"]
    # pesos de outro treino no lugar de models/: test_poisoning_replay_in_miniature


def test_save_and_reload_writes_the_winner_once_and_refuses_other_weights(mnist_ns, tmp_path):
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    lab = make_lab(mnist_ns, tmp_path)
    result, model = lab.run("exp", cfg)
    sha = mnist_ns["state_sha256"]
    fresh = mnist_ns["save_and_reload"](lab, model, result)
    best = tmp_path / "models" / "teste_best.pt"
    assert fresh is not model and sha(fresh.state_dict()) == result["weights_sha256"]
    assert mnist_ns["evaluate"](fresh, *tiny_data()["test"])[1] == result["test_acc"]
    stamp = (best.stat().st_ino, best.stat().st_mtime_ns)
    mnist_ns["save_and_reload"](lab, model, result)  # os mesmos pesos: o arquivo não é regravado
    assert (best.stat().st_ino, best.stat().st_mtime_ns) == stamp
    _, other_model = lab.run("outro", {**cfg, "lr": 5e-3})
    with fails(r"\bexp\b"):
        mnist_ns["save_and_reload"](lab, other_model, result)  # pesos que não são os do resultado
    assert (best.stat().st_ino, best.stat().st_mtime_ns) == stamp
    mnist_ns["save_weights_atomic"](other_model, best)  # models/ com os pesos de outro treino: regrava
    mnist_ns["save_and_reload"](lab, model, result)
    assert sha(torch.load(best, weights_only=True)) == result["weights_sha256"]


class _Payload:
    """Um objeto que, se o arquivo for lido com pickle completo, cria um arquivo (executa código)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_unreadable_weights_are_treated_as_missing_and_never_executed(mnist_ns, tmp_path, capsys):
    """run_with_model lê os pesos só como tensores: um arquivo cortado (um disco cheio, uma cópia interrompida) ou
    com código é dito e tratado como ausente (treina de novo), e o código não é executado."""
    lab = make_lab(mnist_ns, tmp_path)
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    lab.run("exp", cfg)
    path = tmp_path / "checkpoints" / "exp_seed0.pt"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    lab.trained.clear()
    capsys.readouterr()
    mnist_ns["run_with_model"](lab, "exp", cfg, 0)
    assert lab.trained == {("exp", 0)} and str(path) in capsys.readouterr().out
    marker = tmp_path / "executado"
    torch.save({"w": _Payload(marker)}, path)
    lab.trained.clear()
    mnist_ns["run_with_model"](lab, "exp", cfg, 0)
    assert lab.trained == {("exp", 0)} and not marker.exists()


def test_poisoning_replay_in_miniature(mnist_ns, tmp_path):
    """Uma execução reduzida nas mesmas pastas não faz a completa relatar números de outro modelo."""
    cfg = mnist_ns["recipe"](2, arch="fastnet", batch_size=16, lr=1e-2)
    full = make_lab(mnist_ns, tmp_path)
    result, model = full.run("vencedor", cfg)
    mnist_ns["save_and_reload"](full, model, result)
    data = tiny_data()
    reduced = make_lab(mnist_ns, tmp_path, data={**data, "train": (data["train"][0][:48], data["train"][1][:48])})
    _, small = reduced.run("vencedor", mnist_ns["recipe"](2, 0.5, arch="fastnet", batch_size=16, lr=1e-2))
    mnist_ns["save_weights_atomic"](small, tmp_path / "models" / "teste_best.pt")  # e os pesos do vencedor
    again, model3 = mnist_ns["run_with_model"](full, "vencedor", cfg, 0)
    # o que a execução completa relata é do próprio modelo, não do reduzido
    assert again["test_acc"] == result["test_acc"] and again["weights_sha256"] == result["weights_sha256"]
    assert mnist_ns["evaluate"](model3, *data["test"])[1] == again["test_acc"]


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


# ------------------------------------------------------------------ arquivos e dados


def test_json_is_written_whole_and_an_unreadable_file_is_named(mnist_ns, tmp_path):
    path = tmp_path / "r.json"
    mnist_ns["save_json_atomic"](path, {"a": [1, 2]})
    with pytest.raises(TypeError):
        mnist_ns["save_json_atomic"](path, {"a": object()})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]
    assert mnist_ns["read_json_file"](path) == {"a": [1, 2]}  # nada gravado pela metade
    for broken in (b'{"a": [1,', b"\xff\xfe lixo"):  # truncado; bytes que nem são UTF-8
        path.write_bytes(broken)
        with fails(r"r\.json"):
            mnist_ns["read_json_file"](path)
    with pytest.raises(FileNotFoundError):  # um arquivo que falta não é "ilegível"
        mnist_ns["read_json_file"](tmp_path / "nao_existe.json")


class _OfflineDataset:
    classes = []

    def __init__(self, *_args, **_kwargs):
        raise RuntimeError("Error downloading: Name or service not known")


@pytest.mark.parametrize("case,match", [("sem internet", r"scripts/get_data\.py"),
                                        ("corrompido", "train-images-idx3-ubyte")])
def test_data_problems_are_named(mnist_ns, tmp_path, case, match):
    sums = {} if case == "sem internet" else {"train-images-idx3-ubyte": "0" * 64}
    if case == "corrompido":
        (tmp_path / "_OfflineDataset" / "raw").mkdir(parents=True)
        (tmp_path / "_OfflineDataset" / "raw" / "train-images-idx3-ubyte").write_bytes(b"lixo")
    with fails(match, RuntimeError):
        mnist_ns["load_data"](_OfflineDataset, tmp_path, sums, seed=0, n_valid=10)


# ------------------------------------------------------------------ escolhas: só pela validação


def fake_result(val_acc, test_acc, seed=0):
    return {"seed": seed, "history": [{"val_acc": val_acc - 1}, {"val_acc": val_acc}], "test_acc": test_acc}


def test_choice_reads_validation_never_test(mnist_ns):
    choose = mnist_ns["choose_best"]
    candidates = {"melhor_no_teste": [fake_result(99.0, 99.9)], "melhor_na_validacao": [fake_result(99.4, 98.0)],
                  "sem_teste": [fake_result(99.1, None)]}
    assert choose(candidates) == "melhor_na_validacao"
    # a última época conta, não a melhor época (que seria escolher olhando a curva)
    candidates["pico_antigo"] = [{"seed": 0, "history": [{"val_acc": 99.9}, {"val_acc": 98.0}], "test_acc": 100.0}]
    assert choose(candidates) == "melhor_na_validacao"
    # só as sementes que todos têm: a semente 1 do primeiro não conta
    assert choose({"a": [fake_result(99.0, 0), fake_result(99.9, 0, seed=1)], "b": [fake_result(99.2, 0)]}) == "b"


def fake_train_run(ns, scores):
    """Um train_run sem treino: para cada taxa, as validações por época e o teste de `scores[lr]`, e uma rede de
    verdade (outros pesos para cada taxa), para que o Lab grave o checkpoint e o hash como num treino."""

    def train_run(name, cfg, data, seed, device, test=True, progress=False):
        vals, test_acc = scores[cfg["lr"]]
        assert len(vals) == cfg["epochs"]
        torch.manual_seed(round(1e6 * cfg["lr"]))
        history = [{"epoch": e, "lr": cfg["lr"], "train_loss": 1.0 / e, "train_acc": v - 1, "val_loss": 1.0 / e,
                    "val_acc": v, "seconds": 0.5} for e, v in enumerate(vals, start=1)]
        result = {"experiment": name, "seed": seed, "config": cfg,
                  **{f"n_{k}": len(data[k][1]) for k in ("train", "valid", "test")}, "params": 1,
                  "device": "cpu", "device_name": "CPU de teste", "torch": torch.__version__, "history": history,
                  "test_loss": 0.5 if test else None, "test_acc": test_acc if test else None, "seconds": 1.5}
        return result, ns["build_model"](cfg["arch"])

    return train_run


@pytest.mark.parametrize("scores,chosen", [
    # a validação da última época escolhe, mesmo com o teste e o pico de validação a favor da outra taxa
    ({0.1: ([99.0, 80.0, 90.0], 99.5), 0.01: ([70.0, 80.0, 95.0], 10.0)}, 0.01),
    ({0.1: ([70.0, 80.0, 95.0], 10.0), 0.01: ([99.0, 80.0, 90.0], 99.5)}, 0.1),
    ({0.1: ([70.0, 80.0, 92.0], 10.0), 0.01: ([70.0, 80.0, 92.0], 99.5)}, 0.1),  # empate: fica a primeira
], ids=["menor-taxa", "maior-taxa", "empate"])
def test_sgd_rate_is_chosen_by_validation_never_test(mnist_ns, tmp_path, monkeypatch, scores, chosen):
    lab = make_lab(mnist_ns, tmp_path)
    monkeypatch.setitem(mnist_ns, "train_run", fake_train_run(mnist_ns, scores))
    cfg = mnist_ns["recipe"](10, 0.3, optimizer="sgd")  # 10 épocas × 0,3: três épocas por candidata
    result = mnist_ns["choose_sgd_rate"](lab, "sgd_x", cfg)
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
    assert lab.done["sgd_x"] == result
    assert {p.name for p in (tmp_path / "figures").iterdir()} == {"teste_sgd_x_escolha_lr.png", "teste_sgd_x.png"}


def test_chosen_sgd_rate_finds_its_weights(mnist_ns, tmp_path, monkeypatch):
    """Se o escolhido por choose_sgd_rate vence a busca, o notebook pede o seu modelo: vem dos pesos da candidata."""
    lab = make_lab(mnist_ns, tmp_path)
    monkeypatch.setitem(mnist_ns, "train_run", fake_train_run(mnist_ns, {0.1: ([90.0], 50.0), 0.01: ([80.0], 60.0)}))
    chosen = mnist_ns["choose_sgd_rate"](lab, "sgd_x", mnist_ns["recipe"](10, 0.1, optimizer="sgd"))
    plt.close("all")
    lab.trained.clear()
    again, model = mnist_ns["run_with_model"](lab, "sgd_x", chosen["config"], 0)
    assert not lab.trained  # carregado, não treinado (train_run fica o mesmo: a impressão digital também)
    assert again == chosen and mnist_ns["state_sha256"](model.state_dict()) == chosen["weights_sha256"]


# ------------------------------------------------------------------ sementes e comparações pareadas


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


def interval(diffs):
    """O intervalo de 95% de t de Student da média de `diffs` (4,303 com três pares)."""
    half = stats.t.ppf(0.975, len(diffs) - 1) * np.std(diffs, ddof=1) / np.sqrt(len(diffs))
    return pytest.approx([np.mean(diffs) - half, np.mean(diffs) + half])


def test_paired_comparison(mnist_ns):
    """Mesmas sementes são pares (pela semente, não pela posição): o intervalo de 95% da diferença decide, a perda
    tem o seu próprio intervalo, e o que difere na receita e as sementes de outra máquina são ditos."""
    paired, summary = mnist_ns["paired"], mnist_ns["seed_summary"]
    # ganhos pequenos mas consistentes: a regra de "duas vezes o desvio" os chamaria de ruído
    a = summary(runs_of([93.50, 93.20, 93.35, 93.00], losses=[0.300, 0.320, 0.310, 0.330]))
    b = summary(runs_of([93.42, 93.62, 93.28], losses=[0.290, 0.280, 0.310], seeds=[2, 0, 1],
                        devices=["GPU", "CPU A", "CPU B"]))  # na ordem 2, 0, 1 e sem a semente 3
    s = {"a": a, "b": b}
    c = paired(s, "a", "b")
    assert c["seeds"] == [0, 1, 2] and c["diffs"] == pytest.approx([0.12, 0.08, 0.07])
    assert c["mean_diff"] == pytest.approx(0.09) and c["ci95"] == interval([0.12, 0.08, 0.07])
    assert c["loss_diffs"] == pytest.approx([-0.02, -0.01, -0.02]) and c["loss_ci95"] == interval([-0.02, -0.01, -0.02])
    assert c["verdict"] == c["loss_verdict"] == "B é melhor" and c["differ_in"] == [] and c["n_test"] == 10_000
    assert c["other_machine_seeds"] == [1, 2]  # a máquina não é uma diferença da receita, mas é dita
    json.dumps(c)
    reverse = paired(s, "b", "a")  # a ordem muda o sinal, e o veredito aponta o mesmo vencedor (agora o A)
    assert reverse["verdict"] == reverse["loss_verdict"] == "A é melhor"
    assert reverse["mean_diff"] == pytest.approx(-0.09)
    s["c"] = summary(runs_of([93.70, 93.10, 93.40], epochs=20, arch="b"))  # sinais trocados: o zero no intervalo
    c = paired(s, "a", "c")
    assert c["verdict"] == "não dá para afirmar" and c["differ_in"] == ["arquitetura", "épocas"]
    tta = summary([{**r, "test_loss": float("nan")} for r in runs_of([93.6, 93.3, 93.4])])  # o TTA não mede a perda
    c = paired({"a": a, "a+tta": tta}, "a", "a+tta")
    assert np.isnan(c["loss_mean_diff"]) and c["differ_in"] == ["TTA"] and c["other_machine_seeds"] == []
    one = {"a": summary(runs_of([93.0])), "b": summary(runs_of([99.0]))}  # uma semente: o intervalo é infinito
    assert paired(one, "a", "b")["verdict"] == "não dá para afirmar"


def test_q4_grid_is_two_by_two_and_each_effect_in_it_changes_one_factor():
    """O quadro da questão 4: otimizador × agenda; as comparações dentro dele são as quatro arestas do quadrado
    (um fator muda em cada uma); as de fora (as épocas do inicial, por exemplo) se comparam com uma célula dele,
    salvo as que põem cada Modificação contra o enunciado (a pergunta do aluno: valeu?)."""
    for path in NOTEBOOKS.values():
        q4 = notebook_constants(path, "q4-runs")
        where = {name: key for key, name in q4["Q4_GRID"].items()}
        assert sorted(where.values()) == [("Adam", "OneCycle"), ("Adam", "constante"), ("SGD", "OneCycle"),
                                          ("SGD", "constante")]
        inside = {frozenset((where[a], where[b])) for a, b in q4["Q4_EFFECTS"] if a in where and b in where}
        assert len(inside) == 4 and all(sum(x != y for x, y in zip(*sorted(p), strict=True)) == 1 for p in inside)
        outside = [(a, b) for a, b in q4["Q4_EFFECTS"] if frozenset((a, b)) - set(where)]
        assert all(len({a, b} & set(where)) == 1 or q4["Q4_EFFECTS"][a, b].startswith("Modificação")
                   for a, b in outside)


# ------------------------------------------------------------------ aumento de dados


def test_augment_is_batched_reproducible_and_sane(mnist_ns):
    augment = mnist_ns["augment"]
    x = torch.zeros(6, 1, 28, 28)
    x[:, 0, 10:18, 4:12] = 1.0  # um quadrado à esquerda
    assert torch.allclose(augment(x, generator=torch.Generator().manual_seed(0)), x, atol=1e-5)  # identidade
    a = augment(x, max_shift=2, max_rotation=10, generator=torch.Generator().manual_seed(3))
    b = augment(x, max_shift=2, max_rotation=10, generator=torch.Generator().manual_seed(3))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.allclose(a, x)
    assert (a.sum((1, 2, 3)) - x.sum((1, 2, 3))).abs().max() < 0.2 * 64  # a "tinta" é quase preservada
    zoomed = augment(x, max_zoom=0.1, generator=torch.Generator().manual_seed(3))
    ink = zoomed.sum((1, 2, 3)) / x.sum((1, 2, 3))  # a área escala com o quadrado do zoom
    assert ((ink > 0.8**2) & (ink < 1.12**2)).all() and (ink - 1).abs().max() > 0.01
    # sem zoom, os números sorteados são os mesmos: as configurações antigas não mudam
    assert torch.equal(a, augment(x, max_shift=2, max_rotation=10, max_zoom=0.0,
                                  generator=torch.Generator().manual_seed(3)))


def test_hflip_mirrors_part_of_the_batch_exactly(fashion_ns):
    x = torch.rand(64, 1, 28, 28)
    out = fashion_ns["augment"](x, hflip=True, generator=torch.Generator().manual_seed(0))
    same = (out - x).abs().amax((1, 2, 3)) < 1e-5
    mirrored = (out - x.flip(-1)).abs().amax((1, 2, 3)) < 1e-5
    assert torch.all(same | mirrored) and 16 < mirrored.sum() < 48  # cada imagem: intacta ou espelhada


# ------------------------------------------------------------------ parâmetros e pastas, antes de qualquer treino


def params(**overrides):
    p = {"SEED": 0, "EPOCH_SCALE": 1.0, "SUBSET": 0, "DATA_DIR": "data", "DRIVE_DIR": None, "N_SEEDS": 3,
         "FORCE_RETRAIN": False, "PROGRESS": None}
    return {**p, **overrides}


@pytest.mark.parametrize("name,value", [("SEED", True), ("SUBSET", 100_000), ("EPOCH_SCALE", "1"), ("DRIVE_DIR", 3)])
def test_bad_parameters_are_named(mnist_ns, tmp_path, monkeypatch, name, value):
    monkeypatch.chdir(tmp_path)
    with fails(rf"\b{name}\b"):
        mnist_ns["check_parameters"](params(**{name: value}), "mnist")
    assert list(tmp_path.iterdir()) == []  # nada criado


def test_a_reduced_run_writes_only_to_scratch_there_or_in_drive_dir(mnist_ns, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dirs = mnist_ns["check_parameters"](params(SUBSET=2000), "mnist")
    assert dirs["REDUCED"] and dirs["RESULTS_DIR"] == "scratch/results/mnist"
    assert {dirs[k] for k in ("FIGURES_DIR", "MODELS_DIR", "CHECKPOINTS_DIR")} == {
        "scratch/figures", "scratch/models", "scratch/checkpoints/mnist"}
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "scratch", "scratch/figures", "scratch/results", "scratch/results/mnist"]
    full = mnist_ns["check_parameters"](params(), "fashion")
    assert not full["REDUCED"] and (full["RESULTS_DIR"], full["MODELS_DIR"]) == ("results/fashion", "models")
    # fora do Colab nada é montado; as pastas ficam dentro de DRIVE_DIR (e a reduzida, no rascunho de lá)
    drive = tmp_path / "drive"
    full = mnist_ns["check_parameters"](params(DRIVE_DIR=str(drive)), "mnist")
    assert full["RESULTS_DIR"] == str(drive / "results" / "mnist") and full["MODELS_DIR"] == str(drive / "models")
    reduced = mnist_ns["check_parameters"](params(DRIVE_DIR=str(drive), SUBSET=500), "fashion")
    assert reduced["RESULTS_DIR"] == str(drive / "scratch" / "results" / "fashion")
    assert (drive / "scratch" / "figures").is_dir()


def test_broken_results_files_are_named_before_training(mnist_ns, tmp_path, monkeypatch):
    make_lab(mnist_ns, tmp_path).run("exp", mnist_ns["recipe"](1, arch="fastnet", batch_size=32))
    (tmp_path / "results" / "mnist").mkdir()
    path = (tmp_path / "results" / "exp_seed0.json").rename(tmp_path / "results" / "mnist" / "exp_seed0.json")
    good = path.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    check = mnist_ns["check_parameters"]
    path.write_text(good[: len(good) // 2], encoding="utf-8")  # truncado
    with fails(r"exp_seed0\.json"):
        check(params(), "mnist")
    assert not (tmp_path / "figures").exists()  # parou antes de criar as pastas
    (tmp_path / "results" / "mnist" / "q6.json").write_text("{", encoding="utf-8")  # qualquer JSON, não só treinos
    path.write_text(good, encoding="utf-8")
    with fails(r"q6\.json"):
        check(params(), "mnist")
    (tmp_path / "results" / "mnist" / "q6.json").unlink()
    path.write_text(json.dumps({k: v for k, v in json.loads(good).items() if k != "identity"}), encoding="utf-8")
    assert check(params(), "mnist")["RESULTS_DIR"] == "results/mnist"  # de antes da identidade: legível, não é erro


def test_my_experiment_trains_what_is_missing_once_and_keeps_other_recipes(mnist_ns, tmp_path):
    """Seu experimento: treina as sementes que faltam, depois só as carrega, e recusa um nome que já guarda outra
    receita ou outros dados (o mod4, com parte do treino), sem apagar o arquivo dele."""
    lab = make_lab(mnist_ns, tmp_path)
    cfg = mnist_ns["recipe"](1, arch="fastnet", batch_size=32)
    grid = {"base": [lab.run("base", cfg, seed=s)[0] for s in (0, 1)]}
    lab.run("mod4", cfg, data=head_of_train(lab.data, 16))
    mine = {**cfg, "lr": 5e-3}
    lab.trained.clear()
    comparison = mnist_ns["seu_experimento"](lab, "meu", mine, grid, baseline="base")
    assert lab.trained == {("meu", 0), ("meu", 1)}
    files = ["meu_seed0.json", "meu_seed1.json", "mod4_seed0.json"]
    saved = {name: (tmp_path / "results" / name).read_text(encoding="utf-8") for name in files}
    assert comparison["seeds"] == [0, 1] and comparison["differ_in"]  # pareado semente a semente, e diz o que muda
    lab.trained.clear()
    again = mnist_ns["seu_experimento"](lab, "meu", mine, grid, baseline="base")
    assert again == comparison and not lab.trained  # carregado
    with fails("meu"):  # outra receita com o mesmo nome: recusada antes de treinar
        mnist_ns["seu_experimento"](lab, "meu", {**mine, "lr": 1e-2}, grid, baseline="base")
    with fails("mod4"):  # a mesma receita com outros dados
        mnist_ns["seu_experimento"](lab, "mod4", cfg, grid, baseline="base")
    with fails("baseline"):
        mnist_ns["seu_experimento"](lab, "outro", mine, grid, baseline="nao_existe")
    assert {name: (tmp_path / "results" / name).read_text(encoding="utf-8") for name in files} == saved
