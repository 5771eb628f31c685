"""O que os scripts compartilham, definido uma vez: o formato brasileiro dos números e as somas dos dados.

Os notebooks têm a sua própria cópia (o Colab abre um arquivo só); um teste confere que as somas são as mesmas.
"""

from __future__ import annotations


def br(x: float, places: int = 2) -> str:
    """Número no formato brasileiro: 3.200.202 e 99,41."""
    return f"{x:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def signed(x: float, places: int = 2) -> str:
    """Com sinal, e o sinal de menos tipográfico: +0,24 e −0,39."""
    return ("+" if x >= 0 else "−") + br(abs(x), places)


def head_of_train(data: dict, n: int) -> dict:
    """Os mesmos dados, treinando só com as `n` primeiras imagens do treino: o que a célula do `mod4` faz."""
    return {**data, "train": tuple(t[:n] for t in data["train"])}


def tta_file(folder, run: dict):
    """O arquivo em que o Fashion-MNIST grava o TTA de um treino (`tta_of`, no notebook)."""
    return folder / f"tta_{run['experiment']}_semente{run['seed']}.json"


# SHA-256 dos arquivos descomprimidos (../shared/data/README.md).
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}
