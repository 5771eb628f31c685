"""O notebook roda de ponta a ponta numa configuração pequena (papermill), e retoma sem treinar."""

import json
import re
from pathlib import Path

import pytest
from conftest import NOTEBOOKS, ROOT, cells

papermill = pytest.importorskip("papermill")

HISTORY_KEYS = {"epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}
RESULT_KEYS = {"experiment", "seed", "dataset", "config", "n_train", "n_valid", "n_test", "params", "device",
               "torch", "history", "test_loss", "test_acc", "seconds"}
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


def run_notebook(path, out, tmp, **params):
    params = {"SUBSET": 2000, "EPOCH_SCALE": 0.1, "RESULTS_DIR": str(tmp / "results"),
              "FIGURES_DIR": str(tmp / "figures"), "DATA_DIR": str(ROOT / "data"),
              "CHECKPOINTS_DIR": str(tmp / "checkpoints"), "MODELS_DIR": str(tmp / "models"), **params}
    papermill.execute_notebook(str(path), str(out), parameters=params, cwd=str(ROOT), progress_bar=False,
                               kernel_name="python3")
    return read_json(out)


@pytest.fixture(scope="module")
def mnist_smoke(tmp_path_factory):
    if not (ROOT / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.fail("faltam os dados: rode `python scripts/get_data.py` antes dos testes")
    tmp = tmp_path_factory.mktemp("mnist")
    nb = run_notebook(NOTEBOOKS["mnist"], tmp / "out.ipynb", tmp)
    return tmp, nb


def test_mnist_smoke_run(mnist_smoke):
    tmp, nb = mnist_smoke
    text = outputs_text(nb)
    assert "ERRO" not in text
    assert "Divisão completa: {'train': 49800, 'valid': 10200, 'test': 10000}" in text
    results = {p.stem: read_json(p) for p in (tmp / "results").glob("*.json")}
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
    for name in MNIST_EXPERIMENTS + ["comparacao_validacao", "mod4_vs_mod2"]:
        assert f"mnist_{name}.png" in figures
    assert all((tmp / "figures" / f).stat().st_size > 10_000 for f in figures)


def test_mnist_smoke_architecture_search_noise_and_q6(mnist_smoke):
    tmp, _ = mnist_smoke
    folder = tmp / "results"
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
    for s in summary.values():
        assert s["n"] == 3 and s["seeds"] == [0, 1, 2] and s["test_std"] >= 0
    q6 = read_json(folder / "q6.json")
    assert q6["eval_mode_repeatable"] and q6["grad_keeps_graph"] and not q6["inference_keeps_graph"]
    assert q6["train_mode_changes_bn_running_stats"] and q6["grad_saved_tensors_mb"] > 0
    assert (tmp / "models" / "mnist_best.pt").exists()
    for name in ("arquiteturas", "sementes", "confusao", "previsoes", "vencedor"):
        assert (tmp / "figures" / f"mnist_{name}.png").exists()


def test_mnist_rerun_resumes_without_training(mnist_smoke):
    tmp, _ = mnist_smoke
    # q6.json guarda medidas de tempo, refeitas a cada execução; os treinos não podem mudar
    before = {p.name: p.read_bytes() for p in (tmp / "results").glob("*.json") if p.name != "q6.json"}
    nb = run_notebook(NOTEBOOKS["mnist"], tmp / "again.ipynb", tmp)
    text = outputs_text(nb)
    assert "treinando" not in text and text.count("sem treinar de novo") >= 7 + 7 + 2 * 2
    assert {p.name: p.read_bytes() for p in (tmp / "results").glob("*.json") if p.name != "q6.json"} == before


@pytest.mark.parametrize("key", ["mnist", "fashion"])
def test_bad_parameter_stops_with_a_clear_message(tmp_path, key):
    with pytest.raises(papermill.PapermillExecutionError, match="EPOCH_SCALE"):
        run_notebook(NOTEBOOKS[key], tmp_path / "bad.ipynb", tmp_path, EPOCH_SCALE=-1)
    assert not (tmp_path / "results").exists() or not list((tmp_path / "results").iterdir())


# ------------------------------------------------------------------ Fashion-MNIST (questão 7)

FASHION_EXPERIMENTS = ["inicial", "mod1_lr_baixo", "mod2_scheduler", "mod3_sgd_scheduler", "transferencia"]


@pytest.fixture(scope="module")
def fashion_smoke(tmp_path_factory):
    if not (ROOT / "data" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.fail("faltam os dados: rode `python scripts/get_data.py` antes dos testes")
    tmp = tmp_path_factory.mktemp("fashion")
    nb = run_notebook(NOTEBOOKS["fashion"], tmp / "out.ipynb", tmp)
    return tmp, nb


def check_fashion_choice(folder) -> dict:
    """A escolha do vencedor e do TTA lê só a validação; summary e analysis concordam com ela."""
    best = read_json(folder / "best.json")
    vals = {name: c["val_acc_final"] for name, c in best["candidates"].items()}
    assert len(vals) >= 5 and {"transferencia", "vgg5", "vgg5_aug"} <= vals.keys()
    assert best["experiment"] == best["candidates"][max(vals, key=vals.get)]["experiment"]
    assert best["tta"] == (best["val_acc_tta"] > best["val_acc_plain"])
    for c in best["candidates"].values():
        r = read_json(folder / f"{c['experiment']}_seed0.json")
        check_result_schema(r)
        assert r["dataset"] == "Fashion-MNIST" and r["history"][-1]["val_acc"] == c["val_acc_final"]
        if c["experiment"].startswith("arq_"):  # candidatos novos só veem o teste se vencerem
            assert (r["test_acc"] is not None) == (c["experiment"] == best["experiment"])
    summary = read_json(folder / "summary.json")
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
    folder = tmp / "results"
    for name in FASHION_EXPERIMENTS:
        r = read_json(folder / f"{name}_seed0.json")
        check_result_schema(r)
        assert r["experiment"] == name and r["dataset"] == "Fashion-MNIST" and r["seed"] == 0
        assert (r["n_train"], r["n_valid"], r["n_test"]) == (2000, 1000, 1000)
    assert read_json(folder / "inicial_seed0.json")["test_acc"] > 40
    check_fashion_choice(folder)
    assert (tmp / "models" / "fashion_best.pt").exists()
    figures = {p.name for p in (tmp / "figures").glob("*.png")}
    expected = {f"fashion_{n}.png" for n in FASHION_EXPERIMENTS + [
        "exemplos", "comparacao_validacao", "aumento", "arquiteturas", "vencedor", "sementes", "previsoes",
        "confusao", "erro_por_classe", "erros"]}
    assert expected <= figures and any("confus" in f for f in figures)


def test_fashion_rerun_resumes_without_training(fashion_smoke):
    tmp, _ = fashion_smoke
    before = {p.name: p.read_bytes() for p in (tmp / "results").glob("*.json")}
    nb = run_notebook(NOTEBOOKS["fashion"], tmp / "again.ipynb", tmp)
    text = outputs_text(nb)
    assert "treinando" not in text and text.count("sem treinar de novo") >= 8 + 2
    assert {p.name: p.read_bytes() for p in (tmp / "results").glob("*.json")} == before


# ------------------------------------------------------------------ o que está commitado

MOJIBAKE = re.compile("\u221a[\u00a3\u00b0\u00a9\u2260\u2265\u00a2\u222b\u00df]|\u00c3[\u00a3\u00a7\u00a9\u00a1\u00b3\u00ba\u00aa]|\u00e2\u20ac")  # noqa: E501


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS.values() if p.exists()], ids=lambda p: p.name)
def test_committed_notebook_is_executed_and_clean(path):
    assert path.stat().st_size < 5 * 2**20
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code if "".join(c["source"]).strip()), "célula não executada"
    assert not [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
    tags = [t for c in cells(path) for t in c.get("metadata", {}).get("tags", [])]
    assert "parameters" in tags and "helpers" in tags


def test_helper_cells_are_identical_in_both_notebooks():
    present = [p for p in NOTEBOOKS.values() if p.exists()]
    sources = {p.name: [c["source"] for c in cells(p) if "helpers" in c.get("metadata", {}).get("tags", [])]
               for p in present}
    assert all(len(s) == 1 for s in sources.values())
    assert len({"".join(s[0]) for s in sources.values()}) == 1


def test_no_broken_accents():
    files = [*ROOT.glob("*.md"), *ROOT.glob("*.ipynb"), *ROOT.glob("scripts/*.py"), *ROOT.glob("tests/*.py")]
    bad = [f.name for f in files if MOJIBAKE.search(f.read_text(encoding="utf-8"))]
    assert not bad


def test_committed_fashion_results():
    folder = ROOT / "results" / "fashion"
    best = check_fashion_choice(folder)
    for name in FASHION_EXPERIMENTS:
        r = read_json(folder / f"{name}_seed0.json")
        assert (r["n_train"], r["n_valid"], r["n_test"]) == (49_800, 10_200, 10_000)
    inicial = read_json(folder / "inicial_seed0.json")
    assert 88 <= inicial["test_acc"] < 94  # o Fashion-MNIST é mais difícil que o MNIST com o mesmo código
    # a transferência é mesmo a receita vencedora do MNIST
    mnist = read_json(ROOT / "results" / "mnist" / "best.json")["config"]
    transfer = read_json(folder / "transferencia_seed0.json")["config"]
    assert transfer == mnist
    assert best["test_acc"] > inicial["test_acc"]
    model = ROOT / "models" / "fashion_best.pt"
    assert model.exists() and model.stat().st_size <= 15 * 2**20
    assert (ROOT / "figures" / "fashion_confusao.png").exists()


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
    assert best["experiment"] == f"arq_{max(vals, key=vals.get)}" and best["test_acc"] > 99
    summary = read_json(folder / "summary.json")
    assert all(s["n"] >= 3 for s in summary.values()) and best["experiment"] in summary
    model = ROOT / "models" / "mnist_best.pt"
    assert model.exists() and model.stat().st_size <= 15 * 2**20
