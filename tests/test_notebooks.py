"""O notebook roda de ponta a ponta numa configuração pequena (papermill), e retoma sem treinar."""

import json
import re
import sys
from pathlib import Path

import pytest
from conftest import NOTEBOOKS, ROOT, cells
from nbcells import SHARED_TAGS, tags_of

papermill = pytest.importorskip("papermill")

HISTORY_KEYS = {"epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}
RESULT_KEYS = {"schema", "identity", "experiment", "seed", "dataset", "config", "n_train", "n_valid", "n_test",
               "params", "device", "torch", "history", "test_loss", "test_acc", "seconds", "weights_sha256"}
MNIST_EXPERIMENTS = ["inicial", "mod1_lr_baixo", "mod2_scheduler", "mod3_sgd_scheduler", "mod4_treino_17pct"]


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_result_schema(r: dict) -> None:
    assert RESULT_KEYS <= r.keys(), RESULT_KEYS - r.keys()
    assert len(r["history"]) == r["config"]["epochs"]
    for i, h in enumerate(r["history"], start=1):
        assert h.keys() >= HISTORY_KEYS and h["epoch"] == i
        assert 0 <= h["train_acc"] <= 100 and 0 <= h["val_acc"] <= 100 and h["seconds"] > 0 and h["lr"] > 0
    assert r["params"] > 0 and r["seconds"] > 0
    if r["test_acc"] is not None or not r["experiment"].startswith("arq_"):  # candidatos não veem o teste
        assert 0 <= r["test_acc"] <= 100 and r["test_loss"] > 0


def outputs_text(nb: dict) -> str:
    parts = []
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            if o["output_type"] == "stream":
                parts.append("".join(o["text"]))
            elif o["output_type"] == "error":
                parts.append(f"ERRO {o['ename']}: {o['evalue']}")
    return "\n".join(parts)


def run_notebook(path, out, cwd, **params):
    """Execução reduzida, com as pastas padrão: tudo vai para cwd/scratch (nunca para results/ etc.)."""
    params = {"SUBSET": 2000, "EPOCH_SCALE": 0.1, "DATA_DIR": str(ROOT / "data"), **params}
    papermill.execute_notebook(str(path), str(out), parameters=params, cwd=str(cwd), progress_bar=False,
                               kernel_name="python3")
    return read_json(out)


def check_only_scratch_written(cwd, prefix):
    """A execução reduzida não criou results/, figures/ nem models/: só scratch/."""
    assert sorted(p.name for p in cwd.iterdir() if not p.name.endswith(".ipynb")) == ["scratch"]
    assert (cwd / "scratch" / "results" / prefix).is_dir() and (cwd / "scratch" / "models").is_dir()
    return cwd / "scratch"


@pytest.fixture(scope="module")
def mnist_smoke(tmp_path_factory):
    if not (ROOT / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.fail("faltam os dados: rode `python scripts/get_data.py` antes dos testes")
    cwd = tmp_path_factory.mktemp("mnist")
    nb = run_notebook(NOTEBOOKS["mnist"], cwd / "out.ipynb", cwd)
    return check_only_scratch_written(cwd, "mnist"), nb


def test_mnist_smoke_run(mnist_smoke):
    tmp, nb = mnist_smoke
    text = outputs_text(nb)
    assert "ERRO" not in text
    assert "Divisão completa: {'train': 49800, 'valid': 10200, 'test': 10000}" in text
    results = {p.stem: read_json(p) for p in (tmp / "results" / "mnist").glob("*.json")}
    for name in MNIST_EXPERIMENTS + ["rapida"]:
        r = results[f"{name}_seed0"]
        check_result_schema(r)
        assert r["experiment"] == name and r["dataset"] == "MNIST" and r["seed"] == 0
        assert (r["n_valid"], r["n_test"]) == (1000, 1000)
        assert r["n_train"] == (1000 if name == "mod4_treino_17pct" else 2000)
        assert r["params"] == (3_199_106 if name != "rapida" else r["params"])
    # acima do acaso (10%) mesmo com 2.000 imagens e 1 época
    assert results["inicial_seed0"]["test_acc"] > 60
    assert results["mod2_scheduler_seed0"]["history"][-1]["val_acc"] > 50
    # mod3 é uma das duas candidatas, escolhida pela validação
    sel = results["mod3_sgd_scheduler_seed0"]["selection"]
    cands = {k: results[f"mod3_sgd_scheduler_lr{k}_seed0"]["history"][-1]["val_acc"] for k in ("0.1", "0.01")}
    assert sel["chosen_lr"] == float(max(cands, key=cands.get))
    figures = sorted(p.name for p in (tmp / "figures").glob("*.png"))
    for name in MNIST_EXPERIMENTS + ["comparacao_validacao", "mod4_vs_mod2", "exemplos", "agenda_lr", "lr_range",
                                     "aumento", "filtros"]:
        assert f"mnist_{name}.png" in figures
    assert all((tmp / "figures" / f).stat().st_size > 10_000 for f in figures)


def test_mnist_smoke_architecture_search_noise_and_q6(mnist_smoke):
    tmp, _ = mnist_smoke
    folder = tmp / "results" / "mnist"
    best = read_json(folder / "best.json")
    assert {"experiment", "criterion", "candidates"} <= best.keys() and len(best["candidates"]) >= 5
    vals = {name: c["val_acc_final"] for name, c in best["candidates"].items()}
    assert best["experiment"] == f"arq_{max(vals, key=vals.get)}"
    for name in best["candidates"]:
        if name != "convnet":
            r = read_json(folder / f"arq_{name}_seed0.json")
            check_result_schema(r)
            # só o vencedor é testado, e só depois da escolha
            assert (r["test_acc"] is not None) == (f"arq_{name}" == best["experiment"])
    summary = read_json(folder / "summary.json")
    assert "inicial" in summary and best["experiment"] in summary
    for key, s in summary.items():
        if not key.startswith("_"):
            assert s["n"] == 3 and s["seeds"] == [0, 1, 2] and s["test_std"] >= 0
    for c in summary["_comparisons"]:  # cada comparação pareada, com o intervalo e o veredito
        low, high = c["ci95"]
        assert c["seeds"] == [0, 1, 2] and low <= c["mean_diff"] <= high
        assert c["verdict"] == ("não dá para afirmar" if low <= 0 <= high else f"{c['b' if low > 0 else 'a']} é melhor")
    lr_range = read_json(folder / "lr_range.json")
    for curve in (lr_range[k] for k in lr_range if k != "identity"):
        assert len(curve["lr"]) == len(curve["loss"]) >= 5 and curve["lr"] == sorted(curve["lr"])
    q6 = read_json(folder / "q6.json")
    modes = q6["modes"]
    assert q6["eval_mode_repeatable"] and modes["grad"]["keeps_graph"] and q6["train_mode_changes_bn_running_stats"]
    assert not modes["no_grad"]["keeps_graph"] and not modes["inference_mode"]["keeps_graph"]
    # com o autograd, algo é guardado para o backward; sem ele, nada
    assert modes["grad"]["saved_mib"] > 0 and modes["no_grad"]["saved_mib"] == modes["inference_mode"]["saved_mib"] == 0
    assert (tmp / "models" / "mnist_best.pt").exists()
    for name in ("arquiteturas", "sementes", "confusao", "previsoes", "vencedor"):
        assert (tmp / "figures" / f"mnist_{name}.png").exists()


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_mnist_rerun_resumes_without_training(mnist_smoke):
    tmp, _ = mnist_smoke
    # nada muda: nem os resultados, nem a medida da questão 6, nem as figuras, nem os pesos
    before = snapshot(tmp)
    nb = run_notebook(NOTEBOOKS["mnist"], tmp.parent / "again.ipynb", tmp.parent)
    text = outputs_text(nb)
    assert "treinando" not in text and text.count("sem treinar de novo") >= 7 + 7 + 2 * 2
    assert "[q6] medida carregada" in text and "[lr_range] medida carregada" in text and "não foi regravado" in text
    after = snapshot(tmp)
    assert after.keys() == before.keys() and [k for k in before if after[k] != before[k]] == []


@pytest.mark.parametrize("key,param,message", [
    ("mnist", {"EPOCH_SCALE": -1}, "EPOCH_SCALE deve ser"), ("fashion", {"SEED": -1}, "SEED deve ser"),
    ("mnist", {"SUBSET": 1}, "SUBSET deve ser"), ("fashion", {"SUBST": 2000}, "desconhecido.*SUBST")])
def test_bad_parameter_stops_with_a_clear_message(tmp_path, key, param, message):
    with pytest.raises(papermill.PapermillExecutionError, match=message):
        run_notebook(NOTEBOOKS[key], tmp_path / "bad.ipynb", tmp_path, **param)
    assert [p.name for p in tmp_path.iterdir()] == ["bad.ipynb"]  # nada criado antes do erro


# ------------------------------------------------------------------ Fashion-MNIST (questão 7)

FASHION_EXPERIMENTS = ["inicial", "mod1_lr_baixo", "mod2_scheduler", "mod3_sgd_scheduler", "mod4_treino_17pct",
                       "transferencia"]


@pytest.fixture(scope="module")
def fashion_smoke(tmp_path_factory):
    if not (ROOT / "data" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.fail("faltam os dados: rode `python scripts/get_data.py` antes dos testes")
    cwd = tmp_path_factory.mktemp("fashion")
    # como no Colab com o Drive: DRIVE_DIR recebe tudo (numa reduzida, o rascunho de lá)
    nb = run_notebook(NOTEBOOKS["fashion"], cwd / "out.ipynb", cwd, DRIVE_DIR=str(cwd / "drive"))
    assert sorted(p.name for p in cwd.iterdir()) == ["drive", "out.ipynb"]
    return check_only_scratch_written(cwd / "drive", "fashion"), nb


def check_fashion_choice(folder, previous_winners=()) -> dict:
    """A escolha do vencedor e do TTA lê só a validação; summary e analysis concordam com ela.

    `previous_winners`: vencedores de versões anteriores da busca, que já viram o teste (ver render.py)."""
    best = read_json(folder / "best.json")
    vals = {name: c["val_acc_final"] for name, c in best["candidates"].items()}
    assert len(vals) >= 5 and {"transferencia", "vgg5", "vgg5_aug"} <= vals.keys()
    assert best["experiment"] == best["candidates"][max(vals, key=vals.get)]["experiment"]
    assert best["tta"] == (best["val_acc_tta"] > best["val_acc_plain"])
    # o segundo colocado: a maior validação entre os outros (num empate, nunca o próprio vencedor)
    first, second = best["experiment"], best["runner_up"]
    others = {c["experiment"]: c["val_acc_final"] for c in best["candidates"].values() if c["experiment"] != first}
    assert second in others and others[second] == max(others.values())
    for c in best["candidates"].values():
        r = read_json(folder / f"{c['experiment']}_seed0.json")
        check_result_schema(r)
        assert r["dataset"] == "Fashion-MNIST" and r["history"][-1]["val_acc"] == c["val_acc_final"]
        if c["experiment"].startswith("arq_"):  # candidatos novos: só os dois primeiros veem o teste, depois da escolha
            assert (r["test_acc"] is not None) == (c["experiment"] in (first, second, *previous_winners))
    summary = read_json(folder / "summary.json")
    # o segundo colocado também tem sementes, e a comparação pareada com o vencedor está gravada
    assert summary[second]["n"] >= 3 and (second, first) in {(c["a"], c["b"]) for c in summary["_comparisons"]}
    final = summary["_meta"]["final"]
    assert final == best["experiment"] + ("+tta" if best["tta"] else "")
    for name in ("inicial", best["experiment"], final):
        s = summary[name]
        assert s["n"] >= 3 and s["seeds"][:3] == [0, 1, 2] and len(s["test_accs"]) == s["n"]
        assert s["test_mean"] == pytest.approx(sum(s["test_accs"]) / s["n"])
    assert summary[final]["test_accs"][0] == pytest.approx(best["test_acc"])
    assert summary["_meta"]["goal_met"] == (summary[final]["test_mean"] >= summary["_meta"]["goal"])
    analysis = read_json(folder / "analysis.json")
    assert analysis["model"] == final and len(analysis["per_class_acc"]) == 10
    assert analysis["test_acc"] == pytest.approx(best["test_acc"])
    errors = [p["errors"] for p in analysis["confused_pairs"]]
    assert errors == sorted(errors, reverse=True) and all(p["a_as_b"] + p["b_as_a"] == p["errors"]
                                                          for p in analysis["confused_pairs"])
    return best


def test_fashion_smoke_run(fashion_smoke):
    tmp, nb = fashion_smoke
    text = outputs_text(nb)
    assert "ERRO" not in text
    assert "Divisão completa: {'train': 49800, 'valid': 10200, 'test': 10000}" in text
    assert "Camiseta/top" in text and "Bota de cano curto" in text
    folder = tmp / "results" / "fashion"
    for name in FASHION_EXPERIMENTS:
        r = read_json(folder / f"{name}_seed0.json")
        check_result_schema(r)
        assert r["experiment"] == name and r["dataset"] == "Fashion-MNIST" and r["seed"] == 0
        n_train = 1000 if name == "mod4_treino_17pct" else 2000  # o mod4 treina com tantas quanto a validação
        assert (r["n_train"], r["n_valid"], r["n_test"]) == (n_train, 1000, 1000)
    assert read_json(folder / "inicial_seed0.json")["test_acc"] > 40
    check_fashion_choice(folder)
    assert (tmp / "models" / "fashion_best.pt").exists()
    figures = {p.name for p in (tmp / "figures").glob("*.png")}
    expected = {f"fashion_{n}.png" for n in FASHION_EXPERIMENTS + [
        "exemplos", "comparacao_validacao", "aumento", "arquiteturas", "vencedor", "sementes", "previsoes",
        "mod3_escolha_lr", "mod4_vs_mod2",
        "confusao", "erro_por_classe", "erros"]}
    assert expected <= figures and any("confus" in f for f in figures)


def test_fashion_rerun_resumes_without_training(fashion_smoke):
    tmp, _ = fashion_smoke
    before = snapshot(tmp)
    nb = run_notebook(NOTEBOOKS["fashion"], tmp.parent.parent / "again.ipynb", tmp.parent.parent,
                      DRIVE_DIR=str(tmp.parent))
    text = outputs_text(nb)
    assert "treinando" not in text and text.count("sem treinar de novo") >= 8 + 2
    after = snapshot(tmp)
    assert after.keys() == before.keys() and [k for k in before if after[k] != before[k]] == []


# ------------------------------------------------------------------ o que está commitado

MOJIBAKE = re.compile("\u221a[\u00a3\u00b0\u00a9\u2260\u2265\u00a2\u222b\u00df]|\u00c3[\u00a3\u00a7\u00a9\u00a1\u00b3\u00ba\u00aa]|\u00e2\u20ac")  # noqa: E501


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS.values() if p.exists()], ids=lambda p: p.name)
def test_committed_notebook_is_executed_and_clean(path):
    assert path.stat().st_size < 5 * 2**20
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code if "".join(c["source"]).strip()), "célula não executada"
    assert not [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]


@pytest.mark.parametrize("path", list(NOTEBOOKS.values()), ids=lambda p: p.name)
def test_notebook_reads_as_a_lesson(path):
    """Células curtas; a primeira célula de código é a preparação (Colab ou local); a infraestrutura
    fica recolhida no Colab (formulário) e no Jupyter (metadado)."""
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    first = "".join(code[0]["source"])
    assert "setup" in tags_of(code[0]) and first.startswith("# @title") and "IN_COLAB" in first
    long = [(i, n) for i, c in enumerate(code) if (n := len("".join(c["source"]).splitlines())) > 45
            and "infra" not in tags_of(c)]
    assert not long, f"células de código longas demais (índice, linhas): {long}"
    infra = [c for c in code if "infra" in tags_of(c)]
    assert len(infra) == 1 and "".join(infra[0]["source"]).startswith("# @title")
    assert infra[0]["metadata"].get("cellView") == "form" and infra[0]["metadata"]["jupyter"]["source_hidden"]
    # entre duas células de código há texto que diz o que olhar, salvo em poucos pares
    kinds = [c["cell_type"] for c in cells(path)]
    runs = sum(1 for a, b in zip(kinds, kinds[1:], strict=False) if a == b == "code")
    assert runs <= len(code) // 3


@pytest.mark.parametrize("tag", SHARED_TAGS)
def test_shared_cells_are_identical_in_both_notebooks(tag):
    sources = {name: [c["source"] for c in cells(p) if tag in tags_of(c)] for name, p in NOTEBOOKS.items()}
    assert all(sources.values()), f"a etiqueta {tag!r} falta em algum notebook"
    assert sources["mnist"] == sources["fashion"], f"as células {tag!r} diferem entre os notebooks"


def test_no_broken_accents():
    files = [*ROOT.glob("*.md"), *ROOT.glob("*.ipynb"), *ROOT.glob("scripts/*.py"), *ROOT.glob("tests/*.py")]
    bad = [f.name for f in files if MOJIBAKE.search(f.read_text(encoding="utf-8"))]
    assert not bad


def test_committed_fashion_results():
    folder = ROOT / "results" / "fashion"
    sys.path.insert(0, str(ROOT / "scripts"))
    import render

    # os vencedores das versões anteriores da busca viram o teste (e o respostas.md diz isso)
    best = check_fashion_choice(folder, [old for old, _, _ in render.PREVIOUS_WINNERS["fashion"]])
    for name in FASHION_EXPERIMENTS:
        r = read_json(folder / f"{name}_seed0.json")
        n_train = 10_200 if name == "mod4_treino_17pct" else 49_800
        assert (r["n_train"], r["n_valid"], r["n_test"]) == (n_train, 10_200, 10_000)
    selection = read_json(folder / "mod3_sgd_scheduler_seed0.json")["selection"]  # a taxa do SGD, escolhida aqui
    assert float(max(selection["candidates"], key=selection["candidates"].get)) == selection["chosen_lr"]
    inicial = read_json(folder / "inicial_seed0.json")
    assert 88 <= inicial["test_acc"] < 94  # o Fashion-MNIST é mais difícil que o MNIST com o mesmo código
    # a transferência é mesmo a ConvNet com BatchNorm e Dropout do MNIST, com a mesma receita
    mnist = read_json(ROOT / "results" / "mnist" / "arq_convnet_bn_dropout_seed0.json")["config"]
    transfer = read_json(folder / "transferencia_seed0.json")["config"]
    assert transfer == mnist
    assert best["test_acc"] > inicial["test_acc"]
    model = ROOT / "models" / "fashion_best.pt"
    assert model.exists() and model.stat().st_size <= 15 * 2**20
    assert (ROOT / "figures" / "fashion_confusao.png").exists()


@pytest.mark.parametrize("key", ["mnist", "fashion"])
def test_committed_results_carry_their_identity_and_the_winner_its_weights(key, mnist_ns):
    """Cada resultado commitado diz o que o produziu; os pesos commitados são os do vencedor (pelo hash)."""
    import torch

    folder = ROOT / "results" / key
    runs = {p.stem: read_json(p) for p in folder.glob("*_seed*.json")}
    dataset = {"mnist": "MNIST", "fashion": "FashionMNIST"}[key]
    for name, r in runs.items():
        ident = r["identity"]
        assert r["schema"] == 2 and ident["config"] == r["config"] and ident["seed"] == r["seed"], name
        assert ident["dataset"] == dataset and ident["split"]["seed"] == 0 and ident["split"]["subset"] == 0, name
        assert ident["sizes"] == {"train": r["n_train"], "valid": r["n_valid"], "test": r["n_test"]}, name
        assert set(r["config"]["optimizer_options"]) and "scheduler_options" in r["config"], name
    best = read_json(folder / "best.json")
    winner = runs[f"{best['experiment']}_seed0"]
    state = torch.load(ROOT / "models" / f"{key}_best.pt", map_location="cpu")
    assert mnist_ns["state_sha256"](state) == winner["weights_sha256"]
    assert best["config"] == winner["config"]


def test_committed_mnist_results():
    folder = ROOT / "results" / "mnist"
    results = {name: read_json(folder / f"{name}_seed0.json")
               for name in MNIST_EXPERIMENTS}
    for r in results.values():
        check_result_schema(r)
        assert (r["n_train"], r["n_valid"], r["n_test"]) in {(49_800, 10_200, 10_000), (10_200, 10_200, 10_000)}
    assert results["inicial"]["test_acc"] >= 98.6
    assert results["mod2_scheduler"]["test_acc"] >= 99.0
    assert results["mod4_treino_17pct"]["n_train"] == 10_200
    best = read_json(folder / "best.json")
    vals = {name: c["val_acc_final"] for name, c in best["candidates"].items()}
    for c in best["candidates"].values():  # a escolha se refaz a partir dos arquivos de cada treino
        assert read_json(folder / f"{c['experiment']}_seed0.json")["history"][-1]["val_acc"] == c["val_acc_final"]
    assert best["experiment"] == f"arq_{max(vals, key=vals.get)}" and best["test_acc"] > 99
    summary = read_json(folder / "summary.json")
    assert all(s["n"] >= 3 for k, s in summary.items() if not k.startswith("_")) and best["experiment"] in summary
    assert {(c["a"], c["b"]) for c in summary["_comparisons"]} >= {(best["baseline"], best["experiment"])}
    model = ROOT / "models" / "mnist_best.pt"
    assert model.exists() and model.stat().st_size <= 15 * 2**20


# ------------------------------------------------------------------ make notebooks: nunca pela metade


def tiny_notebook(path, code):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in code]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path.read_bytes()


def test_a_failed_execution_leaves_the_notebook_intact(tmp_path):
    import subprocess
    import sys

    script = ROOT / "scripts" / "run_notebook.py"
    bad = tmp_path / "ruim.ipynb"
    before = tiny_notebook(bad, ["x = 1", "raise RuntimeError('quebrou no meio')", "y = 2"])
    proc = subprocess.run([sys.executable, str(script), str(bad)], capture_output=True, text=True)
    assert proc.returncode == 1 and "ficou como estava" in proc.stderr
    assert bad.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["ruim.ipynb"]
    good = tmp_path / "bom.ipynb"
    tiny_notebook(good, ["print('olá')"])
    proc = subprocess.run([sys.executable, str(script), str(good)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "olá" in outputs_text(read_json(good)) and not list(tmp_path.glob(".tmp-*"))


def test_colab_badges_come_from_the_github_remote(tmp_path):
    import shutil
    import subprocess
    import sys

    for name in ("README.md", *[p.name for p in NOTEBOOKS.values()]):
        shutil.copy(ROOT / name, tmp_path / name)
    script = [sys.executable, str(ROOT / "scripts" / "colab_badges.py"), "--root", str(tmp_path)]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    before = (tmp_path / "README.md").read_text(encoding="utf-8")
    out = subprocess.run(script, capture_output=True, text=True, check=True).stdout
    assert "não é do GitHub" in out and (tmp_path / "README.md").read_text(encoding="utf-8") == before
    subprocess.run(["git", "remote", "add", "origin", "git@github.com:fulano/cnn-mnist.git"], cwd=tmp_path, check=True)
    subprocess.run(script, capture_output=True, text=True, check=True)
    url = "https://colab.research.google.com/github/fulano/cnn-mnist/blob/main/fashion_mnist.ipynb"
    assert url in (tmp_path / "README.md").read_text(encoding="utf-8")
    head = "".join(cells(tmp_path / "fashion_mnist.ipynb")[0]["source"])
    assert url in head and "Para abrir no Colab" not in head
    assert "USUARIO" not in before  # nenhum selo de mentira no README commitado


def test_device_checks_repeat_a_committed_run_exactly():
    """Uma checagem de máquina (results/<conjunto>/device_check/) é o mesmo treino de um resultado commitado:
    mesma identidade (dados, divisão, configuração, semente, código), só noutra máquina."""
    checks = sorted((ROOT / "results").glob("*/device_check/*.json"))
    for path in checks:
        check = read_json(path)
        original = read_json(path.parent.parent / path.name)
        check_result_schema(check)
        assert check["identity"] == original["identity"], path
        assert check["device_name"] != original["device_name"], path
