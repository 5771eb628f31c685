# Atalhos do projeto. Tudo roda dentro de .venv, criado e preenchido na primeira vez que um alvo
# precisa dele. `make help` lista os alvos.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.instalado
NOTEBOOKS := mnist_cnn.ipynb fashion_mnist.ipynb

.PHONY: help all install data notebooks sync lab render test bench repro badges

help:  ## lista os alvos
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:[^#]*## /\t/' | expand -t 12

all: install data notebooks render  ## instala, baixa os dados, executa os notebooks (retomando) e reescreve os números do README e do respostas.md

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)  ## cria .venv e instala as dependências (as de execução e as de desenvolvimento)

data: $(STAMP)  ## MNIST e Fashion-MNIST em data/, verificados por SHA-256
	$(PY) scripts/get_data.py

notebooks: $(STAMP)  ## executa os dois notebooks e os regrava com as saídas (o original só é trocado se der certo)
	$(PY) scripts/run_notebook.py $(NOTEBOOKS)

sync:  ## copia as células compartilhadas do mnist_cnn.ipynb para o fashion_mnist.ipynb (as que mudam perdem as saídas)
	$(PYTHON) scripts/sync_cells.py

# Como root (comum em Docker), o Jupyter só abre com --allow-root.
lab: data  ## abre os dois notebooks no JupyterLab (instala e baixa os dados antes, se preciso)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(NOTEBOOKS)

render: $(STAMP)  ## reescreve os blocos de números do README.md e do respostas.md a partir de results/
	$(PY) scripts/render.py

test: data  ## testes (pytest), lint (ruff) e código morto (vulture, scripts/deadcode.py)
	$(VENV)/bin/ruff check .
	$(PY) scripts/deadcode.py
	$(PY) -m pytest -q

bench: $(STAMP)  ## benchmark do laço de treino, alguns minutos com o CPU livre (regrava results/bench.json)
	$(PY) bench/bench.py

repro: $(STAMP)  ## treina o mod4 do MNIST três vezes, alguns minutos (regrava results/reproducibility.json)
	$(PY) scripts/reproducibility.py

badges: $(STAMP)  ## selos "Abrir no Colab" no README e nos notebooks, se o remoto origin for do GitHub
	$(PY) scripts/colab_badges.py
