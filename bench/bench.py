#!/usr/bin/env python3
"""Benchmark: o nosso laço com tensores contra o DataLoader típico, e o tempo até 99% no MNIST.

Uso (na raiz do repositório, com os dados em data/):
    python bench/bench.py                  # completo: ~10 min num CPU de 2 núcleos
    python bench/bench.py --subset 1000 --repeats 1 --max-epochs 1 --out /tmp/b.json   # fumaça

Mede, na mesma máquina e na mesma execução:
1. segundos por época da ConvNet do enunciado (lotes de 100, Adam) com (a) os dados num tensor e
   lotes por `randperm`, como nos notebooks, e (b) `DataLoader` + `ToTensor` + `Normalize`; os
   FLOPs de uma época de treino (contados com `FlopCounterMode`), a vazão alcançada em GFLOP/s e o
   teto prático da máquina (a melhor vazão de uma multiplicação de matrizes float32 2048×2048);
2. a vazão da avaliação das 10.000 imagens de teste com e sem `torch.inference_mode()`;
3. o tempo de parede até 99,0% de acurácia no teste (verificada no fim de cada época) da receita
   do enunciado (`inicial`) e da receita rápida do notebook.

O código do modelo, das receitas e do laço de treino vem das células do `mnist_cnn.ipynb`; o laço das épocas
é o de `train_model`, época a época (nbcells.epochs), para conferir o teste no fim de cada uma.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from common import SHA256, br  # noqa: E402
from nbcells import epochs, load_namespace  # noqa: E402

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # o valor que um aluno copia dos tutoriais


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default=str(ROOT / "data"))
    p.add_argument("--out", default=str(ROOT / "results" / "bench.json"))
    p.add_argument("--repeats", type=int, default=3, help="repetições de cada medida de época (>= 1)")
    p.add_argument("--subset", type=int, default=0, help="0: dados completos; N: só N imagens (fumaça)")
    p.add_argument("--max-epochs", type=int, default=10, help="limite de épocas na corrida até 99%%")
    p.add_argument("--target", type=float, default=99.0, help="acurácia-alvo no teste (%%)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for name in ("repeats", "max_epochs"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} deve ser >= 1")
    if args.subset < 0:
        p.error("--subset deve ser 0 ou positivo")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    nb = load_namespace(ROOT / "mnist_cnn.ipynb")
    torch, nn, datasets = nb["torch"], nb["nn"], nb["datasets"]
    from torch.utils.data import DataLoader, Subset
    from torchvision import transforms

    device = nb["get_device"]()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    data = nb["load_data"](datasets.MNIST, args.data_dir, SHA256["mnist"], seed=args.seed, n_valid=10_200,
                           subset=args.subset, device=device)
    n_train = len(data["train"][1])
    print(f"Dispositivo: {nb['device_name'](device)} | torch {torch.__version__} | treino: {n_train} imagens")

    # ------------------------------------------------------------ 1. segundos por época
    def epoch_tensor(model, opt, gen):
        model.train()
        for xb, yb in nb["batches"](*data["train"], 100, generator=gen):
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        sync()

    full = datasets.MNIST(args.data_dir, train=True, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((MNIST_MEAN,), (MNIST_STD,))]))
    perm = torch.randperm(len(full), generator=torch.Generator().manual_seed(args.seed))
    train_idx = perm[10_200:][: args.subset or None]
    loader = DataLoader(Subset(full, train_idx.tolist()), batch_size=100, shuffle=True)

    def epoch_dataloader(model, opt, gen):
        model.train()
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        sync()

    times = {"tensor": [], "dataloader": []}
    for rep in range(args.repeats):
        for name, fn in (("tensor", epoch_tensor), ("dataloader", epoch_dataloader)):
            nb["seed_everything"](args.seed + rep)
            model = nb["build_model"]("convnet").to(device)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            start = time.perf_counter()
            fn(model, opt, torch.Generator().manual_seed(rep))
            times[name].append(time.perf_counter() - start)
            print(f"época ({name:10s}) repetição {rep + 1}: {br(times[name][-1], 1)} s", flush=True)

    # ------------------------------------------------------------ 1b. FLOPs do passo e o teto do sgemm
    from torch.utils.flop_counter import FlopCounterMode

    flop_model = nb["build_model"]("convnet").to(device)
    xb, yb = data["train"][0][:100], data["train"][1][:100]
    with FlopCounterMode(display=False) as counter:  # passagem direta + backward de um lote de 100
        nn.functional.cross_entropy(flop_model(xb), yb).backward()
    n_batches = -(-n_train // 100)
    train_flop_per_epoch = counter.get_total_flops() * n_batches
    train_gflops = train_flop_per_epoch / statistics.median(times["tensor"]) / 1e9

    def sgemm_gflops(n: int = 2048, repeats: int = 10) -> float:
        """O teto prático: a melhor vazão de uma multiplicação de matrizes float32 n×n grande."""
        a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
        best = float("inf")
        for _ in range(repeats):
            sync()
            start = time.perf_counter()
            a @ b
            sync()
            best = min(best, time.perf_counter() - start)
        return 2 * n**3 / best / 1e9

    sgemm = sgemm_gflops()
    print(f"Passo de treino: {br(train_flop_per_epoch / 1e12)} TFLOP por época, {br(train_gflops, 0)} GFLOP/s; "
          f"teto do sgemm: {br(sgemm, 0)} GFLOP/s", flush=True)

    # ------------------------------------------------------------ 2. avaliação
    x_test, y_test = data["test"]
    model.eval()

    def eval_pass(inference: bool):
        start = time.perf_counter()
        if inference:
            nb["evaluate"](model, x_test, y_test)
        else:
            correct = 0
            for i in range(0, len(x_test), 2000):  # mesmos lotes, mas com autograd ligado
                correct += (model(x_test[i:i + 2000]).argmax(1) == y_test[i:i + 2000]).sum().item()
        sync()
        return len(x_test) / (time.perf_counter() - start)

    eval_rate = {"inference_mode": [], "grad_enabled": []}
    for _ in range(args.repeats):
        eval_rate["grad_enabled"].append(eval_pass(False))
        eval_rate["inference_mode"].append(eval_pass(True))

    # ------------------------------------------------------------ 3. tempo até 99%
    def time_to_target(cfg):
        """O treino de train_model, época a época, com o teste conferido no fim de cada uma (e o tempo dele)."""
        nb["seed_everything"](args.seed)
        model = nb["build_model"](cfg["arch"]).to(device)
        reached, accs, start = {}, [], time.perf_counter()
        for record in epochs(nb, model, data, cfg, args.seed):
            accs.append(nb["evaluate"](model, x_test, y_test)[1])
            if accs[-1] >= args.target:
                reached = {"epoch": record["epoch"], "seconds": time.perf_counter() - start}
                break
        return {"config": cfg, "reached": bool(reached), "epoch": reached.get("epoch"),
                "seconds": reached.get("seconds"), "test_acc": accs[-1], "total_seconds": time.perf_counter() - start,
                "test_acc_by_epoch": accs}

    recipe = nb["recipe"]
    seed_run = time_to_target(recipe(args.max_epochs, optimizer="adam", lr=1e-3))
    fast_run = time_to_target(recipe(args.max_epochs, **nb["FAST_RECIPE"]) | {"epochs": min(2, args.max_epochs)})

    def summary(values):
        return {"values": values, "min": min(values), "median": statistics.median(values)}

    tensor, dataloader = summary(times["tensor"]), summary(times["dataloader"])
    ratio = dataloader["median"] / tensor["median"]
    seed_s, fast_s = seed_run["seconds"], fast_run["seconds"]
    report = {
        "device": device.type, "device_name": nb["device_name"](device), "torch": torch.__version__,
        "torchvision": nb["torchvision"].__version__, "python": sys.version.split()[0],
        "threads": torch.get_num_threads(), "n_train": n_train, "repeats": args.repeats,
        "epoch_seconds_tensor": tensor, "epoch_seconds_dataloader": dataloader,
        "epoch_ratio_dataloader_over_tensor": ratio,
        "train_tflop_per_epoch": train_flop_per_epoch / 1e12, "train_gflops": train_gflops,
        "sgemm_gflops_ceiling": sgemm,
        "eval_images_per_second_inference_mode": summary(eval_rate["inference_mode"]),
        "eval_images_per_second_grad_enabled": summary(eval_rate["grad_enabled"]),
        "target_test_acc": args.target,
        "seed_recipe": seed_run, "fast_recipe": fast_run,
        "seed_recipe_seconds_to_99": seed_s, "fast_recipe_seconds_to_99": fast_s,
        "speedup_fast_over_seed_to_99": (seed_s / fast_s) if seed_s and fast_s else None,
        "fast_recipe_params": nb["count_params"](nb["build_model"](nb["FAST_RECIPE"]["arch"])),
    }
    nb["save_json_atomic"](Path(args.out), report)

    def fmt(s):
        return "não atingiu" if s is None else f"{br(s, 1)} s"

    print(f"\nResultados em {args.out} ({report['device_name']}):")
    print("| medida | mínimo | mediana |")
    print("| --- | --- | --- |")
    print(f"| época, tensores + randperm | {br(tensor['min'], 1)} s | {br(tensor['median'], 1)} s |")
    print(f"| época, DataLoader + ToTensor | {br(dataloader['min'], 1)} s | {br(dataloader['median'], 1)} s |")
    ev_i, ev_g = report["eval_images_per_second_inference_mode"], report["eval_images_per_second_grad_enabled"]
    print(f"| avaliação com inference_mode (imagens/s) | {br(ev_i['min'], 0)} | {br(ev_i['median'], 0)} |")
    print(f"| avaliação com autograd ligado (imagens/s) | {br(ev_g['min'], 0)} | {br(ev_g['median'], 0)} |")
    print(f"\nRazão DataLoader / tensores (medianas): {br(ratio)}×")
    print(f"Até {br(args.target, 1)}% no teste: receita do enunciado {fmt(seed_s)} (época {seed_run['epoch']}), "
          f"receita rápida {fmt(fast_s)} (época {fast_run['epoch']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
