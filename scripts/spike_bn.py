#!/usr/bin/env python3
"""O pico da validação na época 4 de arq_deep_cnn_aug (semente 0) vem das estatísticas do BatchNorm?

Uso: ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 python scripts/spike_bn.py [--out results/mnist/pico_bn.json]

Refaz as primeiras épocas do treino gravado em results/mnist/arq_deep_cnn_aug_seed0.json com as funções do
próprio notebook (seed_everything, build_model, o laço de train_model, evaluate) e a configuração gravada (o OneCycle
montado para as 20 épocas, como no treino de verdade), e para depois da época 5. No fim das épocas 3, 4 e 5,
mede a validação de quatro jeitos: (a) eval() como está (é o número do histórico); (b) eval() depois de
recalcular as médias e variâncias de todos os BatchNorm nas imagens de treino sem aumento, com os pesos
congelados (reset_running_stats, momentum=None para a média cumulativa, passagens em train() sob no_grad);
(b2) o mesmo com o Dropout desligado durante o recálculo; (b3) o mesmo nas imagens de treino com o aumento de
dados do treino; (c) BatchNorm em train() nos lotes de validação (as estatísticas de cada lote de 2.000, sem
Dropout). Os recálculos usam uma CÓPIA do modelo e guardam o estado do gerador global, para o treino seguir
igual. As épocas 1 a 5 são conferidas com o histórico gravado. Leva uns 10 minutos numa CPU de 2 núcleos.
As redes em channels_last só repetem os números bit a bit com as instruções limitadas a AVX2 numa CPU AMD
(results/fingerprint_audit.json).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import os
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from common import SHA256, br, signed  # noqa: E402
from nbcells import epochs, load_namespace  # noqa: E402

RUN, SEED = "arq_deep_cnn_aug", 0
CHECKED = (3, 4, 5)  # épocas medidas dos quatro jeitos; o treino para depois da última
RECALC_BATCH = 200  # 49.800 = 249 lotes de 200: a média cumulativa pesa todas as imagens igualmente
EVAL_BATCH = 2000  # o lote de evaluate(); também o de (c)
COMPARED = ("train_loss", "train_acc", "val_loss", "val_acc")
WAYS = {
    "a_eval": "(a) eval() como está: as estatísticas acumuladas pelo BatchNorm durante o treino (momento 0,1)",
    "b_recomputed": "(b) eval() depois de recalcular as estatísticas de cada BatchNorm nas 49.800 imagens de treino "
                    "sem aumento, pesos congelados, modelo inteiro em train() (Dropout ligado, como no treino)",
    "b2_recomputed_no_dropout": "(b2) como (b), com o Dropout desligado durante o recálculo (como na avaliação)",
    "b3_recomputed_augmented": "(b3) como (b), nas imagens de treino com o aumento de dados do treino (a mesma "
                               "distribuição que o BatchNorm viu ao treinar)",
    "c_batch_stats": "(c) BatchNorm em train() nos lotes de validação (média e variância de cada lote de 2.000), "
                     "Dropout desligado",
}
SHORT = {"a_eval": "(a)", "b_recomputed": "(b)", "b2_recomputed_no_dropout": "(b2)",
         "b3_recomputed_augmented": "(b3)", "c_batch_stats": "(c)"}


def bn_layers(model) -> list:
    return [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


def recomputed(model, x, dropout: bool, augment=None):
    """Uma cópia de `model` com as estatísticas de todos os BatchNorm recalculadas em `x` (pesos congelados)."""
    m = copy.deepcopy(model)
    layers = bn_layers(m)
    momenta = [bn.momentum for bn in layers]
    for bn in layers:
        bn.reset_running_stats()
        bn.momentum = None  # média cumulativa: todos os lotes com o mesmo peso
    m.train()
    if not dropout:
        for d in m.modules():
            if isinstance(d, torch.nn.Dropout):
                d.eval()
    with torch.random.fork_rng(devices=[]), torch.no_grad():  # o Dropout daqui não gasta o gerador do treino
        torch.manual_seed(SEED)
        for xb in x.split(RECALC_BATCH):
            m(xb if augment is None else augment(xb))
    for bn, momentum in zip(layers, momenta, strict=True):
        bn.momentum = momentum
    return m


def batch_stats_eval(ns, model, x, y) -> tuple[float, float]:
    """(perda, acurácia) com o BatchNorm em train() (estatísticas de cada lote) e o resto em eval()."""
    m = copy.deepcopy(model)  # train() no BatchNorm atualiza as estatísticas guardadas: só na cópia
    m.eval()
    for bn in bn_layers(m):
        bn.train()
    F = ns["F"]
    loss, correct = 0.0, 0
    with torch.inference_mode():
        for xb, yb in zip(x.split(EVAL_BATCH), y.split(EVAL_BATCH), strict=True):
            out = m(xb)
            loss += F.cross_entropy(out, yb, reduction="sum").item()
            correct += (out.argmax(1) == yb).sum().item()
    return loss / len(x), 100.0 * correct / len(x)


def bn_shift(model, reference) -> list:
    """Por camada BatchNorm: quanto as estatísticas guardadas se afastam das recalculadas (média nos canais de
    |μ_guardada − μ_recalculada| / σ_recalculada, e da razão σ²_guardada / σ²_recalculada)."""
    rows = []
    for bn, ref in zip(bn_layers(model), bn_layers(reference), strict=True):
        sd = (ref.running_var + ref.eps).sqrt()
        rows.append({"mean_shift_in_sd": ((bn.running_mean - ref.running_mean).abs() / sd).mean().item(),
                     "var_ratio": ((bn.running_var + bn.eps) / (ref.running_var + ref.eps)).mean().item()})
    return rows


def isa_env() -> dict:
    return {k: os.environ.get(k) for k in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(ROOT / "results" / "mnist" / "pico_bn.json"))
    p.add_argument("--data-dir", default=str(ROOT / "data"))
    args = p.parse_args(argv)
    if isa_env() != {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}:
        print("⚠️  Sem ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 no ambiente: numa CPU com AVX-512, os "
              "números não repetem o treino gravado bit a bit (diferem nos últimos dígitos e se afastam depois).")

    source = ROOT / "results" / "mnist" / f"{RUN}_seed{SEED}.json"
    committed = json.loads(source.read_text(encoding="utf-8"))
    with contextlib.redirect_stdout(io.StringIO()):  # sem a linha de ambiente que o notebook imprime
        ns = load_namespace(ROOT / "mnist_cnn.ipynb")
    torch.set_num_threads(2)  # como o treino gravado (CPU de 2 núcleos)
    cfg = committed["config"]
    device = ns["get_device"]()
    data = ns["load_data"](ns["datasets"].MNIST, args.data_dir, SHA256["mnist"], seed=SEED, n_valid=10_200,
                           device=device)
    identity = ns["run_identity"](data, cfg, SEED)
    same_identity = identity == committed["identity"]
    print(f"{RUN}, semente {SEED} | {ns['device_name'](device)} | torch {torch.__version__} | "
          f"instruções: {isa_env()} | identidade do treino igual à gravada: {'sim' if same_identity else 'NÃO'}")
    if not same_identity:
        print(f"   diferença: {ns['identity_difference'](committed['identity'], identity)}")

    (x_tr, _), (x_va, y_va) = data["train"], data["valid"]
    aug_gen = torch.Generator().manual_seed(SEED)  # gerador próprio: não toca no do treino

    def augment(xb):
        return ns["augment"](xb, **cfg["augment"], generator=aug_gen)

    measured = []

    def measure(model, record) -> None:
        start, before = time.perf_counter(), ns["state_sha256"](model.state_dict())
        ways = {"a_eval": (record["val_loss"], record["val_acc"])}
        again = ns["evaluate"](model, x_va, y_va)
        assert again == ways["a_eval"], (again, ways["a_eval"])  # a avaliação é determinística
        recalc = recomputed(model, x_tr, dropout=True)
        ways["b_recomputed"] = ns["evaluate"](recalc, x_va, y_va)
        ways["b2_recomputed_no_dropout"] = ns["evaluate"](recomputed(model, x_tr, dropout=False), x_va, y_va)
        ways["b3_recomputed_augmented"] = ns["evaluate"](recomputed(model, x_tr, True, augment), x_va, y_va)
        ways["c_batch_stats"] = batch_stats_eval(ns, model, x_va, y_va)
        assert ns["state_sha256"](model.state_dict()) == before, "as medidas mudaram o modelo do treino"
        measured.append({"epoch": record["epoch"], "lr_at_start": record["lr"],
                         **{k: {"val_loss": loss, "val_acc": acc} for k, (loss, acc) in ways.items()},
                         "bn_shift_vs_b": bn_shift(model, recalc)})
        print("   " + " · ".join(f"{SHORT[k]} {br(acc)}% (perda {br(loss, 4)})" for k, (loss, acc) in ways.items())
              + f" · medidas em {br(time.perf_counter() - start, 1)} s")

    start, history = time.perf_counter(), []
    ns["seed_everything"](SEED)  # como train_run: semente, modelo novo, o laço de train_model
    model = ns["build_model"](cfg["arch"]).to(device)
    for record in epochs(ns, model, data, cfg, SEED):
        history.append(record)
        print(f"   época {record['epoch']}: validação {br(record['val_acc'])}%", flush=True)
        if record["epoch"] in CHECKED:
            measure(model, record)
        if record["epoch"] >= CHECKED[-1]:
            break
    seconds = time.perf_counter() - start

    old = committed["history"][:len(history)]
    diffs = [{k: h[k] - o[k] for k in COMPARED} for h, o in zip(history, old, strict=True)]
    identical = all(v == 0 for d in diffs for v in d.values())
    print(f"\nConferência com o histórico gravado ({source.relative_to(ROOT)}), agora − gravado:")
    for h, d in zip(history, diffs, strict=True):
        print(f"   época {h['epoch']}: " + ", ".join(f"{k} {d[k]:+.3g}" for k in COMPARED))
    print("   bit a bit iguais: " + ("sim" if identical else "não"))

    print("\nAcurácia de validação (%) por época e jeito:")
    print("   época  " + "  ".join(f"{SHORT[k]:>7}" for k in WAYS))
    for m in measured:
        print(f"   {m['epoch']:>5}  " + "  ".join(f"{br(m[k]['val_acc']):>7}" for k in WAYS))
    spike = next(m for m in measured if m["epoch"] == 4)
    print(f"Época 4: (b) − (a) = {signed(spike['b_recomputed']['val_acc'] - spike['a_eval']['val_acc'])} pontos.")

    result = {
        "run": RUN, "seed": SEED, "source": str(source.relative_to(ROOT)), "config": cfg,
        "identity": identity, "identity_matches_committed": same_identity,
        "device": device.type, "device_name": ns["device_name"](device), "torch": torch.__version__,
        "threads": torch.get_num_threads(), "isa_env": isa_env(),
        "method": " ".join(__doc__.split("\n\n")[2].split()),
        "ways": WAYS, "recompute_batch_size": RECALC_BATCH, "batch_stats_batch_size": EVAL_BATCH,
        "units": "acurácias em %, perdas: entropia cruzada média por imagem",
        "epochs": measured,
        "history": [{k: h[k] for k in ("epoch", "lr", *COMPARED)} for h in history],
        "committed_history": [{k: h[k] for k in ("epoch", "lr", *COMPARED)} for h in old],
        "reproduction": {"bit_identical": identical, "difference_now_minus_committed": diffs},
        "seconds": seconds,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{out}.tmp").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(f"{out}.tmp", out)
    print(f"Gravado em {out} ({br(seconds / 60, 1)} min).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
