"""Cada número que um leitor lê vem de results/.

As tabelas do README.md e do respostas.md são escritas por scripts/render.py (`--check` falha se uma estiver
desatualizada). Todo número com unidade está em results/**/*.json na precisão citada, ou é uma conta declarada sobre
esses números (`measured_strings`), ou está em `FIXED`; a prosa (fora dos blocos gerados) não cita tempos medidos,
que outra máquina refaz e render.py só reescreve nas tabelas.
"""

import json
import re
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import NOTEBOOKS, ROOT, cells

sys.path.insert(0, str(ROOT / "scripts"))
import render  # noqa: E402
import test_looks  # noqa: E402

RESPOSTAS, README = ROOT / "respostas.md", ROOT / "README.md"

# Um número com unidade: uma medida em potencial. 28×28 e 3×3 são tamanhos, não medidas.
WITH_UNIT = re.compile(r"(?<![\w.,/])(\d[\d.]*(?:,\d+)?)\s?(%|ms\b|s\b|min\b|h\b|MiB\b|MB\b|GB\b|GFLOP|TFLOP"
                       r"|pontos?\b|vezes\b|imagens\b|épocas?\b|×(?!\s?\d))")
# O que o texto pode citar sem estar em results/, e por quê: nada disso é medido.
FIXED = {
    "17%", "83%",  # a divisão treino/validação (e o erro da versão original)
    "30%",  # pct_start do OneCycle: a fração do treino em que a taxa sobe
    "95%",  # o nível dos intervalos de confiança
    "5 MB",  # o limite de tamanho dos notebooks commitados
    "6.000 imagens",  # as imagens de treino de cada classe do Fashion-MNIST (um dado do conjunto)
}


def leaves(obj, path=""):
    """Cada número de um JSON, com o caminho das chaves até ele ("history/val_acc", "modes/grad/ms_min")."""
    if isinstance(obj, bool):
        return
    if isinstance(obj, (int, float)):
        yield path, float(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, f"{path}/{k}")
    elif isinstance(obj, list):
        for v in obj:
            yield from leaves(v, path)


def is_timing(file: str, path: str) -> bool:
    """Um tempo medido, que outra máquina mede de outro jeito: os "seconds" dos treinos, os ms_* da questão 6
    e tudo o que o benchmark grava."""
    key = path.rsplit("/", 1)[-1]
    return file == "bench.json" or "seconds" in key or key.startswith("ms_")


def derived(path: str, x: float):
    """Um número de results/ e as contas sobre ele que o texto pode citar."""
    yield abs(x)  # uma diferença com sinal é citada sem ele: "−0,03 ponto"
    if "acc" in path and 0 <= x <= 100:
        yield 100 - x  # a taxa de erro
    if "seconds" in path:
        yield from (x / 60, x / 3600)  # minutos e horas
    if path.rsplit("/", 1)[-1].startswith("ms_"):
        yield x / 1000  # segundos (render.duration escreve 1,04 s, não 1.044 ms)


def aggregates(folder):
    """(conta sobre vários arquivos que o texto cita, se é um tempo medido): médias das sementes, minutos de treino
    por máquina e no total, tempo médio por época, treino + validação, e cada diferença pareada em imagens."""
    by_recipe, by_device = defaultdict(list), defaultdict(float)
    for path in folder.glob("*_seed*.json"):
        r = json.loads(path.read_text(encoding="utf-8"))
        if "history" in r:
            yield statistics.mean(h["seconds"] for h in r["history"]), True
        sizes = r.get("identity", {}).get("sizes") or {"train": r.get("n_train"), "valid": r.get("n_valid")}
        if sizes["train"] and sizes["valid"]:
            yield sizes["train"] + sizes["valid"], False  # o conjunto de treino original, antes da divisão
        by_recipe[re.sub(r"_seed\d+\.json$", "", path.name)].append(r)
        if "selection" not in r:  # a cópia do candidato escolhido não é outro treino
            by_device[r["device_name"]] += r["seconds"]
    for runs in by_recipe.values():
        for accs in ([r["test_acc"] for r in runs if r.get("test_acc") is not None],
                     [r["history"][-1]["val_acc"] for r in runs if r.get("history")]):
            if accs:
                yield from ((statistics.mean(accs), False), (100 - statistics.mean(accs), False))
        if all("seconds" in r for r in runs):  # o treino médio por semente (o custo do vencedor)
            yield statistics.mean(r["seconds"] for r in runs) / 60, True
    yield from ((s / 60, True) for s in (*by_device.values(), sum(by_device.values())))
    for c in (json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("summary.json")):
        yield from ((abs(d["mean_diff"]) * d["n_test"] / 100, False) for d in c.get("_comparisons", []))


def as_strings(x: float):
    """x escrito com 0 a 4 casas, arredondado das duas maneiras que o código usa (Decimal e f-string)."""
    for places in range(5):
        yield str(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
        yield f"{x:.{places}f}"


def measured_strings(root=ROOT, timings: bool = True) -> set[str]:
    """Tudo o que o texto pode citar: cada número de results/ e as contas de `derived` e `aggregates`. Com
    `timings=False`, sem os tempos medidos (`is_timing`) e as contas sobre eles: o que a prosa pode citar."""
    values = []
    for path in (root / "results").rglob("*.json"):
        values += [y for p, x in leaves(json.loads(path.read_text(encoding="utf-8")))
                   if timings or not is_timing(path.name, p) for y in (x, *derived(p, x))]
    for folder in (p for p in (root / "results").iterdir() if p.is_dir()):
        values += [x for x, timing in aggregates(folder) if timings or not timing]
    return {s for x in values for s in as_strings(x)}


BLOCK = re.compile(r"<!-- ([\w-]+):início -->.*?<!-- \1:fim -->", re.S)


def prose(text: str) -> str:
    """O texto escrito à mão: tudo fora dos blocos que render.py reescreve."""
    return BLOCK.sub("", text)


def as_decimal(text: str) -> str:
    """'1.037' (milhar) → '1037'; '99,41' → '99.41'."""
    return text.replace(".", "").replace(",", ".")


TIME_UNITS = {"ms", "s", "min", "h", "GFLOP", "TFLOP"}


def untraced(text: str, measured: set[str], times: bool = True) -> list[str]:
    """Os números com unidade de `text` que não estão em results/ nem em FIXED, como aparecem no texto. Com
    `times=False`, também todo número com unidade de tempo (ou por segundo): em prosa, um tempo só pode ter
    vindo de uma medida que outra máquina refaz, mesmo quando o valor coincide com outro número de results/."""
    bad = set()
    for m in WITH_UNIT.finditer(text):
        quoted = re.sub(r"\s+", " ", m.group(0))
        timing = m.group(2) in TIME_UNITS or text.startswith("/s", m.end())
        if (quoted not in FIXED and as_decimal(m.group(1)) not in measured) or (timing and not times):
            bad.add(quoted + ("/s" if text.startswith("/s", m.end()) else ""))
    return sorted(bad)


def test_render_check_passes():
    """As tabelas do README e do respostas.md são exatamente o que results/ dá agora."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "render.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_every_number_with_a_unit_comes_from_results():
    """Todo número com unidade no README e no respostas.md, escrito à mão ou numa tabela, está em results/; e o
    que está escrito à mão não cita um tempo medido, que outra máquina reescreveria só na tabela."""
    measured, lasting = measured_strings(), measured_strings(timings=False)
    for path in (RESPOSTAS, README):
        text = path.read_text(encoding="utf-8")
        assert len(WITH_UNIT.findall(text)) > 10, f"{path.name} deveria citar os resultados"
        bad = untraced(text, measured)
        assert not bad, f"{path.name}: números que não estão em results/ (nem em FIXED): {bad}"
        bad = untraced(prose(text), lasting, times=False)
        assert not bad, f"{path.name}: tempos medidos citados fora dos blocos gerados: {bad}"


def test_notebook_markdown_numbers_come_from_results():
    """O mesmo rastreio no markdown dos notebooks: o texto fixo de uma aula não cita um número inventado."""
    measured = measured_strings()
    for nb in NOTEBOOKS.values():
        for i, cell in enumerate(cells(nb)):
            if cell["cell_type"] == "markdown":
                bad = untraced("".join(cell["source"]), measured)
                assert not bad, f"{nb.name}, célula {i}: números que não estão em results/: {bad}"


def test_the_trace_catches_invented_numbers(tmp_path):
    """O rastreio pode falhar: um número inventado, ou citado com mais precisão do que foi medido, é apontado."""
    folder = tmp_path / "results" / "mnist"
    folder.mkdir(parents=True)
    run = {"test_acc": 99.36, "seconds": 600.0, "device_name": "CPU X",
           "history": [{"val_acc": 99.1, "seconds": 300.0}, {"val_acc": 99.2, "seconds": 300.0}]}
    (folder / "mod2_scheduler_seed0.json").write_text(json.dumps(run), encoding="utf-8")
    (folder / "q6.json").write_text(json.dumps({"modes": {"grad": {"ms_median": 1043.9}}}), encoding="utf-8")
    measured = measured_strings(tmp_path)
    ok = "teste de 99,36% (99,4%), erro de 0,64%, 10 min de treino, 300 s por época, 1,04 s; 17% e 28×28"
    assert untraced(ok, measured) == []
    assert untraced("99,37% de teste, 12 min, 18% dos dados, 0,5 ponto, 1.050 ms e 3 vezes", measured) == [
        "0,5 ponto", "1.050 ms", "12 min", "18%", "3 vezes", "99,37%"]
    assert untraced("99,361%", measured) == ["99,361%"]  # mais casas do que o resultado tem
    lasting = measured_strings(tmp_path, timings=False)  # o que a prosa pode citar: sem os tempos
    assert untraced(ok, lasting, times=False) == ["1,04 s", "10 min", "300 s"]
    (folder / "outro.json").write_text(json.dumps({"test_loss": 1.04, "test_acc": 300.0}), encoding="utf-8")
    coincide = measured_strings(tmp_path, timings=False)  # um tempo que coincide com outro número de results/
    assert untraced("1,04 s, 300 imagens/s e 300 imagens", coincide, times=False) == ["1,04 s", "300 imagens/s"]
    assert prose("a 1,04 s\n<!-- q6-medida:início -->\n| 1,04 s |\n<!-- q6-medida:fim -->\nb") == "a 1,04 s\n\nb"


def test_a_rerun_elsewhere_rewrites_the_q6_table(tmp_path):
    """Outra máquina mede a questão 6 de novo (numa cópia de results/): `--check` acusa a tabela velha do README, e
    render.py a reescreve com os tempos novos. A prosa não cita tempos
    (test_every_number_with_a_unit_comes_from_results)."""
    for name in ("README.md", "respostas.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "results", tmp_path / "results")
    q6_path = tmp_path / "results" / "mnist" / "q6.json"
    q6 = json.loads(q6_path.read_text(encoding="utf-8"))
    for i, m in enumerate(q6["modes"].values()):  # outra máquina: mais lenta num modo, mais rápida noutro
        m["ms_min"], m["ms_median"] = m["ms_min"] * (0.41 + 0.7 * i), m["ms_median"] * (0.73 + 0.6 * i)
    q6_path.write_text(json.dumps(q6), encoding="utf-8")
    assert render.main(["--check"], root=tmp_path) == 1
    assert render.main([], root=tmp_path) == 0
    assert render.main(["--check"], root=tmp_path) == 0
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- q6-tempo:início -->(.*?)<!-- q6-tempo:fim -->", text, re.S).group(1)
    assert all(render.duration(m[k]) in table for m in q6["modes"].values() for k in ("ms_min", "ms_median"))


def test_embedded_figures_exist_and_the_answers_keep_their_size():
    """Cada figura embutida existe; o respostas.md tem no máximo 3.000 palavras e 10 figuras (o enunciado)."""
    for path in (RESPOSTAS, README):
        images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", path.read_text(encoding="utf-8"))
        missing = [p for p in images if p.startswith(("http", "/")) or not (ROOT / p).exists()]
        assert not missing, f"{path.name}: {missing}"
    text = RESPOSTAS.read_text(encoding="utf-8")
    assert 1 <= len(re.findall(r"!\[", text)) <= 10
    assert len(text.split()) <= 3000, len(text.split())


def runs_of(ds: str, experiment: str) -> list[dict]:
    return render.seeds(ROOT, ds, experiment)


def rule(candidates: dict) -> str:
    """A regra como o texto a descreve: a maior acurácia de validação na última época, em média sobre as sementes
    que todos os candidatos têm."""
    common = set.intersection(*({r["seed"] for r in runs} for runs in candidates.values()))
    assert common, "os candidatos não têm nenhuma semente em comum"
    return max(candidates, key=lambda k: statistics.mean(r["history"][-1]["val_acc"] for r in candidates[k]
                                                          if r["seed"] in common))


@pytest.mark.parametrize("ds", ["mnist", "fashion"])
def test_the_rule_in_the_text_is_the_code_and_gives_the_recorded_winners(ds, request):
    """Cada escolha gravada (a receita da questão 4, a taxa do SGD, a arquitetura e o TTA) sai da regra que o
    respostas.md descreve, e a função `choose_best` do notebook, que recebe {nome: [treinos]}, dá o mesmo."""
    choose_best = request.getfixturevalue(f"{ds}_ns")["choose_best"]
    summary, best = render.get(ROOT, ds, "summary"), render.get(ROOT, ds, "best")
    q4 = {k: runs_of(ds, k) for k in render.Q4}
    assert rule(q4) == choose_best(q4) == summary["_meta"]["q4"]
    assert {r["seed"] for runs in q4.values() for r in runs} == {0, 1, 2}  # a média é sobre as três sementes
    for name in ("sgd_constante", "mod3_sgd_scheduler"):
        chosen = runs_of(ds, name)[0]["selection"]
        rates = {lr: runs_of(ds, f"{name}_lr{lr}") for lr in chosen["candidates"]}
        assert float(rule(rates)) == float(choose_best(rates)) == chosen["chosen_lr"]
    arch = {k: runs_of(ds, c["experiment"]) for k, c in best["candidates"].items()}
    assert rule(arch) == choose_best(arch) == best["experiment"]
    if "val_acc_tta" in best:
        assert best["tta"] == (best["val_acc_tta"] > best["val_acc_plain"])
        assert summary["_meta"]["final"] == best["experiment"] + ("+tta" if best["tta"] else "")


def test_every_comparison_is_corrected_and_the_tables_mark_what_survives():
    """Bonferroni usa o t de Student exato dos intervalos de 95% (com m = 1, dá o do summary.json) e corrige todas
    as comparações de acurácia: a família conta cada uma, o Método diz quantas são, e as tabelas do respostas.md
    marcam com † cada intervalo da acurácia (sementes e teste) que a correção ainda separa do zero, e só esses (a
    perda, sem o acaso do teste medido, fica fora da família e não leva †).
    Os dois lados de cada comparação rodaram na mesma máquina, como o Método diz: nenhuma semente "de outra
    máquina" (as em que o device_name dos treinos de A e de B difere)."""
    text = RESPOSTAS.read_text(encoding="utf-8")
    blocks = {("mnist", "q4"): "q4-mnist-comparacoes", ("fashion", "q4"): "q4-fashion-comparacoes",
              ("fashion", "arquitetura"): "q7-sementes"}
    survivors = defaultdict(int)
    for ds, title in (("mnist", "MNIST"), ("fashion", "Fashion-MNIST")):
        comparisons = render.get(ROOT, ds, "summary")["_comparisons"]
        m = len(comparisons) + render.CITED_OUTSIDE[ds]
        assert render.family_size(comparisons, ds) == m and f"{m} no {title}" in " ".join(text.split()), (ds, m)
        for c in comparisons:
            device = {key: {r["seed"]: r["device_name"] for r in runs_of(ds, key.split("+")[0])}
                      for key in (c["a"], c["b"])}
            assert [s for s in c["seeds"] if device[c["a"]][s] != device[c["b"]][s]] == c["other_machine_seeds"] == []
            intervals = [("diffs", "ci95", 1e-3)]
            if c["loss_mean_diff"] is not None:
                intervals.append(("loss_diffs", "loss_ci95", 1e-6))
            for key, ci, tolerance in intervals:
                assert render.bonferroni(c, 1, key) == pytest.approx(c[ci], abs=tolerance)
                low, high = render.bonferroni(c, m, key)
                assert low <= c[ci][0] and high >= c[ci][1]
                if key == "diffs":  # o † vai só no intervalo da acurácia, o que soma o acaso do teste
                    low, high = render.with_test_noise(c, m)
                    survivors[ds, c["group"]] += (low > 0 or high < 0) and c in render.shown(comparisons, c["group"])
    for (ds, group), block in blocks.items():
        rendered = re.search(f"<!-- {block}:início -->(.*?)<!-- {block}:fim -->", text, re.S).group(1)
        assert rendered.count("†") == survivors[ds, group], (ds, group)


def test_an_indicio_is_an_interval_with_the_test_noise_that_excludes_zero():
    """O Método soma o acaso do teste ao intervalo das sementes: a meia-largura do t de Student e o teto
    1,96·100·√((eA + eB)/n) (no TTA, o valor exato das imagens que mudam), em quadratura. A coluna da acurácia de
    cada tabela é essa conta, refeita aqui das diferenças por semente, em negrito só se exclui o zero; e é a mesma
    que os notebooks imprimem nas linhas de comparação (`paired`, gravada em summary.json)."""
    from scipy.stats import t

    text = RESPOSTAS.read_text(encoding="utf-8")
    best = render.get(ROOT, "fashion", "best")
    for ds, group, block in (("mnist", "q4", "q4-mnist-comparacoes"), ("fashion", "q4", "q4-fashion-comparacoes"),
                             ("fashion", "arquitetura", "q7-sementes")):
        summary = render.get(ROOT, ds, "summary")
        rendered = re.search(f"<!-- {block}:início -->(.*?)<!-- {block}:fim -->", text, re.S).group(1)
        cells_shown = [row.split("|")[2].strip().rstrip("†") for row in rendered.strip().splitlines()[2:]]
        expected = []
        for c in render.shown(summary["_comparisons"], group):
            diffs = c["diffs"]
            half = t.ppf(0.975, len(diffs) - 1) * statistics.stdev(diffs) / len(diffs) ** 0.5
            errors = sum(1 - statistics.mean(summary[k]["test_accs"]) / 100 for k in (c["a"], c["b"]))
            noise = (best["tta_test_noise95"] if c["b"] == c["a"] + "+tta"
                     else 1.96 * 100 * (errors / c["n_test"]) ** 0.5)
            low, high = (statistics.mean(diffs) + s * (half ** 2 + noise ** 2) ** 0.5 for s in (-1, 1))
            assert c["ci95_with_test"] == pytest.approx([low, high], abs=1e-3)  # o que o notebook imprime
            cell = f"{render.signed(statistics.mean(diffs), 2)} ({render.interval_text(low, high)})"
            expected.append(f"**{cell}**" if low > 0 or high < 0 else cell)
        assert cells_shown == expected, (ds, group)


def daggers(ds: str) -> set:
    """As comparações cujo intervalo da acurácia (sementes e teste) exclui o zero com Bonferroni, na família do
    conjunto."""
    comparisons = render.get(ROOT, ds, "summary")["_comparisons"]
    m = render.family_size(comparisons, ds)
    marks = set()
    for c in comparisons:
        low, high = render.with_test_noise(c, m)
        if low > 0 or high < 0:
            marks.add((ds, c["a"], c["b"]))
    return marks


def test_the_indicios_that_survive_bonferroni_are_the_ones_the_text_names():
    """O "Como ler" diz quais indícios resistem à correção de Bonferroni no intervalo da acurácia: só a taxa do
    Adam, nos dois conjuntos, e a Modificação 1 do MNIST. É a conta de `with_test_noise` com a família inteira."""
    assert daggers("mnist") | daggers("fashion") == {("mnist", "inicial", "mod1_lr_baixo"),
                                                     ("mnist", "mod1_lr_baixo", "adam_constante"),
                                                     ("fashion", "mod1_lr_baixo", "adam_constante")}


def test_original_numbers_are_the_seed_answer_transcribed():
    """results/originais.json transcreve a resposta original do aluno: cada número confere com o texto dela
    (a última época de validação e o teste de cada seção). Num clone sem a pasta shared/, só a forma."""
    originals = json.loads((ROOT / "results" / "originais.json").read_text(encoding="utf-8"))
    assert set(originals["test_acc"]) == set(originals["val_acc_final"]) == set(originals["secoes"])
    seed = ROOT.parent / "shared" / "seed" / "respostas_originais.md"
    if not seed.exists():
        pytest.skip(f"{seed} não está neste clone")
    text = seed.read_text(encoding="utf-8")
    for name, title in originals["secoes"].items():
        section = re.split(r"\n#### ", text[text.index(title):])[0]
        assert float(re.findall(r"Época \d+: acc: ([\d.]+)", section)[-1]) == originals["val_acc_final"][name]
        assert float(re.search(r"imagens de teste: ([\d.]+)", section).group(1)) == originals["test_acc"][name]


def identifiers(root=ROOT) -> set[str]:
    """Os identificadores das receitas: os nomes dos arquivos de results/ sem a semente, e os do summary.json."""
    names = {re.sub(r"_seed\d+$", "", p.stem) for p in (root / "results").glob("*/*_seed*.json")}
    for summary in (root / "results").glob("*/summary.json"):
        names |= {k for k in json.loads(summary.read_text(encoding="utf-8")) if not k.startswith("_")}
    return names


def test_identifiers_appear_only_in_the_key_column():
    """Fora dos blocos de código, um identificador de receita (`mod2_scheduler`) só aparece numa tabela, na coluna
    "chave": a prosa, os rótulos das comparações e os vereditos dizem as receitas por extenso."""
    names = identifiers()
    pattern = re.compile(r"(?<![\w/.])`?(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True))
                         + r")`?(?![\w.])")
    for path in (RESPOSTAS, README):
        text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
        key_column = None
        for line in text.splitlines():
            if not line.startswith("|"):
                key_column = None
                bad = [m.group(0) for m in pattern.finditer(line) if "_" in m.group(1) or m.group(0).startswith("`")]
                assert not bad, f"{path.name}: identificador fora de uma tabela: {bad} em {line!r}"
                continue
            cells_ = [c.strip() for c in line.strip("|").split("|")]
            if key_column is None:  # o cabeçalho da tabela
                key_column = cells_.index("chave") if "chave" in cells_ else -1
            bad = [c for i, c in enumerate(cells_) if i != key_column
                   and any("_" in m.group(1) or m.group(0).startswith("`") for m in pattern.finditer(c))]
            assert not bad, f"{path.name}: identificador fora da coluna chave: {bad}"


def test_the_q6_time_verdict_is_the_one_the_notebook_wrote():
    """O veredito de tempo da questão 6 é o texto que o notebook grava em q6.json ("time_verdict"), não uma
    conta de render.py."""
    q6 = render.get(ROOT, "mnist", "q6")
    if "time_verdict" not in q6:
        pytest.skip("results/mnist/q6.json ainda não tem time_verdict: reexecute o notebook do MNIST")
    block = re.search(r"<!-- q6-tempo:início -->(.*?)<!-- q6-tempo:fim -->",
                      README.read_text(encoding="utf-8"), re.S).group(1)
    assert q6["time_verdict"] and all(text in block for text in q6["time_verdict"].values())
    assert render.machine(q6["identity"]["device_name"]) in block  # o veredito vale para esta máquina, dita no bloco
    if "mais lento" in prose(RESPOSTAS.read_text(encoding="utf-8")):  # a prosa dá o sentido que a medida gravou
        assert q6["time_verdict"]["no_grad"].startswith("mais lento")
    for key, verdict in q6["time_verdict"].items():  # cada veredito na linha do seu modo
        line = next(row for row in block.splitlines() if f"`torch.{key}()`" in row and row.startswith("|"))
        assert verdict in line, key


def test_the_test_looks_are_the_git_history():
    """results/test_looks.json diz o que o histórico do git diz: cada vencedor, o teste que vimos dele e as metas, que o
    projeto escreveu pela primeira vez no commit citado. Num clone sem histórico, não há o que
    conferir."""
    if subprocess.run(["git", "cat-file", "-e", f"{test_looks.TARGETS_COMMITS['mnist']}^{{commit}}"],
                      cwd=ROOT).returncode:
        pytest.skip("clone sem o histórico do git")
    assert json.loads(test_looks.OUT.read_text(encoding="utf-8")) == test_looks.build()

    def text(commit):
        files = ("README.md", "respostas.md", *(p.name for p in NOTEBOOKS.values()))
        return "".join(subprocess.run(["git", "show", f"{commit}:{f}"], cwd=ROOT, capture_output=True,
                                      text=True).stdout for f in files)
    for dataset, marker in (("mnist", "99,6 ou mais"), ("fashion", "Meta de 94,0% de teste médio")):
        commit = test_looks.TARGETS_COMMITS[dataset]
        assert marker in text(commit) and marker not in text(f"{commit}^"), dataset
