"""Utilidades dos testes: o código do notebook é carregado das suas células etiquetadas."""

import ast
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # as figuras dos testes vão para arquivo, nunca para uma janela

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from nbcells import cells, load_namespace, tags_of  # noqa: E402 (cells é usado pelos testes)

NOTEBOOKS = {"mnist": ROOT / "mnist_cnn.ipynb", "fashion": ROOT / "fashion_mnist.ipynb"}


def notebook_constants(path, tag=None) -> dict:
    """As atribuições de valores literais de nível de módulo nas células de código (só nas de etiqueta `tag`, se
    dada): lê o que uma célula de experimentos (que load_namespace pula) define, como Q4_GRID."""
    found = {}
    for cell in cells(path):
        if cell["cell_type"] != "code" or (tag is not None and tag not in tags_of(cell)):
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    found[node.targets[0].id] = ast.literal_eval(node.value)
                except (ValueError, TypeError, SyntaxError):
                    pass  # não é literal (uma chamada, uma compreensão)
    return found


@pytest.fixture(scope="session")
def mnist_ns():
    return load_namespace(NOTEBOOKS["mnist"])


@pytest.fixture(scope="session")
def fashion_ns():
    return load_namespace(NOTEBOOKS["fashion"])


class _Recorded(Exception):
    """Interrompe choose_sgd_rate logo depois de pedir as candidatas: só as configurações interessam."""


class RecordingLab:
    """Um Lab que não treina nem grava: guarda a configuração de cada experimento pedido."""

    seed = 0

    def __init__(self):
        self.configs = {}

    def run(self, name, cfg, **_):
        self.configs[name] = cfg
        return {"seed": 0, "history": [{"val_acc": 0.0}]}, None

    def path(self, name, seed):
        raise _Recorded


def notebook_configs(path, ns, scale: float = 1.0) -> tuple[dict, dict]:
    """As configurações das chamadas `run_and_plot` e `choose_sgd_rate` das células, com EPOCH_SCALE = `scale`, sem
    treinar: ({experimento: configuração}, {experimento de choose_sgd_rate: {taxa: configuração da candidata}})."""
    lab = RecordingLab()
    env = {**ns, "LAB": lab, "EPOCH_SCALE": scale, "SEED": 0}
    configs, choices = {}, {}
    for cell in cells(path):
        if cell["cell_type"] != "code" or "parameters" in tags_of(cell):  # EPOCH_SCALE e SEED são os daqui
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                value = node.value  # só receitas e literais: nada que carregue dados ou treine
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "recipe":
                    env[node.targets[0].id] = eval(compile(ast.Expression(value), str(path), "eval"), env)
                else:
                    try:
                        env[node.targets[0].id] = ast.literal_eval(value)
                    except (ValueError, TypeError, SyntaxError):
                        pass
            call = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run"
                    and isinstance(call.args[0], ast.Constant)):
                call.args.insert(0, call.func.value)  # LAB.run(nome, cfg): como run_and_plot(LAB, nome, cfg)
            elif not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                      and call.func.id in ("run_and_plot", "choose_sgd_rate")):
                continue
            name = ast.literal_eval(call.args[1])
            cfg = eval(compile(ast.Expression(call.args[2]), str(path), "eval"), env)
            if not isinstance(call.func, ast.Name) or call.func.id == "run_and_plot":
                configs[name] = cfg
            else:
                before = set(lab.configs)
                try:
                    ns["choose_sgd_rate"](lab, name, cfg)
                except _Recorded:
                    pass
                new = {n: c for n, c in lab.configs.items() if n not in before}
                configs.update(new)
                choices[name] = {c["lr"]: c for c in new.values()}
    return configs, choices
