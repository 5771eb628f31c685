"""Uma célula compartilhada só tem o que os dois notebooks usam: cada função dela (e cada método de uma classe dela)
é usada nos dois, e nenhuma opção nomeada é passada por um notebook só. O que é de um conjunto fica numa célula
dele. As redes registradas com @register ficam de fora: são usadas pelo nome, na configuração."""

import ast
import builtins
import inspect
from collections import Counter, defaultdict

from conftest import NOTEBOOKS, cells
from nbcells import SHARED_TAGS, tags_of


def usage(path) -> tuple[dict, Counter, dict]:
    """(funções e classes das células compartilhadas, quantas vezes cada nome é lido, opções passadas a cada um)."""
    shared, reads, options = {}, Counter(), defaultdict(set)
    for cell in cells(path):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        if set(tags_of(cell)) & set(SHARED_TAGS):
            shared |= {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)
                       or (isinstance(n, ast.ClassDef) and not n.decorator_list)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                reads[node.id] += 1
            elif isinstance(node, ast.Attribute):
                reads[node.attr] += 1
            if isinstance(node, ast.Call):
                callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                options[callee] |= {k.arg for k in node.keywords if k.arg}
    return shared, reads, options


def test_shared_cells_hold_only_what_both_notebooks_use():
    shared, *mnist = usage(NOTEBOOKS["mnist"])
    _, *fashion = usage(NOTEBOOKS["fashion"])
    functions = {n.name: n for n in shared.values() if isinstance(n, ast.FunctionDef)}
    functions |= {m.name: m for n in shared.values() if isinstance(n, ast.ClassDef) for m in n.body
                  if isinstance(m, ast.FunctionDef) and not m.name.startswith("_")}  # _: chamados pela biblioteca
    for name in shared.keys() | functions.keys():
        for key, (reads, _) in (("mnist", mnist), ("fashion", fashion)):
            assert reads[name] > 0, f"{name}: está numa célula compartilhada, mas o notebook {key} não o usa"
    for name, fn in functions.items():  # os campos de uma configuração (**overrides do recipe) não são opções
        declared = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        only_one = (mnist[1][name] ^ fashion[1][name]) & declared
        assert not only_one, f"{name}: opções que só um notebook passa: {sorted(only_one)}"


def test_shared_functions_read_only_definitions_not_experiment_state(mnist_ns):
    """Uma função compartilhada recebe o que usa como argumento (o Lab, os resultados): cada nome global que ela
    lê vem das células de definição, e nenhum do estado que os experimentos criam (LAB, RESULTS, SEEDS…)."""
    loose = {}
    for cell in cells(NOTEBOOKS["mnist"]):
        if cell["cell_type"] == "code" and set(tags_of(cell)) & set(SHARED_TAGS):
            for node in ast.parse("".join(cell["source"])).body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    obj = mnist_ns[node.name]
                    fns = [obj] if inspect.isfunction(obj) else [f for f in vars(obj).values() if inspect.isfunction(f)]
                    names = set().union(*(mnist_ns["globals_read"](f.__code__) for f in fns))
                    missing = sorted(n for n in names if n not in mnist_ns and n not in dir(builtins))
                    if missing:
                        loose[node.name] = missing
    assert not loose, f"funções compartilhadas que leem o estado dos experimentos: {loose}"
