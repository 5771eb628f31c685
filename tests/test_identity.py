"""A mudança de um aluno nunca é respondida com um número velho.

A identidade de cada resultado inclui a impressão digital do código que o fez (o modelo, o laço de treino,
a avaliação, a preparação dos dados e, só quando usados, o aumento de dados e as métricas extras). Estes
testes editam o código como um aluno editaria e conferem o que é retreinado e o que é reaproveitado.
"""

import contextlib
import io
import json
import linecache
import shutil

import torch
from conftest import NOTEBOOKS, ROOT, cells, load_namespace

# A impressão digital de um trecho fixo: se outro Python (a 3.12 do Colab, uma 3.13) tokenizar diferente, este
# número muda, e todos os resultados commitados seriam treinados de novo num clone com essa versão.
SNIPPET = '''
class Net(nn.Module):
    """Docstring que não conta."""

    def forward(self, x):  # um comentário que não conta
        mode = 'soma'
        scale = f"{x!r:>10} e {mode!s}"
        return self.fc(x.flatten(1), scale,)
'''
SNIPPET_FINGERPRINT = "57689b0ad5a78f31"  # o mesmo na 3.11.7 e na 3.12.3 (conferido na máquina de GPU)


def define(ns: dict, source: str, name: str = "<teste>") -> None:
    """Executa `source` no namespace do notebook, com o texto no linecache (como uma célula do Jupyter)."""
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(compile(source, name, "exec"), ns)


def test_fingerprint_is_pinned_and_ignores_form(mnist_ns):
    tokens = mnist_ns["code_tokens"]
    define(mnist_ns, SNIPPET, "<snippet>")
    net = mnist_ns["Net"]
    assert mnist_ns["fingerprint"]([net]) == SNIPPET_FINGERPRINT
    same = SNIPPET.replace("# um comentário que não conta", "").replace('"""Docstring que não conta."""', "")
    same = same.replace("scale,)", "scale)").replace("'soma'", '"soma"').replace("    ", "  ")
    assert tokens(same) == tokens(SNIPPET)
    assert tokens(SNIPPET.replace("flatten(1)", "flatten(2)")) != tokens(SNIPPET)
    assert tokens(SNIPPET.replace(":>10", ":>11")) != tokens(SNIPPET)  # dentro da f-string também conta


def identities(ns: dict, cfg: dict) -> dict:
    data = {"dataset": "MNIST", "split": {"seed": 0, "n_valid": 10_200, "subset": 0}}
    return ns["code_identity"](ns["recipe"](10, **cfg), data)


def test_an_edit_changes_only_the_runs_that_use_the_edited_code():
    """Editar o aumento muda a identidade só dos treinos com aumento; editar a vgg5 (e executar de novo as
    células abaixo dela, como o "Executar tudo"), só os da vgg5 e das redes que herdam dela."""
    ns = load_namespace(NOTEBOOKS["fashion"])  # um namespace só deste teste: as edições não vazam
    cfgs = {"plain": {}, "aug": {"augment": {"max_shift": 2.0}}, "vgg5": {"arch": "vgg5"},
            "vgg_res": {"arch": "vgg_res"}, "convnet_bn": {"arch": "convnet_bn"}}

    def cell(tag):
        return "".join(next(c["source"] for c in cells(NOTEBOOKS["fashion"]) if tag in c["metadata"].get("tags", [])))

    before = {k: identities(ns, c) for k, c in cfgs.items()}
    define(ns, cell("augment").replace('padding_mode="border"', 'padding_mode="zeros"'), "<augment editado>")
    after = {k: identities(ns, c) for k, c in cfgs.items()}
    assert after["aug"]["aumento"] != before["aug"]["aumento"]
    assert {k: v for k, v in after.items() if k != "aug"} == {k: v for k, v in before.items() if k != "aug"}
    define(ns, cell("model-vgg5").replace("dropout: float = 0.3", "dropout: float = 0.4"), "<vgg5 editada>")
    define(ns, cell("model-vgg-res"), "<vgg_res de novo>")
    edited = {k: identities(ns, c) for k, c in cfgs.items()}
    assert edited["vgg5"]["modelo"] != after["vgg5"]["modelo"]
    assert edited["vgg_res"]["modelo"] != after["vgg_res"]["modelo"]  # herda da vgg5
    assert edited["convnet_bn"] == after["convnet_bn"] and edited["plain"] == after["plain"]


class Intercepted(Exception):
    """O notebook decidiu treinar: paramos antes do primeiro passo."""


def run_until_inicial(tmp_path, monkeypatch, edit) -> str:
    """Executa, numa cópia editada do mnist_cnn.ipynb, as células até o experimento `inicial`, em modo completo
    e sobre uma cópia dos resultados commitados, com o treino interceptado. Devolve o que foi impresso."""
    shutil.copytree(ROOT / "results" / "mnist", tmp_path / "results" / "mnist")
    monkeypatch.chdir(tmp_path)
    ns, out = {"__name__": "__main__"}, io.StringIO()
    with contextlib.redirect_stdout(out):
        for i, cell in enumerate(cells(NOTEBOOKS["mnist"])):
            source = edit("".join(cell["source"]))
            if cell["cell_type"] != "code":
                continue
            if "parameters" in cell["metadata"].get("tags", []):
                source += f"\nDATA_DIR = {str(ROOT / 'data')!r}\nPROGRESS = False\n"
            if 'run_and_plot("inicial"' in source:
                def intercepted(arch):
                    raise Intercepted(arch)
                ns["build_model"] = intercepted  # build_model não faz parte da impressão digital
                with contextlib.suppress(Intercepted):
                    define(ns, source, f"<mnist[{i}]>")
                break
            define(ns, source, f"<mnist[{i}]>")
    return out.getvalue()


def test_an_edited_model_is_retrained_and_the_message_names_it(tmp_path, monkeypatch):
    """A camada oculta de 1.000 para 500 unidades: o `inicial` gravado não serve mais."""
    def edit(source):
        return source.replace("nn.Linear(7 * 7 * 64, 1000),", "nn.Linear(7 * 7 * 64, 500),").replace(
            "self.fc2 = nn.Linear(1000, 10)", "self.fc2 = nn.Linear(500, 10)")
    printed = run_until_inicial(tmp_path, monkeypatch, edit)
    assert "1.625.606 parâmetros" in printed  # a edição valeu
    line = next(x for x in printed.splitlines() if x.startswith("[inicial]"))
    assert "convnet" in line and "carregado" not in line
    assert not (tmp_path / "checkpoints").exists() or not any((tmp_path / "checkpoints").rglob("*.pt"))


def test_a_comment_only_edit_loads_the_committed_result(tmp_path, monkeypatch):
    def edit(source):
        return source.replace("            nn.Linear(7 * 7 * 64, 1000),",
                              "            nn.Linear(7 * 7 * 64, 1000),  # a camada densa gigante")
    printed = run_until_inicial(tmp_path, monkeypatch, edit)
    assert any(x.startswith("[inicial] carregado de") for x in printed.splitlines()), printed[-2000:]


def test_committed_results_carry_the_fingerprint_of_todays_code(mnist_ns, fashion_ns):
    """Cada resultado commitado tem a impressão digital do código de agora (senão, um clone o treinaria de novo)."""
    for key, ns in (("mnist", mnist_ns), ("fashion", fashion_ns)):
        for path in sorted((ROOT / "results" / key).glob("*_seed*.json")):
            r = json.loads(path.read_text(encoding="utf-8"))
            if r["config"]["arch"] not in ns["ARCHITECTURES"]:
                continue  # arquiteturas definidas em células sem etiqueta: o teste do notebook inteiro as cobre
            data = {"dataset": r["identity"]["dataset"], "split": r["identity"]["split"]}
            extra = ns.get("tta_metrics") if "extra" in r else None
            if extra is None and "extra" in r:
                continue
            assert r["identity"]["code"] == ns["code_identity"](r["config"], data, extra), path.name


def test_truncated_weights_are_treated_as_missing(mnist_ns, tmp_path, capsys):
    ns = mnist_ns
    model = ns["build_model"]("convnet")
    path = tmp_path / "inicial_seed0.pt"
    torch.save(model.state_dict(), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # um disco cheio, uma cópia interrompida
    assert ns["read_weights"](path, "cpu") is None
    assert str(path) in capsys.readouterr().out
    dirs = {"RESULTS_DIR": tmp_path, "FIGURES_DIR": tmp_path, "CHECKPOINTS_DIR": tmp_path, "MODELS_DIR": tmp_path}
    lab = ns["Lab"]({"dataset": "MNIST"}, "MNIST", "mnist", dirs, torch.device("cpu"))
    result = {"experiment": "inicial", "seed": 0, "config": {"arch": "convnet"},
              "weights_sha256": ns["state_sha256"](model.state_dict())}
    assert lab.load_model(result) is None  # sem exceção: o chamador treina de novo


def test_extra_metrics_count_only_when_asked_for(mnist_ns, tmp_path):
    """Um resultado gravado com métricas extras (o TTA do vencedor) vale também para quem não as pede: elas não
    mudam o treino. Quem as pede com outro código delas treina de novo."""
    ns = mnist_ns
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(48, 1, 28, 28, generator=g), torch.randint(0, 10, (48,), generator=g)
    data = {"train": (x[:32], y[:32]), "valid": (x[32:], y[32:]), "test": (x[32:], y[32:]), "dataset": "t",
            "split": {"seed": 0, "n_valid": 16, "subset": 0}}
    dirs = {k: str(tmp_path / k) for k in ("RESULTS_DIR", "FIGURES_DIR", "CHECKPOINTS_DIR", "MODELS_DIR")}
    lab = ns["Lab"](data, "t", "t", dirs, torch.device("cpu"))
    define(ns, "def metrics_a(model):\n    return {'n': 1}\n", "<metrics_a>")
    define(ns, "def metrics_b(model):\n    return {'n': 2}\n", "<metrics_b>")
    cfg = ns["recipe"](1, arch="fastnet", batch_size=16)
    lab.run("exp", cfg, extra=ns["metrics_a"])
    lab.trained.clear()
    lab.run("exp", cfg)  # sem extras: o mesmo resultado
    lab.run("exp", cfg, extra=ns["metrics_a"])  # as mesmas extras
    assert not lab.trained
    lab.run("exp", cfg, extra=ns["metrics_b"])  # outro código das extras
    assert lab.trained == {("exp", 0)}
