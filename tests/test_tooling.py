"""As ferramentas em volta dos notebooks: make sync, make notebooks (run_notebook.py), a execução sem
Jupyter (plain_run.py) e a ordem das células (nenhuma usa um nome que só uma célula posterior define). Os kernels
em paralelo (from_scratch.py --parallel) são testados pela execução reduzida de test_notebooks.py."""

import ast
import builtins
import json
import os
import subprocess
import symtable
import sys

import pytest
from conftest import NOTEBOOKS, ROOT, cells
from nbcells import tags_of


def write_notebook(path, code_cells, newline=False):
    """Um notebook mínimo no formato do nbformat; code_cells: [(código, etiquetas)]."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Título")]
    nb.cells += [nbformat.v4.new_code_cell(code, metadata={"tags": list(tags)}) for code, tags in code_cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, c in enumerate(nb.cells):
        c["id"] = f"c{i}"  # não aleatórios: os dois notebooks de um teste de sync têm as mesmas células
    path.write_text(nbformat.writes(nb) + ("\n" if newline else ""), encoding="utf-8")
    return path.read_bytes()


# ------------------------------------------------------------------ make sync


def sync(*args):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "sync_cells.py"), *map(str, args)],
                          capture_output=True, text=True)


@pytest.mark.parametrize("newline", [False, True], ids=["papermill", "jupyter"])
def test_sync_copies_changed_shared_cells_and_nothing_else(tmp_path, newline):
    shared = [("x = 1", ["setup"]), ("def f():\n    return 1", ["training"]), ("g = 2", ["training"]),
              ("print('só do notebook')", [])]
    src, dst = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    write_notebook(src, shared)
    before = write_notebook(dst, shared, newline)
    nb = json.loads(before)
    nb["cells"][3]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["antes\n"]}]
    nb["cells"][3]["execution_count"] = 7
    nb["cells"][4]["execution_count"] = 8
    before = (json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n" * newline).encode()
    dst.write_bytes(before)
    assert sync("--source", src, "--target", dst).returncode == 0 and dst.read_bytes() == before  # nada mudou

    write_notebook(src, [*shared[:2], ("g = 3  # ação", ["training"]), shared[3]])
    check = sync("--check", "--source", src, "--target", dst)
    assert check.returncode == 1 and "training" in check.stderr and "setup" not in check.stderr
    assert dst.read_bytes() == before
    assert sync("--source", src, "--target", dst).returncode == 0
    after = json.loads(dst.read_text(encoding="utf-8"))
    changed = after["cells"][3]
    assert "".join(changed["source"]) == "g = 3  # ação"
    assert changed["outputs"] == [] and changed["execution_count"] is None
    assert after["cells"][:3] == nb["cells"][:3] and after["cells"][4] == nb["cells"][4]
    # o formato do nbformat, a quebra de linha final como estava
    assert dst.read_text(encoding="utf-8") == json.dumps(after, sort_keys=True, indent=1, ensure_ascii=False) + (
        "\n" * newline)
    assert sync("--check", "--source", src, "--target", dst).returncode == 0


def test_sync_refuses_different_cell_counts(tmp_path):
    src, dst = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    write_notebook(src, [("x = 1", ["data"]), ("y = 1", ["data"]), ("z = 2", ["plots"])])
    before = write_notebook(dst, [("x = 1", ["data"]), ("z = 1", ["plots"])])
    for args in ([], ["--check"]):
        proc = sync(*args, "--source", src, "--target", dst)
        assert proc.returncode == 1 and "'data'" in proc.stderr and "b.ipynb" in proc.stderr
        assert dst.read_bytes() == before


# ------------------------------------------------------------------ make notebooks e plain_run.py


def test_run_notebook_replaces_the_notebook_only_on_success(tmp_path):
    """Uma falha deixa o notebook intacto; um sucesso o regrava com as figuras (mesmo sob MPLBACKEND=Agg) e sem
    as barras de progresso."""
    pytest.importorskip("papermill")
    script, env = [sys.executable, str(ROOT / "scripts" / "run_notebook.py")], {**os.environ, "MPLBACKEND": "Agg"}
    bad = tmp_path / "ruim.ipynb"
    before = write_notebook(bad, [("x = 1", []), ("raise RuntimeError('quebrou no meio')", []), ("y = 2", [])])
    assert subprocess.run([*script, str(bad)], capture_output=True, env=env, timeout=120).returncode == 1
    assert bad.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["ruim.ipynb"]
    good = tmp_path / "figura.ipynb"
    write_notebook(good, [("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()", []),
                          ("from tqdm.auto import tqdm\nfor _ in tqdm(range(3), leave=False):\n    pass", [])])
    proc = subprocess.run([*script, str(good)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    written = json.loads(good.read_text(encoding="utf-8"))
    outputs = [o for c in written["cells"] for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs), outputs
    assert "widgets" not in written["metadata"] and not [o for o in outputs if "widget" in str(o.get("data"))]
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.parametrize("ipython", [True, False], ids=["com-ipython", "sem-ipython"])
def test_plain_run_prints_tables_and_markdown_as_text_and_names_the_failing_cell(tmp_path, ipython):
    """plain_run.py: os parâmetros entram depois da célula `parameters`; display imprime o texto (a tabela com a
    sua formatação, o Markdown como está, nunca `<... object>`); a célula que falha é dita, com a linha dela."""
    nb = tmp_path / "simples.ipynb"
    write_notebook(nb, [("X = 1", ["parameters"]),
                        ("import pandas as pd\nfrom IPython.display import Markdown, display\ndf = pd.DataFrame({'a': "
                         "[X / 4]})\ndisplay(df.style.format(decimal=','), Markdown('**x**'))", []),
                        ("display(df)\nraise ValueError('quebrou')", [])])
    hide = "" if ipython else "sys.modules['IPython'] = None; "
    code = f"import sys; {hide}import plain_run; sys.exit(plain_run.main(sys.argv[1:]))"
    proc = subprocess.run([sys.executable, "-c", code, str(nb), '{"X": 6}'], capture_output=True, text=True,
                          timeout=120, cwd=ROOT / "scripts")
    assert proc.returncode == 1 and "1,500000" in proc.stdout and "**x**" in proc.stdout and "1.5" in proc.stdout
    assert "object" not in proc.stdout and "FALHOU na célula <simples.ipynb[3]>" in proc.stdout
    assert "raise ValueError('quebrou')" in proc.stderr  # o texto da célula, do linecache


# ------------------------------------------------------------------ nenhuma célula usa um nome definido depois

KNOWN = set(dir(builtins)) | {"get_ipython", "display", "In", "Out"}


def names_of(code: str) -> tuple[set, set]:
    """(nomes do módulo que o código lê, também dentro de funções e classes; nomes que ele define no módulo).

    Quem decide o escopo de cada nome é o symtable, a análise do próprio compilador: parâmetros, variáveis
    locais, alvos de compreensões, `except ... as e`, global/nonlocal e := seguem as regras do Python."""
    uses, defs = set(), set()

    def walk(table, top):
        for s in table.get_symbols():
            if s.is_referenced() and (top or s.is_global()):
                uses.add(s.get_name())
            if (top and (s.is_assigned() or s.is_imported())) or (s.is_declared_global() and s.is_assigned()):
                defs.add(s.get_name())
        for child in table.get_children():
            walk(child, False)

    walk(symtable.symtable(code, "célula", "exec"), True)
    return uses, defs


def cell_code(cell) -> str:
    source = "".join(cell["source"])
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    return TransformerManager().transform_cell(source)  # %matplotlib inline e !pip viram Python


def forward_references(path):
    """[(célula, etiqueta, linha, nome, célula que o define primeiro ou None)], na ordem das células."""
    code = [(i, c) for i, c in enumerate(cells(path)) if c["cell_type"] == "code"]
    uses, first_def = [], {}
    for i, c in code:
        source = cell_code(c)
        found, defs = names_of(source)
        for name in defs:
            first_def.setdefault(name, i)
        lines = {}  # a primeira linha em que o nome aparece, só para achá-lo
        for n in ast.walk(ast.parse(source)):
            if isinstance(n, ast.Name) and n.id in found:
                lines[n.id] = min(lines.get(n.id, n.lineno), n.lineno)
        uses += [(i, (tags_of(c) or [""])[0], lines[name], name) for name in found - KNOWN]
    return [(i, tag, line, name, first_def.get(name)) for i, tag, line, name in sorted(uses)
            if first_def.get(name, i + 1) > i]


@pytest.mark.parametrize("path", list(NOTEBOOKS.values()), ids=lambda p: p.name)
def test_no_cell_uses_a_name_defined_only_later(path):
    """Rodando as células em ordem, cada nome lido (também dentro das funções) já foi definido."""
    problems = [f"célula {i} [{tag}], linha {line}: usa {name}, definido primeiro na célula {where}"
                for i, tag, line, name, where in forward_references(path)]
    assert not problems, f"{path.name} (células a partir de 0, com as de texto; None: nenhuma):\n" + "\n".join(problems)


def test_forward_reference_finder_on_a_small_example(tmp_path):
    nb = tmp_path / "ordem.ipynb"
    write_notebook(nb, [
        ("A = 1\n(B, [C, *D]) = 1, [2, 3]\nE += 1\nimport os.path as osp, json\nfrom x import (F, G as H)", []),
        ("def f(p, *q, k=A, **kw):\n    v = later + p\n    [w for w in q if w and (z := w)]\n    lambda s: s + t\n"
         "    try:\n        pass\n    except Exception as e:\n        print(e, z, undefined_name, len)\n"
         "    def g():\n        nonlocal v\n        return v + kw + osp.sep + json.dumps(H)\n"
         "    class K:\n        u = 1\n        m = u\n        def meth(self):\n            return u\n"
         "    global made_here\n    made_here = 1", ["infra"]),
        ("for I, J in []:\n    pass\nwith open('x') as (L, M):\n    pass\nif (N := 1):\n    print(I, J, L, M, N)\n"
         "later = t = 1\nprint(made_here, get_ipython, display)\n%matplotlib inline", []),
    ])
    found = [(i, name, where) for i, _, _, name, where in forward_references(nb)]
    assert found == [(2, "later", 3), (2, "t", 3), (2, "undefined_name", None), (2, "u", None)]
