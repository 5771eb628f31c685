"""As olhadas no teste que fizeram as buscas de arquitetura crescer, tiradas do histórico do git.

Nenhuma escolha do código lê o teste; nós lemos. Quando o vencedor de uma busca ficava abaixo da meta de teste médio,
a busca ganhava candidatos. Este script grava em results/test_looks.json cada vencedor que results/<conjunto>/best.json
já teve, com o teste dele (cada semente e a média, sem e com TTA) cada vez que esse teste mudou, e as metas, com o
commit em que apareceram pela primeira vez. Grava também, em "tested_runs", cada treino de arquitetura cujo arquivo já
teve um teste, vencedor ou não (um candidato refeito que venceu uma execução intermediária foi testado e perdeu o
lugar depois). Precisa do histórico do git (um clone completo). Não treina nada.

    python scripts/test_looks.py   # grava results/test_looks.json (um teste o confere contra o git)
"""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "test_looks.json"
# As metas de teste médio (de três sementes) e o commit em que apareceram pela primeira vez: o mesmo do primeiro teste
# de um vencedor de arquitetura de cada conjunto (no MNIST, os testes da questão 4 vieram antes, em outro commit).
# Nada registra que as metas vieram antes desses números.
TARGETS = {"mnist": 99.6, "fashion": 94.0}
TARGETS_COMMITS = {"mnist": "c77dfd0", "fashion": "817f9a6"}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def looks(dataset: str) -> list[dict]:
    """Cada estado do vencedor no histórico: quem vencia e o teste dele (cada semente e a média, sem e com TTA), no
    primeiro commit em que esse estado apareceu. Um estado novo: outro vencedor, ou outra média (sementes refeitas)."""
    found = []
    files = [f"results/{dataset}/best.json", f"results/{dataset}/summary.json"]
    for line in git("log", "--reverse", "--format=%H %cs", "--", *files).splitlines():
        commit, date = line.split()
        try:
            best, summary = (json.loads(git("show", f"{commit}:{f}")) for f in files)
        except subprocess.CalledProcessError:  # um commit com só um dos dois arquivos
            continue
        name = best["experiment"]
        seeds, accs = summary[name].get("seeds"), summary[name].get("test_accs")
        if accs is None and seeds:  # um resumo antigo não tinha as sementes: elas estão nos arquivos do mesmo commit
            accs = [json.loads(git("show", f"{commit}:results/{dataset}/{name}_seed{s}.json"))["test_acc"]
                    for s in seeds]
        look = {"winner": name, "seeds": seeds, "test_accs": accs, "test_mean": summary[name]["test_mean"]}
        if best.get("tta"):
            look["test_accs_tta"] = summary[name + "+tta"].get("test_accs")
            look["test_mean_tta"] = summary[name + "+tta"]["test_mean"]
        means = ("winner", "test_mean", "test_mean_tta")
        if not found or [found[-1].get(k) for k in means] != [look.get(k) for k in means]:
            final = look.get("test_mean_tta", look["test_mean"])
            found.append({**look, "commit": commit[:7], "date": date, "reached_target": final >= TARGETS[dataset]})
    return found


def tested_runs(dataset: str) -> list[dict]:
    """Cada teste que um arquivo results/<conjunto>/arq_*_seed*.json já gravou (um por treino e valor), no primeiro
    commit em que apareceu, com a CPU ou GPU do treino."""
    found, seen = [], set()
    log = git("log", "--reverse", "--format=@%H %cs", "--name-only", "--", f"results/{dataset}/")
    for block in log.split("@")[1:]:
        head, *files = block.strip().splitlines()
        commit, date = head.split()
        for f in files:
            if not (f.startswith(f"results/{dataset}/arq_") and "_seed" in f):
                continue
            try:
                r = json.loads(git("show", f"{commit}:{f}"))
            except subprocess.CalledProcessError:  # o arquivo saiu neste commit
                continue
            key = (r["experiment"], r["seed"], r.get("test_acc"), r.get("device_name"))
            if r.get("test_acc") is not None and key not in seen:
                seen.add(key)
                found.append({"experiment": r["experiment"], "seed": r["seed"], "test_acc": r["test_acc"],
                              "device_name": r.get("device_name"), "commit": commit[:7], "date": date})
    return found


def build() -> dict:
    return {"targets": TARGETS, "targets_commits": TARGETS_COMMITS,
            **{dataset: looks(dataset) for dataset in TARGETS},
            "tested_runs": {dataset: tested_runs(dataset) for dataset in TARGETS}}


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)} gravado.")
