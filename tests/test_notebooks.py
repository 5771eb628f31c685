"""O notebook roda de ponta a ponta numa configuração pequena (papermill), e retoma sem treinar; o que está
commitado em results/ e models/ é o que o notebook, com o seu código, produziria."""

import functools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from common import tta_file
from conftest import NOTEBOOKS, ROOT, cells, notebook_configs, notebook_constants
from nbcells import SHARED_TAGS, tags_of

papermill = pytest.importorskip("papermill")

HISTORY_KEYS = {"epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}
RESULT_KEYS = {"identity", "experiment", "seed", "dataset", "config", "n_train", "n_valid", "n_test", "params",
               "device", "device_name", "torch", "history", "test_loss", "test_acc", "seconds", "weights_sha256"}
DATASETS = {"mnist": ("MNIST", "MNIST"), "fashion": ("FashionMNIST", "Fashion-MNIST")}  # (identidade, título)
N_SEEDS = notebook_constants(NOTEBOOKS["mnist"], "parameters")["N_SEEDS"]
NOTEBOOK_FILES = ("mnist_cnn.ipynb", "fashion_mnist.ipynb")
SUBSET, SCALE = 300, 0.05  # as reduzidas: 300 imagens de treino, 150 de validação e 150 de teste, 1 ou 2 épocas
Q4_NAMES = ["inicial", "mod1_lr_baixo", "adam_constante", "mod2_scheduler", "sgd_constante", "mod3_sgd_scheduler"]


@functools.cache
def design(n_seeds: int = N_SEEDS) -> dict:
    """A questão 4 da célula compartilhada `q4-runs`: o quadro, as comparações fixas e as sementes de cada receita."""
    q4 = notebook_constants(NOTEBOOKS["mnist"], "q4-runs")
    assert set(q4["Q4_GRID"].values()) <= set(Q4_NAMES)
    return {"grid": q4["Q4_GRID"], "effects": q4["Q4_EFFECTS"], "seeds": {n: list(range(n_seeds)) for n in Q4_NAMES}}


def seeds_in(folder) -> int:
    """Quantas sementes a execução gravada em `folder` usou (N_SEEDS): as da receita inicial."""
    return len(list(Path(folder).glob("inicial_seed*.json")))
OTHERS = {"mnist": ["mod4_treino_17pct", "rapida"],
          "fashion": ["mod4_treino_17pct", "receita_mnist", "controle_convnet"]}


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


# os vencedores de versões anteriores da busca, que viram o teste antes de as listas de candidatos serem
# congeladas: os de results/test_looks.json (o respostas.md os cita em "O que o teste influenciou")
SAW_THE_TEST_EARLIER = {key: {look["winner"] for look in looks}
                        for key, looks in read_json(ROOT / "results" / "test_looks.json").items() if key in NOTEBOOKS}


def check_result_schema(r: dict) -> None:
    assert RESULT_KEYS <= r.keys(), RESULT_KEYS - r.keys()
    assert len(r["history"]) == r["config"]["epochs"]
    for i, h in enumerate(r["history"], start=1):
        assert h.keys() >= HISTORY_KEYS and h["epoch"] == i
        assert 0 <= h["train_acc"] <= 100 and 0 <= h["val_acc"] <= 100 and h["seconds"] > 0 and h["lr"] > 0
    assert r["params"] > 0 and r["seconds"] > 0
    # o hash dos pesos (alguns resultados antigos, nunca pedidos com o modelo, não o têm)
    assert r["weights_sha256"] is None or re.fullmatch("[0-9a-f]{64}", r["weights_sha256"])
    if r["test_acc"] is not None or not r["experiment"].startswith(("arq_", "controle_")):  # candidatos e controles
        # não veem o teste
        assert 0 <= r["test_acc"] <= 100 and r["test_loss"] > 0


def split_stem(stem: str) -> tuple[str, int]:
    name, seed = stem.rsplit("_seed", 1)
    return name, int(seed)


def check_runs(folder, key, ns, scale=1.0) -> dict:
    """Cada treino gravado em `folder` diz o que o produziu (a identidade); todos os que o notebook pede com
    EPOCH_SCALE = `scale` estão lá, com a configuração que ele pede. Devolve os treinos, pelo nome do arquivo."""
    runs = {p.stem: read_json(p) for p in folder.glob("*_seed*.json")}
    for stem, r in runs.items():
        name, seed = split_stem(stem)
        check_result_schema(r)
        ident = r["identity"]
        assert r["experiment"] == name and r["seed"] == seed == ident["seed"], stem
        assert ident["config"] == r["config"] and ident["code"] and r["dataset"] == DATASETS[key][1], stem
        assert isinstance(r["device_name"], str) and r["device_name"], stem  # cada treino diz onde rodou
    # os mesmos dados em todos os treinos (a mesma divisão), menos o do treino cortado, que tem outro treino
    same = [json.dumps(r["identity"]["data"]) for stem, r in runs.items() if not stem.startswith("mod4")]
    assert len(set(same)) <= 1, f"{folder}: treinos com dados diferentes"
    configs, choices = notebook_configs(NOTEBOOKS[key], ns, scale)
    for name, candidates in choices.items():  # as taxas do SGD: a escolha se refaz pela validação das candidatas
        files = {lr: runs[f"{name}_lr{lr:g}_seed0"] for lr in candidates}
        chosen = ns["choose_best"]({lr: [r] for lr, r in files.items()})
        configs[name] = candidates[chosen]
        copy = dict(runs[f"{name}_seed0"])  # a cópia da candidata escolhida, com a escolha dentro
        selection = copy.pop("selection")
        assert selection["chosen_lr"] == chosen and copy == {**files[chosen], "experiment": name}
        assert selection["candidates"] == {f"{lr:g}": r["history"][-1]["val_acc"] for lr, r in files.items()}
    seeds = design(seeds_in(folder))["seeds"]  # as sementes de cada receita (as outras: só a 0)
    missing = sorted({f"{name}_seed{s}" for name in configs for s in seeds.get(name, [0])} - runs.keys())
    assert not missing, f"faltam em {folder}: {missing}"
    for stem, r in runs.items():
        name = split_stem(stem)[0]
        assert name not in configs or r["config"] == configs[name], f"{stem}: não é a receita do notebook"
    return runs


def json_text(obj) -> str:
    return json.dumps(obj, sort_keys=True)  # NaN e infinito também se comparam (NaN != NaN)


def check_choice_and_summary(folder, key, ns, saw_test_earlier=()) -> dict:
    """best.json e summary.json: a escolha lê só a validação, cada resumo é o das sementes gravadas, e cada
    comparação é a que `paired` e `comparison_text` do notebook dão a partir dele."""
    runs = {p.stem: read_json(p) for p in folder.glob("*_seed*.json")}
    best, summary = read_json(folder / "best.json"), read_json(folder / "summary.json")
    meta = summary["_meta"]
    assert sorted(meta) == ["final", "q4"], f"{folder}/summary.json é de antes da reestruturação: reexecute o notebook"
    cands = best["candidates"]  # pelo nome do experimento
    for name, c in cands.items():
        r = runs[f"{name}_seed0"]
        assert c["experiment"] == name and c["params"] == r["params"], name
        assert c["val_acc_final"] == r["history"][-1]["val_acc"], name
        assert c["val_acc_best"] == max(h["val_acc"] for h in r["history"]), name
    vals = {name: c["val_acc_final"] for name, c in cands.items()}
    winner = best["experiment"]
    assert winner == max(vals, key=vals.get) and best["config"] == runs[f"{winner}_seed0"]["config"]
    assert best["arch"] == best["config"]["arch"]
    # a receita da questão 4 que a validação escolhe, na média das sementes (a regra do notebook, choose_best)
    q4_seeds = design(seeds_in(folder))["seeds"]
    best_q4 = ns["choose_best"]({n: [runs[f"{n}_seed{s}"] for s in seeds] for n, seeds in q4_seeds.items()})
    assert meta["q4"] == best_q4 and best_q4 in cands
    if key == "mnist":
        assert best["baseline"] == best_q4 and all(n.startswith("arq_") for n in cands if n != best_q4)
        final, tested, arch_pairs = winner, {winner}, [(best_q4, winner)]
    else:
        assert {"receita_mnist", "arq_vgg5", "arq_vgg5_aug"} <= cands.keys()
        assert best["tta"] == (best["val_acc_tta"] > best["val_acc_plain"])
        assert best["val_acc_plain"] == pytest.approx(vals[winner], abs=0.02)  # reavaliado, talvez noutra máquina
        assert best["test_acc_plain"] == runs[f"{winner}_seed0"]["test_acc"]
        final = winner + ("+tta" if best["tta"] else "")
        pairs = ((winner, final), (best_q4, final))  # o TTA, e a rede final contra a da questão 4
        tested, arch_pairs = {winner}, [(a, b) for a, b in dict.fromkeys(pairs) if a != b]
        arch_pairs += [("inicial", final)] if final != "inicial" else []  # o pacote inteiro, 'tudo junto'
    assert meta["final"] == final
    for name in cands:  # os candidatos novos só veem o teste depois da escolha, e só os escolhidos
        if name.startswith("arq_"):
            assert (runs[f"{name}_seed0"]["test_acc"] is not None) == (name in tested | set(saw_test_earlier)), name
    names = [k for k in summary if not k.startswith("_")]
    n_seeds = seeds_in(folder)
    assert set(names) == {*q4_seeds, *tested, final}
    for name in names:
        s = summary[name]  # as receitas da questão 4 com as sementes da célula q4-runs; o vencedor com N_SEEDS
        seeds = q4_seeds[name] if name in q4_seeds and name not in tested else list(range(n_seeds))
        assert s["seeds"] == seeds and s["n_test"] == runs["inicial_seed0"]["n_test"], name
        files = [runs[f"{name.removesuffix('+tta')}_seed{i}"] for i in s["seeds"]]
        if name.endswith("+tta"):  # a semente 0 medida agora, as outras guardadas em tta_*_semente*.json
            tta = [read_json(tta_file(folder, r)) for r in files[1:]]
            assert s["devices"] == [r["device_name"] for r in files] and s["config"] == files[0]["config"], name
            assert s["test_accs"] == [best["test_acc"]] + [m["test_acc_tta"] for m in tta]
            assert s["val_accs"] == [best["val_acc_tta"]] + [m["val_acc_tta"] for m in tta]
            assert s["test_losses"] == [None] * s["n"]  # a perda com TTA não é medida: null no JSON
            assert s["test_mean"] == pytest.approx(np.mean(s["test_accs"])), name
        else:  # o resumo que seed_summary dá dos arquivos de cada semente
            assert json_text(s) == json_text(ns["no_nan"](ns["seed_summary"](files))), name
    assert summary[final]["test_accs"][0] == pytest.approx(best["test_acc"])
    # no JSON, o que não se mediu é null; na memória do notebook, NaN
    plain = {name: {**summary[name], "test_losses": [np.nan if x is None else x for x in summary[name]["test_losses"]]}
             for name in names}
    comparisons = summary["_comparisons"]
    q4 = [c for c in comparisons if c["group"] == "q4"]
    arch = [c for c in comparisons if c["group"] == "arquitetura"]
    assert len(q4) + len(arch) == len(comparisons)
    # 'tudo junto' compara o inicial com a receita que a validação escolhe: depende dos resultados
    effects = {**design()["effects"], ("inicial", best_q4): "tudo junto"}
    assert [(c["a"], c["b"]) for c in q4] == list(effects) and [(c["a"], c["b"]) for c in arch] == arch_pairs
    for c in comparisons:
        extra = {"group": c["group"], **({"effect": c["effect"]} if c.get("effect") else {})}
        noise = best.get("tta_test_noise95") if c["b"] == c["a"] + "+tta" else None  # no TTA, o ruído exato
        expected = {**ns["paired"](plain, c["a"], c["b"], noise), **extra}
        assert json_text({k: v for k, v in c.items() if k != "text"}) == json_text(ns["no_nan"](expected)), c["b"]
        assert c["text"] == ns["comparison_text"](expected)
        assert len(c["diffs"]) == len(c["loss_diffs"]) == len(c["seeds"]) >= 1
    assert all(len(c["seeds"]) == n_seeds for c in q4)  # o quadro 2×2 compara receitas com todas as sementes
    return best


def run_notebook(path, out, cwd, **params):
    """Execução reduzida, com as pastas padrão: tudo vai para cwd/scratch (nunca para results/ etc.)."""
    params = {"SUBSET": SUBSET, "EPOCH_SCALE": SCALE, "DATA_DIR": str(ROOT / "data"), **params}
    papermill.execute_notebook(str(path), str(out), parameters=params, cwd=str(cwd), progress_bar=False,
                               kernel_name="python3")


def check_winner_weights(folder, models, key, ns):
    """models/<conjunto>_best.pt são os pesos do vencedor (pelo hash), lidos só como tensores."""
    import torch

    best = read_json(folder / "best.json")
    winner = read_json(folder / f"{best['experiment']}_seed0.json")
    state = torch.load(models / f"{key}_best.pt", map_location="cpu", weights_only=True)
    assert ns["state_sha256"](state) == winner["weights_sha256"]
    assert best["config"] == winner["config"]
    return best, winner, state


def check_figures(folder, names):
    """As figuras esperadas, não vazias; e figures/ commitada tem as mesmas do notebook, nenhuma órfã."""
    figures = {p.name: p.stat().st_size for p in folder.glob("*.png")}
    missing = sorted(set(names) - figures.keys())
    assert not missing, missing
    assert all(size > 10_000 for size in figures.values()), figures
    prefix = names[0].split("_")[0] + "_"
    made = {n for n in figures if n.startswith(prefix)}
    assert {p.name for p in (ROOT / "figures").glob(prefix + "*.png")} == made
    return figures


Q4_FIGURES = [*Q4_NAMES, "mod3_sgd_scheduler_escolha_lr", "sgd_constante_escolha_lr", "q4_quadro",
              "mod4_treino_17pct", "mod4_vs_mod2", "comparacao_validacao", "exemplos", "aumento", "arquiteturas",
              "vencedor", "sementes", "confusao"]


# ------------------------------------------------------------------ MNIST (questões 4 e 6)


def tracked_snapshot() -> dict:
    """Conteúdo e data de cada arquivo de results/, figures/ e models/ do repositório."""
    return {str(p.relative_to(ROOT)): (p.read_bytes(), p.stat().st_mtime_ns)
            for folder in ("results", "figures", "models") for p in sorted((ROOT / folder).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """A execução reduzida dos dois notebooks ao mesmo tempo (--parallel), com 2 sementes, feita por
    scripts/from_scratch.py numa pasta nova (com --save, que uma reduzida recusa): os mesmos kernels servem aos
    testes dos notebooks e aos do script."""
    import subprocess
    import sys

    if not (ROOT / "data" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.fail("faltam os dados: rode `python scripts/get_data.py` antes dos testes")
    out = tmp_path_factory.mktemp("smoke") / "nova"
    before = tracked_snapshot()
    cmd = [sys.executable, str(ROOT / "scripts" / "from_scratch.py"), "--out", str(out), "--parallel",
           "--subset", str(SUBSET), "--epoch-scale", str(SCALE), "-p", "N_SEEDS", "2", "--save"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    assert tracked_snapshot() == before  # nem o --save escreve em results/ numa execução reduzida
    assert proc.returncode == 1 and "--save" in proc.stderr, proc.stdout + proc.stderr
    # a reduzida grava só em scratch/: as pastas de results/, figures/ e models/ da pasta nova ficam vazias
    assert [p for name in ("results", "figures", "models") for p in (out / name).iterdir()] == []
    [report] = out.glob("from_scratch_*.json")
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "data", "results", "figures", "models", "scratch", *NOTEBOOK_FILES, *[f"{Path(n).stem}.log" for n in
                                                                              NOTEBOOK_FILES], report.name])
    return out / "scratch", read_json(report)


def test_from_scratch_reports_the_reduced_run(smoke):
    """scripts/from_scratch.py: o JSON diz a máquina, os tempos e cada treino, pareado com o commitado."""
    tmp, r = smoke
    assert r["device_name"] and r["torch"] and r["reduced"]
    assert r["parameters"] == {"SUBSET": SUBSET, "EPOCH_SCALE": SCALE, "N_SEEDS": 2}
    for name in NOTEBOOK_FILES:  # os dois kernels, partidos ao mesmo tempo, terminam
        nb = r["notebooks"][name]
        assert nb["status"] == "ok", (tmp.parent / f"{Path(name).stem}.log").read_text(encoding="utf-8")[-3000:]
        assert nb["wall_s"] > nb["train_seconds"] > 0
    assert sum(r["notebooks"][name]["n_runs"] for name in NOTEBOOK_FILES) == len(r["runs"]) >= 10
    assert all(row["seconds"] > 0 and row["device_name"] == r["device_name"] for row in r["runs"])
    paired = [row for row in r["runs"] if row.get("d_test_acc") is not None]
    assert paired and all(row["d_test_acc"] == row["test_acc"] - row["committed_test_acc"] for row in paired)
    assert not any(row["same_identity"] for row in paired)  # 300 imagens: outro treino que o commitado


def check_smoke_runs(folder, key, ns) -> dict:
    """Os treinos de uma execução reduzida (SUBSET=300, EPOCH_SCALE=0,05), com o hash dos pesos: 300 imagens de
    treino (o mod4, tantas quanto a validação) e 150 de validação e de teste."""
    runs = check_runs(folder, key, ns, scale=SCALE)
    for stem, r in runs.items():
        n_train = SUBSET // 2 if stem.startswith("mod4") else SUBSET
        assert r["weights_sha256"] and (r["n_train"], r["n_valid"], r["n_test"]) == (n_train, *[SUBSET // 2] * 2), stem
    return runs


def test_mnist_smoke_run(smoke, mnist_ns):
    tmp, _ = smoke
    runs = check_smoke_runs(tmp / "results" / "mnist", "mnist", mnist_ns)
    assert all(r["params"] == 3_199_106 for stem, r in runs.items() if not stem.startswith(("arq_", "rapida")))
    # acima do acaso (10%) mesmo com 300 imagens e 1 época
    assert runs["inicial_seed0"]["test_acc"] > 30 and runs["mod2_scheduler_seed0"]["history"][-1]["val_acc"] > 25
    check_figures(tmp / "figures", [f"mnist_{n}.png" for n in Q4_FIGURES + [
        "rapida", "agenda_lr", "lr_range"]])


def test_mnist_smoke_architecture_search_noise_and_q6(smoke, mnist_ns):
    tmp, _ = smoke
    folder = tmp / "results" / "mnist"
    best = check_choice_and_summary(folder, "mnist", mnist_ns)
    assert len(best["candidates"]) == 7  # a melhor receita da questão 4 e os seis candidatos da seção 7
    check_winner_weights(folder, tmp / "models", "mnist", mnist_ns)
    lr_range = read_json(folder / "lr_range.json")
    for curve in (lr_range[k] for k in lr_range if k != "identity"):
        assert len(curve["lr"]) == len(curve["loss"]) >= 5 and curve["lr"] == sorted(curve["lr"])
    q6 = read_json(folder / "q6.json")
    modes = q6["modes"]
    assert q6["model"] == best["experiment"] and q6["identity"]["weights_sha256"] == read_json(
        folder / f"{best['experiment']}_seed0.json")["weights_sha256"]
    assert q6["eval_mode_repeatable"] and modes["grad"]["keeps_graph"] and q6["train_mode_changes_bn_running_stats"]
    assert not modes["no_grad"]["keeps_graph"] and not modes["inference_mode"]["keeps_graph"]
    # com o autograd, algo é guardado para o backward; sem ele, nada
    assert modes["grad"]["saved_mib"] > 0 and modes["no_grad"]["saved_mib"] == modes["inference_mode"]["saved_mib"] == 0


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow  # um minuto a mais: fora do `make test` (rode com `pytest -m slow`)
def test_mnist_rerun_resumes_without_training(smoke):
    tmp, _ = smoke
    # nada muda: nem os resultados (um treino refeito teria outros tempos), nem a medida da questão 6, nem as
    # figuras, nem os pesos
    before = snapshot(tmp)
    run_notebook(NOTEBOOKS["mnist"], tmp.parent / "again.ipynb", tmp.parent, N_SEEDS=2)
    assert snapshot(tmp) == before


# ------------------------------------------------------------------ Fashion-MNIST (questão 7)


def check_analysis(folder, best):
    analysis = read_json(folder / "analysis.json")
    final = best["experiment"] + ("+tta" if best["tta"] else "")
    assert analysis["model"] == final and len(analysis["per_class_acc"]) == 10
    assert analysis["test_acc"] == pytest.approx(best["test_acc"])
    assert analysis["errors"] == round(analysis["n_test"] * (100 - analysis["test_acc"]) / 100)
    errors = [p["errors"] for p in analysis["confused_pairs"]]
    assert errors == sorted(errors, reverse=True) and all(p["a_as_b"] + p["b_as_a"] == p["errors"]
                                                          for p in analysis["confused_pairs"])


def test_fashion_smoke_run(smoke, fashion_ns):
    tmp, _ = smoke
    folder = tmp / "results" / "fashion"
    runs = check_smoke_runs(folder, "fashion", fashion_ns)
    assert runs["inicial_seed0"]["test_acc"] > 30
    best = check_choice_and_summary(folder, "fashion", fashion_ns)
    check_analysis(folder, best)
    check_winner_weights(folder, tmp / "models", "fashion", fashion_ns)
    check_figures(tmp / "figures", [f"fashion_{n}.png" for n in Q4_FIGURES + [
        "receita_mnist", "medias", "erro_por_classe", "erros", "previsoes"]])


# ------------------------------------------------------------------ o que está commitado


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS.values() if p.exists()], ids=lambda p: p.name)
def test_committed_notebook_is_executed_and_clean(path):
    assert path.stat().st_size < 5 * 2**20
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code if "".join(c["source"]).strip()), "célula não executada"
    assert not [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]


@pytest.mark.parametrize("tag", SHARED_TAGS)
def test_shared_cells_are_identical_in_both_notebooks(tag):
    sources = {name: [c["source"] for c in cells(p) if tag in tags_of(c)] for name, p in NOTEBOOKS.items()}
    assert all(sources.values()), f"a etiqueta {tag!r} falta em algum notebook"
    assert sources["mnist"] == sources["fashion"], f"as células {tag!r} diferem entre os notebooks"


def test_the_full_run_warning_counts_the_committed_trainings():
    """O aviso de uma execução completa sem GPU diz quantos treinos ela faria: os que results/ guarda."""
    full_run = notebook_constants(NOTEBOOKS["mnist"], "infra")["FULL_RUN"]
    for key, (runs, _) in full_run.items():  # a cópia da taxa escolhida do SGD (com "selection") não treina
        files = [read_json(p) for p in (ROOT / "results" / key).glob("*_seed*.json")]
        assert runs == sum("selection" not in r for r in files), key


def test_both_notebooks_ask_the_same_q4_recipes(mnist_ns, fashion_ns):
    """O Fashion-MNIST repete a questão 4 do MNIST: as mesmas receitas; no quadro 2×2, cada célula é o otimizador
    e a agenda que diz ser, todas com 10 épocas."""
    mnist, mnist_choices = notebook_configs(NOTEBOOKS["mnist"], mnist_ns)
    fashion, fashion_choices = notebook_configs(NOTEBOOKS["fashion"], fashion_ns)
    assert {n: mnist[n] for n in mnist if n not in OTHERS["mnist"]} == {
        n: fashion[n] for n in fashion if n not in OTHERS["fashion"]}
    assert mnist_choices == fashion_choices
    for (optimizer, schedule), name in design()["grid"].items():
        for cfg in mnist_choices[name].values() if name in mnist_choices else [mnist[name]]:
            assert cfg["optimizer"] == optimizer.lower() and cfg["epochs"] == 10, name
            assert (cfg["scheduler"] is None) == (schedule == "constante"), name
            assert cfg["arch"] == "convnet" and cfg["batch_size"] == 100, name
    assert sorted(mnist_choices["sgd_constante"]) == sorted(mnist_choices["mod3_sgd_scheduler"])
    # a receita do MNIST treinada no Fashion-MNIST é o candidato convnet_bn_dropout do MNIST (sobre o mod3)
    assert fashion["receita_mnist"] == {**mnist_choices["mod3_sgd_scheduler"][0.1], "arch": "convnet_bn_dropout"}


@pytest.fixture(params=["mnist", "fashion"])
def key_ns(request, mnist_ns, fashion_ns):
    return request.param, {"mnist": mnist_ns, "fashion": fashion_ns}[request.param]


def test_committed_runs_carry_their_identity_and_the_notebook_recipe(key_ns):
    """Cada resultado commitado diz o que o produziu (dados, divisão, configuração, semente, código), em qualquer
    máquina; os da questão 4 que já existem têm a configuração que o notebook pede."""
    key, ns = key_ns
    runs = check_runs(ROOT / "results" / key, key, ns)
    for stem, r in runs.items():
        n_train = 10_200 if stem.startswith("mod4") else 49_800
        assert (r["n_train"], r["n_valid"], r["n_test"]) == (n_train, 10_200, 10_000), stem


def test_committed_choice_and_summary(key_ns):
    """best.json e summary.json commitados: a escolha se refaz dos arquivos de cada treino, e as comparações
    (o quadro 2×2 e as de arquitetura) são as que o código do notebook dá a partir deles."""
    key, ns = key_ns
    best = check_choice_and_summary(ROOT / "results" / key, key, ns, SAW_THE_TEST_EARLIER[key])
    if key == "fashion":
        check_analysis(ROOT / "results" / key, best)


def test_committed_weights_are_the_winners(key_ns):
    """Os pesos commitados são os do vencedor (pelo hash) e, no teste, dão os números commitados."""
    import torch
    from torchvision import datasets

    key, ns = key_ns
    folder = ROOT / "results" / key
    best, winner, state = check_winner_weights(folder, ROOT / "models", key, ns)
    assert (ROOT / "models" / f"{key}_best.pt").stat().st_size <= 15 * 2**20
    if key == "fashion":  # a rede residual larga leva meio minuto no teste; o hash já liga os pesos ao resultado
        return
    # a avaliação refeita com os pesos commitados dá o teste do vencedor (outro CPU muda no máximo uma imagem)
    data = ns["load_data"](getattr(datasets, DATASETS[key][0]), ROOT / "data", {}, seed=0, n_valid=10_200)
    assert data["full_sizes"] == {"train": 49_800, "valid": 10_200, "test": 10_000}
    model = ns["build_model"](best["config"]["arch"])
    model.load_state_dict(state)
    with torch.inference_mode():
        loss, acc = ns["evaluate"](model, *data["test"])
    assert acc == pytest.approx(winner["test_acc"], abs=0.011) and loss == pytest.approx(winner["test_loss"], rel=1e-3)


def test_committed_numbers_are_sane():
    """Os números commitados têm a ordem de grandeza esperada (um treino quebrado não passaria)."""
    mnist, fashion = ROOT / "results" / "mnist", ROOT / "results" / "fashion"
    assert read_json(mnist / "inicial_seed0.json")["test_acc"] >= 98.6
    assert read_json(mnist / "best.json")["test_acc"] > 99
    inicial = read_json(fashion / "inicial_seed0.json")
    assert 88 <= inicial["test_acc"] < 94  # o Fashion-MNIST é mais difícil que o MNIST com o mesmo código
    assert read_json(fashion / "best.json")["test_acc"] > inicial["test_acc"]
