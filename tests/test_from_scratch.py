"""scripts/flops.py conta as contas da ConvNet da semente como a seção 2 do notebook as conta.

scripts/from_scratch.py é testado em test_notebooks.py: a execução reduzida do MNIST é feita por ele."""

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
    for arch in ("convnet_dropout", "gap_net", "deep_cnn"):  # registradas em células sem etiqueta
        assert flops.flops_per_image(build(arch), train=False) > 0
