#!/usr/bin/env python3
"""Carimba a identidade de hoje nos resultados commitados, só com prova de que o código de hoje os refaz.

Uso: python scripts/restamp.py refit [--code REV] STEM...   (a 1ª época de cada STEM, p. ex. mnist/inicial_seed0,
                                                             com o código de REV; sem --code, o de hoje)
     python scripts/restamp.py stamp   (com todas as provas iguais bit a bit, carimba e grava o registro em
                                        results/fingerprint_audit.json)

Os resultados commitados valem para o código de REV (o commit anterior a esta mudança: a identidade gravada neles é
a desse código, e um teste a conferia). A prova de cada representante: a primeira época refeita nesta máquina com o
código de REV e com o código de hoje (train_run, com o OneCycle montado para todas as épocas, como no treino de
verdade) dá as mesmas perdas, acurácias e taxa, bit a bit. O registro diz também se ela repete o histórico gravado,
o que só acontece na CPU que o treinou. As provas vão para scratch/restamp.jsonl, fora do git, até o `stamp`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from common import head_of_train, tta_file

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "scratch" / "restamp.jsonl"
COMPARED = ("lr", "train_loss", "train_acc", "val_loss", "val_acc")
REV = "7711246"  # o commit cujo código fez (ou carimbou, com provas) os resultados commitados


class FirstEpoch(Exception):
    """A primeira época terminou: o registro dela vem junto."""


def setup(prefix: str, rev: str | None = None):
    """O namespace do notebook (o de hoje, ou o do commit `rev`) e os dados completos no CPU."""
    import subprocess
    import tempfile

    sys.path.insert(0, str(ROOT / "scripts"))
    from nbcells import load_namespace
    from torchvision import datasets

    name = "mnist_cnn.ipynb" if prefix == "mnist" else "fashion_mnist.ipynb"
    path = ROOT / name
    if rev is not None:
        path = Path(tempfile.mkdtemp()) / f"{rev}-{name}"  # outro nome no linecache: as células não se misturam
        path.write_bytes(subprocess.run(["git", "show", f"{rev}:{name}"], cwd=ROOT, capture_output=True,
                                        check=True).stdout)
    ns = load_namespace(path)
    cls = datasets.MNIST if prefix == "mnist" else datasets.FashionMNIST
    data = ns["load_data"](cls, ROOT / "data", {}, seed=0, n_valid=10_200)
    ns["DATA"] = data  # o TTA do Fashion-MNIST lê o DATA do notebook
    return ns, data


def data_of(ns, data, stem: str) -> dict:
    return head_of_train(data, 10_200) if "mod4_treino_17pct" in stem else data


def refit(stems: list[str], rev: str | None) -> None:
    import torch

    torch.set_num_threads(2)
    for prefix in dict.fromkeys(s.split("/")[0] for s in stems):
        ns, data = setup(prefix, rev)

        def stop(record, epochs):  # format_epoch está fora da identidade: trocá-lo não muda número nenhum
            raise FirstEpoch(record)

        ns["format_epoch"] = stop
        for stem in [s for s in stems if s.startswith(prefix + "/")]:
            r = json.loads((ROOT / "results" / f"{stem}.json").read_text(encoding="utf-8"))
            try:
                ns["train_run"](r["experiment"], r["config"], data_of(ns, data, stem), r["seed"], torch.device("cpu"))
            except FirstEpoch as e:
                record = e.args[0]
            row = {"stem": stem, "code": rev or "hoje", "refit": {k: record[k] for k in COMPARED},
                   "same_as_saved": all(record[k] == r["history"][0][k] for k in COMPARED),
                   "trained_on": r["device_name"], "refit_on": ns["device_name"](torch.device("cpu"))}
            write(row)
        if prefix == "fashion":  # o TTA, nos pesos do vencedor, os únicos no git
            best = json.loads((ROOT / "results/fashion/best.json").read_text(encoding="utf-8"))
            model = ns["build_model"](best["arch"])
            model.load_state_dict(torch.load(ROOT / "models/fashion_best.pt", weights_only=True))
            extra = ns["tta_metrics"](model)
            write({"stem": "fashion/tta_metrics(models/fashion_best.pt)", "code": rev or "hoje", "refit": extra,
                   "same_as_saved": [extra["val_acc_tta"], extra["test_acc_tta"]] == [best["val_acc_tta"],
                                                                                      best["test_acc"]],
                   "trained_on": "", "refit_on": ns["device_name"](torch.device("cpu"))})


def write(row: dict) -> None:
    print(json.dumps(row, ensure_ascii=False), flush=True)
    with EVIDENCE.open("a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")


def changed_on_the_path(ns: dict, head: dict) -> list[str]:
    """As funções e classes do notebook alcançadas por algum treino (train_run, os modelos, o aumento e o TTA) cujo
    código ou cujos valores lidos diferem entre hoje e REV: só elas precisam da prova da primeira época."""
    def blocks(space):
        entries = [space["train_run"], space["augment"], *space["ARCHITECTURES"].values()]
        entries += [space["tta_metrics"]] if "tta_metrics" in space else []
        text = ns["closure_text"](entries, ns["OUTSIDE_IDENTITY"] | {"DATA"})
        return {block.split(":")[0]: block for block in text.replace("\n  ", "\t").splitlines()}

    today, before = blocks(ns), blocks(head)
    return sorted(name for name in today if today[name] != before.get(name))


def stamp() -> None:
    rows = [json.loads(line) for line in EVIDENCE.read_text(encoding="utf-8").splitlines()]
    refits = {}
    for row in rows:
        refits.setdefault(row["stem"], {})[row["code"]] = row["refit"]
    proofs = [{"stem": stem, "identical": len(by_code) == 2 and len({json.dumps(v) for v in by_code.values()}) == 1,
               **{k: next(r[k] for r in rows if r["stem"] == stem) for k in ("trained_on", "refit_on")},
               "same_as_saved": any(r["same_as_saved"] for r in rows if r["stem"] == stem), "refit": by_code}
              for stem, by_code in refits.items()]
    if not proofs or not all(p["identical"] for p in proofs):
        raise SystemExit("Nem toda prova saiu igual bit a bit: nada foi carimbado. Treine de novo os que faltam.")
    stamped, changed = [], {}
    for prefix in ("mnist", "fashion"):
        ns, data = setup(prefix)
        changed[prefix] = changed_on_the_path(ns, setup(prefix, REV)[0])
        for path in sorted((ROOT / "results" / prefix).glob("*_seed*.json")):
            r = json.loads(path.read_text(encoding="utf-8"))
            if "extra" in r:  # as acurácias com TTA saem do resultado e vão para uma medida própria (tta_of)
                tta = {**r.pop("extra"), "identity": {"weights_sha256": r["weights_sha256"],
                                                      "code": ns["fingerprint"](ns["tta_metrics"])}}
                tta_path = tta_file(path.parent, r)  # não é um *_seed*.json
                tta_path.write_text(json.dumps(tta, indent=1, ensure_ascii=False), encoding="utf-8")
                stamped.append(f"{prefix}/{tta_path.stem}")
            r["identity"] = ns["run_identity"](data_of(ns, data, path.stem), r["config"], r["seed"])
            path.write_text(json.dumps(r, indent=1, ensure_ascii=False), encoding="utf-8")
            stamped.append(f"{prefix}/{path.stem}")
    audit = json.loads((ROOT / "results" / "fingerprint_audit.json").read_text(encoding="utf-8"))
    audit[f"restamp_after_{REV}"] = {"method": __doc__.split("\n\n", 2)[2].strip(), "code": REV,
                                   "changed_on_the_training_path": changed, "first_epoch_bit_identical": proofs,
                                   "stamped": stamped}
    (ROOT / "results" / "fingerprint_audit.json").write_text(json.dumps(audit, indent=1, ensure_ascii=False),
                                                              encoding="utf-8")
    print(f"{len(stamped)} resultados carimbados com a identidade de hoje.")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["refit"]:
        rev = args[args.index("--code") + 1] if "--code" in args else None
        EVIDENCE.parent.mkdir(exist_ok=True)
        refit([a for a in args[1:] if a.count("/") == 1], rev)
    elif args == ["stamp"]:
        stamp()
    else:
        raise SystemExit(__doc__)
