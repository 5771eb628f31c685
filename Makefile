# Atalhos do projeto. Tudo roda dentro de .venv (criado por `make install`).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
NOTEBOOKS := mnist_cnn.ipynb fashion_mnist.ipynb

.PHONY: all install data notebooks render test bench badges

all: install data notebooks render  ## instala, baixa os dados, executa os notebooks (retomando o que já existe) e reescreve os números do README e do respostas.md

$(PY):
	$(PYTHON) -m venv $(VENV)

install: $(PY)  ## instala as dependências de desenvolvimento (inclui as de execução)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt

data:  ## MNIST e Fashion-MNIST em data/, verificados por SHA-256
	$(PY) scripts/get_data.py

notebooks:  ## executa cada notebook (num arquivo temporário; o original só é trocado se der certo)
	$(PY) scripts/run_notebook.py $(NOTEBOOKS)

render:  ## reescreve os blocos de números do README.md e do respostas.md a partir de results/
	$(PY) scripts/render.py

test: data  ## testes (pytest) e lint (ruff)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench:  ## benchmark do laço de treino (escreve results/bench.json)
	$(PY) bench/bench.py

badges:  ## selos "Abrir no Colab" no README e nos notebooks, se o remoto origin for do GitHub
	$(PY) scripts/colab_badges.py
