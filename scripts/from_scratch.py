#!/usr/bin/env python3
"""Executa os notebooks do zero, como o "Executar tudo" do Colab: sem results/, sem figuras, sem pesos.

Uso:  python scripts/from_scratch.py [--out PASTA] [--notebooks NB ...] [--parallel] [--deadline S] [--plain]
                                     [--subset N] [--epoch-scale X] [-p NOME VALOR] [--save]

Copia só os notebooks para uma pasta nova (padrão: temporária), com results/, figures/ e models/ vazias e data/
como link para o data/ daqui; roda cada um com o papermill (os dois ao mesmo tempo com --parallel; aí o
fashion_mnist.ipynb pode não achar ainda os resultados do MNIST que a sua seção 4 compara) e grava
PASTA/from_scratch_<máquina>.json: máquina, PyTorch, tempo de parede e estado de cada notebook, segundos e
acurácia de cada treino e as diferenças pareadas contra os resultados commitados (mesmo experimento e semente:
mostram o que a máquina muda). Com --subset/--epoch-scale a execução é reduzida e os notebooks gravam em
PASTA/scratch/. --deadline interrompe (com Ctrl-C, que desliga o kernel) o que passar do prazo, e o JSON diz o que
ficou de fora. Só uma execução completa numa GPU NVIDIA, com --save, grava results/from_scratch_<máquina>.json.

Numa máquina com o torch e sem o Jupyter (a de GPU), use --plain: cada notebook roda célula por célula num processo
Python comum (scripts/plain_run.py), sem precisar de nenhum pacote a mais; o treino medido é o mesmo. Sem --plain,
roda o papermill (`python -m papermill`), com um kernel por notebook; com --parallel, os kernels partem um de cada
vez (dois kernels que partem juntos podem escolher a mesma porta), e um kernel que morre antes da primeira célula
é refeito. Este script só importa a biblioteca padrão (e scripts/common.py).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from importlib.util import find_spec
from pathlib import Path

from common import br

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("mnist_cnn.ipynb", "fashion_mnist.ipynb")


def prefix_of(notebook: Path) -> str:
    """O `prefix` que o notebook passa a start_run: o nome da pasta dos seus resultados."""
    code = "".join("".join(c["source"]) for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"])
    return re.search(r'start_run\(globals\(\), prefix="(\w+)"\)', code)[1]


def runs_in(folder: Path) -> dict:
    """Os treinos gravados numa pasta (um por experimento e semente); a cópia de uma escolha fica fora."""
    runs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*_seed*.json"))}
    return {k: r for k, r in runs.items() if "history" in r and "selection" not in r}


def pair(key: str, new: dict, old: dict | None) -> dict:
    row = {"run": key, "experiment": new["experiment"], "seed": new["seed"], "seconds": new["seconds"],
           "test_acc": new["test_acc"], "val_acc": new["history"][-1]["val_acc"], "device_name": new["device_name"]}
    if old is not None:
        both = new["test_acc"] is not None and old["test_acc"] is not None
        row.update(committed_seconds=old["seconds"], committed_test_acc=old["test_acc"],
                   committed_device_name=old["device_name"], same_identity=new.get("identity") == old.get("identity"),
                   speedup=old["seconds"] / new["seconds"], d_val_acc=row["val_acc"] - old["history"][-1]["val_acc"],
                   d_test_acc=new["test_acc"] - old["test_acc"] if both else None)
    return row


def launch(nb: str, plain: bool, params: dict, out: Path, env: dict, tries: int = 3):
    """Começa um notebook; no papermill, espera o kernel executar a primeira célula (ou o refaz, até `tries`)."""
    logname = out / f"{Path(nb).stem}.log"
    if plain:
        cmd = [sys.executable, str(ROOT / "scripts" / "plain_run.py"), nb, json.dumps(params)]
    else:
        cmd = [sys.executable, "-m", "papermill", nb, nb, "-k", "python3", "--no-progress-bar", "--log-output",
               "-y", json.dumps(params)]
    for attempt in range(1, tries + 1):
        log = open(logname, "w", encoding="utf-8")  # fechado depois do wait
        proc = subprocess.Popen(cmd, cwd=out, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        t0 = time.perf_counter()
        print(f"{nb}: executando (registro em {logname.name})…", flush=True)
        if plain:
            return proc, t0, log
        while proc.poll() is None and "Executing Cell 2" not in logname.read_text(encoding="utf-8"):
            time.sleep(0.5)  # o kernel já executa a primeira célula de código: o próximo já pode partir
        if proc.returncode is None or "Executing Cell 2" in logname.read_text(encoding="utf-8"):
            return proc, t0, log
        log.close()
        print(f"{nb}: o kernel morreu antes da primeira célula (tentativa {attempt} de {tries}); de novo.", flush=True)
    return proc, t0, log


def run_all(a, params: dict, out: Path) -> dict:
    """Roda os notebooks (um por vez, ou todos juntos com --parallel) e devolve estado e tempo de cada um."""
    backend = "Agg" if a.plain else "module://matplotlib_inline.backend_inline"  # sem Jupyter, sem o inline
    env = {**os.environ, "MPLBACKEND": backend, "PYTHONUNBUFFERED": "1"}
    start, jobs, report = time.perf_counter(), list(a.notebooks), {}
    while jobs:
        batch, jobs = (jobs, []) if a.parallel else (jobs[:1], jobs[1:])
        if a.deadline is not None and time.perf_counter() - start >= a.deadline:
            report.update({nb: {"status": "not_started", "wall_s": 0.0} for nb in batch})
            continue
        procs = {}
        for nb in batch:
            shutil.copy2(ROOT / nb, out / nb)
            procs[nb] = launch(nb, a.plain, params, out, env)
        while procs:  # cada notebook é medido quando termina, não quando o anterior termina
            time.sleep(0.2)
            late = a.deadline is not None and time.perf_counter() - start >= a.deadline
            for nb, (proc, t0, log) in list(procs.items()):
                if proc.poll() is None and not late:
                    continue
                status = "ok" if proc.returncode == 0 else f"failed (rc {proc.returncode})"
                if proc.returncode is None:  # Ctrl-C: o papermill desliga o kernel; se não sair, o grupo morre
                    os.killpg(proc.pid, signal.SIGINT)
                    try:
                        proc.wait(30)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, signal.SIGKILL)
                    status = "deadline"
                log.close()
                del procs[nb]
                report[nb] = {"status": status, "wall_s": time.perf_counter() - t0}
                done = {"ok": "terminou", "deadline": "interrompido no prazo"}.get(status, f"falhou, {status}")
                done += "" if status == "ok" else f" (veja {log.name})"
                print(f"{nb}: {done} em {br(report[nb]['wall_s'], 1)} s", flush=True)
    return report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, help="pasta nova (padrão: uma pasta temporária)")
    ap.add_argument("--notebooks", nargs="+", default=list(NOTEBOOKS), choices=NOTEBOOKS)
    ap.add_argument("--parallel", action="store_true", help="os notebooks ao mesmo tempo, em processos separados")
    ap.add_argument("--deadline", type=float, help="segundos para tudo; o que passar disso é interrompido")
    ap.add_argument("--subset", type=int, help="SUBSET dos notebooks (execução reduzida)")
    ap.add_argument("--epoch-scale", type=float, help="EPOCH_SCALE dos notebooks (execução reduzida)")
    ap.add_argument("-p", nargs=2, action="append", default=[], metavar=("NOME", "VALOR"), help="parâmetro")
    ap.add_argument("--save", action="store_true", help="grava também results/from_scratch_<máquina>.json")
    ap.add_argument("--plain", action="store_true", help="sem Jupyter: as células num processo Python comum")
    a = ap.parse_args(argv)
    if not a.plain and find_spec("papermill") is None:
        sys.exit("Falta o papermill: instale requirements-dev.txt, ou use --plain (sem Jupyter).")
    params = {k: _value(v) for k, v in a.p}
    params.update({k: v for k, v in (("SUBSET", a.subset), ("EPOCH_SCALE", a.epoch_scale)) if v is not None})
    if "DRIVE_DIR" in params:
        sys.exit("DRIVE_DIR não é aceito aqui: os resultados ficam nas pastas de --out.")
    reduced = params.get("SUBSET", 0) > 0 or params.get("EPOCH_SCALE", 1) != 1
    out = (a.out or Path(tempfile.mkdtemp(prefix="from_scratch-"))).resolve()
    if out.exists() and any(out.iterdir()):
        sys.exit(f"A pasta '{out}' não está vazia: escolha uma nova (--out).")
    for name in ("results", "figures", "models"):
        (out / name).mkdir(parents=True)
    (out / "data").symlink_to(ROOT / "data", target_is_directory=True)
    print(f"Pasta nova: {out} | parâmetros: {params or 'nenhum (execução completa)'}", flush=True)
    t0, report = time.perf_counter(), run_all(a, params, out)
    rows, missing, torch = [], {}, None
    for nb, info in report.items():
        prefix = prefix_of(ROOT / nb)  # a execução reduzida grava em scratch/, como no notebook
        fresh = runs_in(out / ("scratch" if reduced else ".") / "results" / prefix)
        committed = runs_in(ROOT / "results" / prefix)
        rows += [{**pair(k, r, committed.get(k)), "notebook": nb} for k, r in fresh.items()]
        torch = next((r["torch"] for r in fresh.values()), torch)
        missing[nb] = sorted(committed.keys() - fresh.keys())
        info.update(n_runs=len(fresh), train_seconds=sum(r["seconds"] for r in fresh.values()))
    device, torch = (rows[0]["device_name"], torch) if rows else _ask_torch()
    paired = [r["d_test_acc"] for r in rows if r.get("same_identity") and r["d_test_acc"] is not None]
    result = {"device_name": device, "torch": torch, "python": sys.version.split()[0], "reduced": reduced,
              "parameters": params, "parallel": a.parallel,
              "runner": "plain_run.py" if a.plain else "papermill", "deadline_s": a.deadline, "folder": str(out),
              "total_wall_s": time.perf_counter() - t0, "notebooks": report, "runs": rows,
              "committed_not_run": missing,
              "paired_test_acc": {"n": len(paired), "mean_diff": sum(paired) / len(paired) if paired else None}}
    name = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", device).encode("ascii", "ignore").decode().lower())
    path = out / f"from_scratch_{name.strip('-')}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"{len(rows)} treinos, {len(paired)} pareados com um resultado commitado de mesma identidade. JSON: {path}")
    if a.save:
        if reduced or not rows or "NVIDIA" not in device or any(r["device_name"] != device for r in rows):
            print("--save recusado: só uma execução completa numa GPU NVIDIA vai para results/.", file=sys.stderr)
            return 1
        shutil.copy2(path, ROOT / "results" / path.name)
        print(f"Gravado também em results/{path.name}.")
    return 0 if all(i["status"] == "ok" for i in report.values()) else 1


def _value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _ask_torch() -> tuple[str, str | None]:
    """Sem nenhum treino terminado: o dispositivo e a versão, perguntados ao torch (só aqui ele é importado)."""
    try:
        import torch
    except ImportError:
        return "desconhecido", None
    return (torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"), torch.__version__


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
