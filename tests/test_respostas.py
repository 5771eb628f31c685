"""Cada número que um leitor lê vem de results/.

- README.md e respostas.md: os números ficam em blocos escritos por `scripts/render.py` a partir de
  results/ (`--check` falha se um bloco estiver desatualizado); fora dos blocos, nenhum número
  medido. Dentro deles, cada porcentagem, milissegundo e MiB está em results/ na precisão citada.
- Os notebooks: as células de markdown não citam número medido nenhum; as conclusões são escritas
  por código a partir dos resultados.
- Cada figura embutida existe.
"""

import json
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

from conftest import NOTEBOOKS, ROOT, cells

RESPOSTAS, README = ROOT / "respostas.md", ROOT / "README.md"
# Os números da versão original (divisão invertida), que a tabela de comparação cita.
ORIGINAIS = {"97.66", "97.74", "94.66", "94.84", "98.92", "98.81", "98.72", "98.71", "99.86", "99.39"}
# Um número com unidade: uma medida em potencial (porcentagem, tempo, memória, pontos, vezes).
WITH_UNIT = re.compile(r"(?<![\w.,/])(\d[\d.,]*)\s?(%|ms\b|s\b|min\b|h\b|MB\b|MiB\b|GB\b|GFLOP|TFLOP|pontos?\b"
                       r"|vezes\b|×(?!\s?\d))")  # 28×28 e 3×3 são tamanhos, não medidas
# O que o texto fixo pode citar, e por quê: nada disso é medido.
FIXED = {
    "17%", "83%",  # a divisão treino/validação (e o erro da versão original)
    "30%",  # pct_start do OneCycle, uma opção da configuração
    "25%", "40%", "50%",  # taxas de Dropout das arquiteturas
    "25 vezes",  # div_factor do OneCycle: a taxa inicial é a máxima dividida por 25
    "95%",  # o nível do intervalo de confiança
    "99%",  # o alvo da receita rápida (acerto no teste)
    "5 MB",  # o limite de tamanho dos notebooks commitados
    "10%",  # o zoom máximo do aumento de dados da rede funda
}
BLOCK = re.compile(r"<!-- ([\w-]+):início -->\n(.*?)<!-- \1:fim -->", re.S)
# Dentro dos blocos, estas unidades são conferidas valor a valor contra results/.
TRACED = re.compile(r"(?<![\w.,/])(\d[\d.]*(?:,\d+)?)\s?(%|ms\b|MiB\b)")


def numbers_in(obj):
    if isinstance(obj, bool):
        return
    if isinstance(obj, (int, float)):
        yield float(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from numbers_in(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from numbers_in(v)


def measured_strings() -> set[str]:
    """Cada número de results/ escrito com 0, 1, 2 e 3 casas decimais."""
    out = set()
    for path in (ROOT / "results").rglob("*.json"):
        for x in numbers_in(json.loads(path.read_text(encoding="utf-8"))):
            for places in range(4):
                q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
                out.add(str(q))
    return out


def as_decimal(text: str) -> str:
    """'1.037' (milhar) → '1037'; '99,41' → '99.41'."""
    return text.replace(".", "").replace(",", ".")


def traced_numbers(text: str) -> list[str]:
    return [as_decimal(m.group(1)) for m in TRACED.finditer(text)]


def unknown_numbers(text: str, measured: set[str]) -> list[str]:
    return sorted({q for q in traced_numbers(text) if q not in measured and q not in ORIGINAIS})


def outside_blocks(text: str) -> str:
    return BLOCK.sub("", text)


def untraced_fixed_text(text: str) -> list[str]:
    return sorted({m.group(0).replace("\n", " ") for m in WITH_UNIT.finditer(text)} - FIXED)


def test_render_check_passes():
    """Os blocos do README e do respostas.md são exatamente o que results/ dá agora."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "render.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_numbers_in_blocks_come_from_results():
    measured = measured_strings()
    for path in (RESPOSTAS, README):
        blocks = "\n".join(m.group(2) for m in BLOCK.finditer(path.read_text(encoding="utf-8")))
        assert len(traced_numbers(blocks)) > 10, f"{path.name} deveria citar os resultados"
        unknown = unknown_numbers(blocks, measured)
        assert not unknown, f"{path.name}: números que não estão em results/: {unknown}"


def test_fixed_text_quotes_no_measured_number():
    """Fora dos blocos gerados, e em todo markdown dos notebooks, só constantes de configuração."""
    for path in (RESPOSTAS, README):
        bad = untraced_fixed_text(outside_blocks(path.read_text(encoding="utf-8")))
        assert not bad, f"{path.name}, fora dos blocos de scripts/render.py: {bad}"
    for nb in NOTEBOOKS.values():
        for i, cell in enumerate(cells(nb)):
            if cell["cell_type"] == "markdown":
                bad = untraced_fixed_text("".join(cell["source"]))
                assert not bad, f"{nb.name}, célula {i}: {bad} (escreva o número por código, a partir dos resultados)"


def test_the_checks_catch_invented_numbers():
    assert traced_numbers("teste: 99,36% e 98,5 % e 1.037 ms e 700 MiB") == ["99.36", "98.5", "1037", "700"]
    measured = {"99.36", "1037"}
    assert unknown_numbers("medido 99,36%, inventado 99,37%, 1.037 ms, 12 ms", measured) == ["12", "99.37"]
    # a precisão conta: 99,4% só vale se algum resultado, arredondado a uma casa, der 99,4
    assert unknown_numbers("99,4%", measured) == ["99.4"]
    assert untraced_fixed_text("Dropout de 50%, divisão 83/17, 104 min e 0,43 ponto") == ["0,43 ponto", "104 min"]
    assert outside_blocks("a <!-- x:início -->\n99,1%\n<!-- x:fim --> b 3 s") == "a  b 3 s"


def test_render_writes_the_notebooks_comparison_sentence(mnist_ns):
    """O renderizador e os notebooks escrevem a mesma frase para a mesma comparação pareada."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import render

    def summary(accs, **cfg):
        runs = [{"seed": s, "test_acc": t, "history": [{"val_acc": t}], "n_test": 10_000,
                 "config": {"arch": "a", **cfg}} for s, t in enumerate(accs)]
        return mnist_ns["seed_summary"](runs)

    s = {"a": summary([93.5, 93.2, 93.35]), "b": summary([95.5, 95.3, 95.3], arch="b", epochs=3),
         "c": summary([93.4, 93.3, 93.3])}
    for a, b in (("a", "b"), ("a", "c"), ("b", "a")):
        c = mnist_ns["paired"](s, a, b)
        assert render.comparison_line(c) == mnist_ns["comparison_text"](c)


def test_embedded_figures_exist():
    for path in (RESPOSTAS, README):
        images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", path.read_text(encoding="utf-8"))
        missing = [p for p in images if p.startswith(("http", "/")) or not (ROOT / p).exists()]
        assert not missing, f"{path.name}: {missing}"
    assert re.findall(r"!\[", RESPOSTAS.read_text(encoding="utf-8")), "respostas.md deveria mostrar as figuras"


def test_render_names_saved_runs_that_the_notebook_no_longer_makes(tmp_path):
    """Sementes extras de um vencedor antigo (fora do resumo das sementes) são contadas e ditas, não escondidas."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import render

    folder = tmp_path / "results" / "mnist"
    folder.mkdir(parents=True)
    runs = [("inicial", 0), ("inicial", 1), ("arq_velho", 0), ("arq_velho", 1), ("arq_velho", 2)]
    for name, seed in runs:
        (folder / f"{name}_seed{seed}.json").write_text(json.dumps({"experiment": name, "seed": seed,
                                                                    "seconds": 60.0}), encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps({"inicial": {}}), encoding="utf-8")
    res = render.Results(tmp_path, "mnist")
    assert render.total_minutes(res) == (5, 5.0)
    assert render.legacy_note(res) == ("2 deles, de `arq_velho`, sementes 1 e 2, são de uma versão anterior da "
                                       "busca e o notebook atual não os refaz")
    wrapped = render.legacy_note(res, " ({})")
    assert wrapped.startswith(" (2 deles, de `arq_velho`") and wrapped.endswith("refaz)")
    (folder / "summary.json").write_text(json.dumps({"inicial": {}, "arq_velho": {}}), encoding="utf-8")
    assert render.legacy_note(render.Results(tmp_path, "mnist"), "; {}") == ""


def test_render_says_which_runs_trained_on_another_machine(tmp_path):
    """Minutos por máquina, as exceções nomeadas, e a checagem da mesma semente nas duas máquinas."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import render

    folder = tmp_path / "results" / "fashion"
    (folder / "device_check").mkdir(parents=True)
    cpu, gpu = ("CPU X (2 núcleos)", "2.14"), ("GPU Y", "2.11")
    runs = [("inicial", 0, cpu, 600.0, 90.0), ("arq_w", 0, cpu, 5400.0, 94.5), ("arq_w", 1, gpu, 120.0, 94.4),
            ("arq_w", 2, gpu, 60.0, 94.3)]

    def record(name, seed, device, seconds, val):
        return {"experiment": name, "seed": seed, "device_name": device[0], "torch": device[1], "seconds": seconds,
                "n_valid": 10_200, "history": [{"val_acc": val}]}

    for run in runs:
        (folder / f"{run[0]}_seed{run[1]}.json").write_text(json.dumps(record(*run)), encoding="utf-8")
    res = render.Results(tmp_path, "fashion")
    assert render.total_minutes(res) == (4, 103.0)  # a checagem em device_check/ não conta como treino
    assert render.trained_where(res) == ("103 min: 100 min de 2 treinos em CPU X (2 núcleos) com PyTorch 2.14 e 3 min "
                                         "de 2 treinos em GPU Y com PyTorch 2.11 (`arq_w`, sementes 1 e 2)")
    line = render.device_check_line(res)
    assert line.startswith("- **Máquinas.** Quase tudo rodou em CPU X (2 núcleos); a exceção foi `arq_w`, sementes "
                           "1 e 2, na GPU Y com PyTorch 2.11.") and "Para ter" not in line
    (folder / "device_check" / "arq_w_seed0.json").write_text(json.dumps(record("arq_w", 0, gpu, 90.0, 94.49)),
                                                              encoding="utf-8")
    line = render.device_check_line(render.Results(tmp_path, "fashion"))
    assert ("Validação final: 94,49% lá, contra 94,50% em CPU X (2 núcleos) (−0,01 ponto percentual, 1 imagem em "
            "10.200)") in line and "com TTA" not in line
    assert line.endswith("O treino levou 1,5 min lá, com a GPU dividida entre 3 treinos ao mesmo tempo (as sementes da "
                         "GPU e esta checagem), contra 90 min do treino original.")
    # numa máquina só, nada a dizer, e o total diz onde
    for path in folder.glob("arq_w_seed[12].json"):
        path.unlink()
    res = render.Results(tmp_path, "fashion")
    assert render.device_check_line(res) == ""
    assert render.trained_where(res) == "100 min em CPU X (2 núcleos) com PyTorch 2.14"
