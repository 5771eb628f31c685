"""O que um aluno vê: antes do primeiro experimento, no máximo 600 linhas de código (300 à vista), e nenhuma célula de
código com mais de 80 linhas. E nenhuma surpresa de horas: uma execução completa sem GPU e sem resultados gravados
avisa, antes de treinar, quanto vai levar e as saídas (GPU ou SUBSET/EPOCH_SCALE); um clone com os resultados
commitados não vê aviso."""

import contextlib
import io
import json

import pytest
from conftest import NOTEBOOKS, ROOT, cells
from nbcells import define


@pytest.mark.parametrize("key", ["mnist", "fashion"])
def test_the_lesson_is_in_view_and_no_cell_is_long(key):
    code = [c for c in cells(NOTEBOOKS[key]) if c["cell_type"] == "code"]
    first = next(i for i, c in enumerate(code) if 'LAB.run("inicial"' in "".join(c["source"]))
    lines = [len("".join(c["source"]).splitlines()) for c in code[:first]]
    hidden = [c["metadata"].get("jupyter", {}).get("source_hidden", False) for c in code[:first]]
    assert sum(lines) <= 600 and sum(n for n, h in zip(lines, hidden, strict=True) if not h) <= 300
    assert max(len("".join(c["source"]).splitlines()) for c in code) <= 80


def first_cells_output(folder, monkeypatch) -> str:
    """Executa as células até a que chama start_run (inclusive), em modo completo, com `folder` como pasta."""
    monkeypatch.chdir(folder)
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)  # sem GPU, mesmo numa máquina com uma
    ns, out = {"__name__": "__main__"}, io.StringIO()
    with contextlib.redirect_stdout(out):
        for i, cell in enumerate(cells(NOTEBOOKS["mnist"])):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            if "parameters" in cell["metadata"].get("tags", []):
                source += f"\nDATA_DIR = {str(ROOT / 'data')!r}\n"
            define(ns, source, f"<mnist[{i}]>")
            if "start_run(globals()" in source:
                return out.getvalue()
    raise AssertionError("nenhuma célula chama start_run")


def test_a_full_run_without_gpu_or_results_warns_before_training(tmp_path, monkeypatch):
    printed = first_cells_output(tmp_path, monkeypatch)
    runs = sum("selection" not in json.loads(path.read_text(encoding="utf-8"))  # uma cópia da escolhida não treina
               for path in (ROOT / "results" / "mnist").glob("*_seed*.json"))
    assert "SUBSET" in printed and "EPOCH_SCALE" in printed and f"até {runs} modelos" in printed
    assert not any(tmp_path.rglob("*.json"))  # avisar não treina nem grava nada


def test_a_clone_with_its_results_sees_no_warning(monkeypatch):
    printed = first_cells_output(ROOT, monkeypatch)
    assert "SUBSET" not in printed and "EPOCH_SCALE = " not in printed
