"""A mudança de um aluno nunca é respondida com um número velho.

A identidade de cada resultado segue o que o treino roda: o código de cada função e classe do notebook alcançada a
partir de `train_run` e da classe do modelo, o valor de cada global que esse código lê e o conteúdo dos dados. Estes
testes editam o notebook como um aluno editaria e conferem o que é treinado de novo e o que é reaproveitado.
"""

import contextlib
import io
import itertools
import json
import shutil

import pytest
import torch
from common import head_of_train
from conftest import NOTEBOOKS, ROOT, cells, load_namespace
from nbcells import define as define_cell

CELL_NUMBER = itertools.count()


def define(ns: dict, source: str, name: str | None = None) -> None:
    """Uma célula nova (cada uma com o seu nome no linecache, como no Jupyter)."""
    define_cell(ns, source, name or f"<célula de teste {next(CELL_NUMBER)}>")

# A impressão digital de um trecho fixo: se outro Python (3.10 a 3.13) ler a árvore diferente, este número muda, e
# todos os resultados commitados seriam treinados de novo num clone com essa versão.
SNIPPET = '''
class Net(nn.Module):
    """Docstring que não conta."""

    def forward(self, x, k=(1,)):  # um comentário que não conta
        mode = 'soma'
        scale = f"{x!r:>10} e {mode!s} {'a'}"
        return self.fc(x.flatten(1), scale, (mode,), k,)
'''
SNIPPET_FINGERPRINT = "d82fb9371198fd73"  # a árvore sai igual no Python 3.10.13, 3.11.7, 3.12.1 e 3.13.0 (conferido)


def cell(key: str, tag: str) -> str:
    return "".join(next(c["source"] for c in cells(NOTEBOOKS[key]) if tag in c["metadata"].get("tags", [])))


def tiny_data(seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(48, 1, 28, 28, generator=g), torch.randint(0, 10, (48,), generator=g)
    return {"train": (x[:32], y[:32]), "valid": (x[32:40], y[32:40]), "test": (x[40:], y[40:])}


@pytest.fixture()
def ns():
    """Um namespace do MNIST só deste teste: as edições não vazam para os outros."""
    return load_namespace(NOTEBOOKS["mnist"])


def identity(ns, data=None, **cfg):
    return ns["run_identity"](data or tiny_data(), ns["recipe"](2, **cfg), 0)


def test_the_fingerprint_is_pinned_and_ignores_form(mnist_ns):
    define(mnist_ns, SNIPPET, "<snippet>")
    assert mnist_ns["fingerprint"](mnist_ns["Net"]) == SNIPPET_FINGERPRINT

    def text(source):
        define(mnist_ns, source, f"<{hash(source)}>")
        return mnist_ns["definition"](mnist_ns["Net"])[0]

    same = (SNIPPET.replace("# um comentário que não conta", "").replace('"""Docstring que não conta."""', "")
            .replace("k,)", "k)").replace("'soma'", '"soma"').replace("    ", "  ")
            .replace('''f"{x!r:>10} e {mode!s} {'a'}"''', '''f'{x!r:>10} e {mode!s} {"a"}\'''').replace("\n\n", "\n"))
    assert text(same) == text(SNIPPET)
    for edit in (("flatten(1)", "flatten(2)"), (":>10", ":>11"), ("(mode,)", "(mode)"), ("k=(1,)", "k=(1)")):
        assert text(SNIPPET.replace(*edit)) != text(SNIPPET), edit


def test_an_edit_of_build_model_changes_the_training_identity(ns):
    """build_model, que o treino chama, ganha uma inicialização dos pesos."""
    before = identity(ns)
    define(ns, "def build_model(arch):\n    model = ARCHITECTURES[arch]()\n"
               "    torch.nn.init.zeros_(next(model.parameters()))\n    return model\n")
    assert identity(ns)["code"]["train"] != before["code"]["train"]


def test_a_helper_or_constant_read_by_the_training_changes_the_identity(ns):
    source = next(s for s in ("".join(c["source"]) for c in cells(NOTEBOOKS["mnist"])) if "def train_epoch(" in s)
    define(ns, "PENALTY = 1.0\n\n\ndef penalty(loss):\n    return PENALTY * loss\n")
    define(ns, source.replace("        loss = loss_fn(out, yb)\n", "        loss = penalty(loss_fn(out, yb))\n"))
    before = identity(ns)
    define(ns, "def penalty(loss):\n    return PENALTY * loss + 0.0\n")
    after_helper = identity(ns)
    ns["PENALTY"] = 2.0
    after_constant = identity(ns)
    assert len({before["code"]["train"], after_helper["code"]["train"], after_constant["code"]["train"]}) == 3


MODEL = '''
@register("mine")
class Mine(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, WIDTH), ACT(), nn.Linear(WIDTH, 10))

    @staticmethod
    def prepare(x):
        return shift(x)

    def forward(self, x):
        return self.body(self.prepare(x))
'''


def test_values_and_helpers_that_the_model_reads_change_its_identity(ns):
    """Uma constante global (a largura), uma classe global (a ativação) e uma função chamada de um @staticmethod."""
    define(ns, "WIDTH = 64\nACT = nn.ReLU\n\n\ndef shift(x):\n    return x\n")
    define(ns, MODEL)
    seen = [identity(ns, arch="mine")["code"]["model"]]
    for edit in ("WIDTH = 32\n", "ACT = nn.GELU\n", "def shift(x):\n    return x - 0.1\n"):
        define(ns, edit)
        seen.append(identity(ns, arch="mine")["code"]["model"])
    assert len(set(seen)) == 4


def test_the_data_are_part_of_the_identity_by_content(ns):
    data = tiny_data()
    before = identity(ns, data)
    assert identity(ns, tiny_data()) == before  # o mesmo conteúdo em outros tensores: a mesma identidade
    data["train"][0][0, 0, 0, 0] += 1  # no lugar, sem mudar a forma
    after = identity(ns, data)
    assert after["data"]["train"] != before["data"]["train"] and after["data"]["valid"] == before["data"]["valid"]
    assert after["code"] == before["code"]


def test_an_edit_changes_only_the_runs_that_use_the_edited_code():
    """O aumento muda só os treinos com aumento; a vgg5, só os dela; `evaluate`, todos."""
    ns = load_namespace(NOTEBOOKS["fashion"])
    cfgs = {"plain": {}, "aug": {"augment": {"max_shift": 2.0}}, "vgg5": {"arch": "vgg5"},
            "convnet_bn": {"arch": "convnet_bn"}}

    def all_identities():
        return {k: identity(ns, **c)["code"] for k, c in cfgs.items()}

    before = all_identities()
    define(ns, cell("fashion", "augment").replace('padding_mode="border"', 'padding_mode="zeros"'))
    after = all_identities()
    assert after["aug"] != before["aug"]
    assert {k: v for k, v in after.items() if k != "aug"} == {k: v for k, v in before.items() if k != "aug"}
    define(ns, cell("fashion", "model-vgg5").replace("dropout: float = 0.3", "dropout: float = 0.4"))
    edited = all_identities()
    assert edited["vgg5"]["model"] != after["vgg5"]["model"]
    assert edited["convnet_bn"] == after["convnet_bn"] and edited["plain"] == after["plain"]
    training = next(s for s in ("".join(c["source"]) for c in cells(NOTEBOOKS["fashion"])) if "def evaluate(" in s)
    define(ns, training.replace("100.0 * (out.argmax(1) == y)", "100 * (out.argmax(1) == y)"))
    assert all(all_identities()[k]["train"] != edited[k]["train"] for k in cfgs)


def test_an_unknown_global_stops_with_its_name(ns):
    define(ns, "class Box:\n    pass\n\n\nBOX = Box()\n\n\ndef seed_everything(seed):\n    return BOX\n")
    with pytest.raises(TypeError, match="`BOX`"):
        identity(ns)


def test_the_names_outside_the_identity_change_no_number(ns):
    """A barra de progresso, a impressão, o nome da máquina e o registro das arquiteturas: trocá-los por outra coisa
    não muda um número do treino."""
    assert ns["OUTSIDE_IDENTITY"] == {"tqdm", "br", "format_epoch", "device_name", "ARCHITECTURES"}
    cfg, data = ns["recipe"](2, arch="fastnet", batch_size=16), tiny_data()

    def train():
        with contextlib.redirect_stdout(io.StringIO()):
            result, model = ns["train_run"]("t", cfg, data, 0, torch.device("cpu"))
        return result["history"], result["test_acc"], ns["state_sha256"](model.state_dict())

    plain = train()
    ns.update(tqdm=lambda it, **_: it, br=lambda *_, **__: "?", format_epoch=lambda *_: "",
              device_name=lambda d: "outra", ARCHITECTURES={"fastnet": ns["ARCHITECTURES"]["fastnet"]})
    other = train()
    assert [{k: v for k, v in h.items() if k != "seconds"} for h in plain[0]] == \
           [{k: v for k, v in h.items() if k != "seconds"} for h in other[0]]
    assert plain[1:] == other[1:]


class Intercepted(Exception):
    """O notebook decidiu treinar: paramos antes do primeiro passo."""


def run_until_inicial(tmp_path, monkeypatch, edit) -> tuple[str, dict]:
    """Executa, numa cópia editada do mnist_cnn.ipynb, as células até o experimento `inicial`, em modo completo
    e sobre uma cópia dos resultados commitados, com o treino interceptado. Devolve o que foi impresso e o
    namespace."""
    shutil.copytree(ROOT / "results" / "mnist", tmp_path / "results" / "mnist")
    monkeypatch.chdir(tmp_path)
    ns, out = {"__name__": "__main__"}, io.StringIO()
    with contextlib.redirect_stdout(out):
        for i, c in enumerate(cells(NOTEBOOKS["mnist"])):
            source = edit("".join(c["source"]))
            if c["cell_type"] != "code":
                continue
            if "parameters" in c["metadata"].get("tags", []):
                source += f"\nDATA_DIR = {str(ROOT / 'data')!r}\nPROGRESS = False\n"
            if 'LAB.run("inicial"' in source:
                def intercepted(*args):
                    raise Intercepted
                ns["Lab"].fit = intercepted  # Lab decide, fit treina: nada disto entra num número
                with contextlib.suppress(Intercepted):
                    define(ns, source, f"<mnist[{i}]>")
                break
            define(ns, source, f"<mnist[{i}]>")
    return out.getvalue(), ns


@pytest.mark.parametrize("edit, params, why", [
    (lambda s: s.replace("nn.Linear(7 * 7 * 64, 1000),", "nn.Linear(7 * 7 * 64, 500),").replace(
        "self.fc2 = nn.Linear(1000, 10)", "self.fc2 = nn.Linear(500, 10)"), 1_625_606, "modelo `convnet`"),
    (lambda s: s.replace('print("Divisão completa:", DATA["full_sizes"])',
                         'DATA["train"] = tuple(t.flip(0) for t in DATA["train"])'), 3_199_106, "outros dados"),
])
def test_an_edited_model_or_data_retrains_and_the_message_says_why(tmp_path, monkeypatch, edit, params, why):
    out, ns = run_until_inicial(tmp_path, monkeypatch, edit)
    assert ns["count_params"](ns["build_model"]("convnet")) == params  # a edição valeu
    line = next(x for x in out.splitlines() if x.startswith("[inicial]"))
    assert why in line and "carregado" not in line, line


def test_a_form_only_edit_loads_the_committed_result(tmp_path, monkeypatch):
    def edit(source):
        return (source.replace("            nn.Linear(7 * 7 * 64, 1000),",
                               "            nn.Linear(7 * 7 * 64, 1000,),  # a camada densa gigante")
                .replace('f"Teste: perda {br(test_loss, 4)}, acurácia {br(test_acc)}% · total {br(seconds, 1)} s"',
                         "f'Teste: perda {br(test_loss, 4)}, acurácia {br(test_acc)}% · total {br(seconds, 1)} s'"))
    sources = ["".join(c["source"]) for c in cells(NOTEBOOKS["mnist"])]
    assert sum(edit(s) != s for s in sources) == 2  # as duas edições valem: o modelo e o laço de treino
    out, _ = run_until_inicial(tmp_path, monkeypatch, edit)
    assert any(x.startswith("[inicial] carregado de") for x in out.splitlines()), out[-2000:]


def test_committed_results_carry_the_identity_of_todays_code(mnist_ns, fashion_ns):
    """Cada resultado commitado tem a identidade do código e dos dados de hoje (senão, um clone o treinaria de novo)."""
    from torchvision import datasets

    for key, ns, cls in (("mnist", mnist_ns, datasets.MNIST), ("fashion", fashion_ns, datasets.FashionMNIST)):
        data = ns["DATA"] = ns["load_data"](cls, ROOT / "data", {}, seed=0, n_valid=10_200)
        for path in sorted((ROOT / "results" / key).glob("*_seed*.json")):
            r = json.loads(path.read_text(encoding="utf-8"))
            used = head_of_train(data, 10_200) if path.stem.startswith("mod4") else data
            assert r["identity"] == ns["run_identity"](used, r["config"], r["seed"]), path.name
    for path in sorted((ROOT / "results" / "fashion").glob("tta_*.json")):  # o TTA de cada semente, pelos pesos
        tta = json.loads(path.read_text(encoding="utf-8"))
        assert tta["identity"]["code"] == fashion_ns["fingerprint"](fashion_ns["tta_metrics"]), path.name
