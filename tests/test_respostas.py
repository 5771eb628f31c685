"""respostas.md só cita números medidos: cada porcentagem está em results/ (na precisão citada) ou
entre os números originais da versão anterior do trabalho; cada figura embutida existe."""

import json
import re
from decimal import ROUND_HALF_UP, Decimal

from conftest import ROOT

RESPOSTAS = ROOT / "respostas.md"
# Os números da versão original (divisão invertida), que a tabela de comparação cita, e as
# proporções da divisão.
ORIGINAIS = {"97.66", "97.74", "94.66", "94.84", "98.92", "98.81", "98.72", "98.71", "99.86", "99.39", "17", "83"}
PERCENT = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,]\d+)?)\s?%")


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


def quoted_percentages(text: str) -> list[str]:
    return [m.group(1).replace(",", ".") for m in PERCENT.finditer(text)]


def unknown_percentages(text: str, measured: set[str]) -> list[str]:
    return sorted({q for q in quoted_percentages(text) if q not in measured and q not in ORIGINAIS})


def test_percentages_come_from_results():
    text = RESPOSTAS.read_text(encoding="utf-8")
    assert len(quoted_percentages(text)) > 10, "respostas.md deveria citar os resultados"
    unknown = unknown_percentages(text, measured_strings())
    assert not unknown, f"porcentagens que não estão em results/ nem na tabela original: {unknown}"


def test_the_check_catches_an_invented_number():
    assert quoted_percentages("teste: 99,36% e 98.5 % e 1.000%") == ["99.36", "98.5", "1.000"]
    measured = {"99.36", "98.5"}
    assert unknown_percentages("medido 99,36%, inventado 99,37%, dividido 17%", measured) == ["99.37"]
    # a precisão conta: 99,4% só vale se algum resultado, arredondado a uma casa, der 99,4
    assert unknown_percentages("99,4%", measured) == ["99.4"]


def test_embedded_figures_exist():
    text = RESPOSTAS.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images, "respostas.md deveria mostrar as figuras"
    missing = [p for p in images if p.startswith(("http", "/")) or not (ROOT / p).exists()]
    assert not missing, missing
