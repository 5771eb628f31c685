"""scripts/flops.py conta as contas da ConvNet da semente como a seção 2 do notebook e mantém results/flops.json em
dia com results/. (scripts/from_scratch.py é testado em test_notebooks.py e em test_tooling.py.)"""

import json
import subprocess
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import flops  # noqa: E402


def test_flops_of_the_seed_convnet():
    """13.808.400 multiplicações-adições por imagem numa passagem direta (a tabela da seção 2): 2 FLOPs cada."""
    build = flops.model_builder(ROOT / "mnist_cnn.ipynb")
    forward = flops.flops_per_image(build("convnet"), train=False)
    train = flops.flops_per_image(build("convnet"), train=True)
    assert forward == 2 * 13_808_400
    # o backward custa perto de duas diretas: o gradiente da entrada da primeira convolução não é calculado
    assert train == forward + 2 * (627_200 + 2 * 10_035_200 + 2 * 3_136_000 + 2 * 10_000)
    for arch in ("convnet_dropout", "gap_net", "convnet_bn_dropout"):  # as da busca de arquiteturas, mais adiante
        assert flops.flops_per_image(build(arch), train=False) > 0


def test_flops_check_passes():
    """results/flops.json está em dia com results/ e com os modelos dos notebooks (recontado, sem escrever)."""
    before = (ROOT / "results" / "flops.json").read_bytes()
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "flops.py"), "--check"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert (ROOT / "results" / "flops.json").read_bytes() == before


def test_flops_check_fails_on_a_stale_file_without_writing(tmp_path, monkeypatch):
    """Sem recontar (compute devolve o arquivo commitado): um arquivo com um treino a menos falha, e não é escrito."""
    result = json.loads((ROOT / "results" / "flops.json").read_text(encoding="utf-8"))
    monkeypatch.setattr(flops, "compute", lambda: result)
    fresh = tmp_path / "em_dia.json"
    fresh.write_text(flops.as_text(result), encoding="utf-8")
    assert flops.main(["--check", "--out", str(fresh)]) == 0
    stale = tmp_path / "velho.json"
    stale.write_text(flops.as_text({**result, "runs": result["runs"][1:]}), encoding="utf-8")
    before = stale.read_bytes()
    assert flops.main(["--check", "--out", str(stale)]) == 1
    assert stale.read_bytes() == before
