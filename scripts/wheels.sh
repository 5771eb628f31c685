#!/usr/bin/env bash
# Baixa as rodas de requirements-gpu.txt (CPython 3.12, Linux x86-64) para levar a uma máquina sem registro de
# pacotes que já tem o torch (a de GPU). Uso: scripts/wheels.sh PASTA [--h200]
#   --h200: pula as que a imagem da máquina de GPU já tem (as marcadas "h200" na lista).
# Lá: python3 -m pip install -q --no-index --no-deps --target /tmp/site PASTA/*.whl && export PYTHONPATH=/tmp/site
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:?"uso: scripts/wheels.sh PASTA [--h200]"}
list=$(mktemp)
if [[ "${2:-}" == "--h200" ]]; then grep -v '# h200' requirements-gpu.txt >"$list"; else cp requirements-gpu.txt "$list"; fi
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d "$dest" -r "$list"
rm -f "$list"
echo "$(ls "$dest"/*.whl | wc -l) rodas em $dest ($(du -sh "$dest" | cut -f1))."
