"""Throughput of K ensemble members trained vectorised (one wide network, grouped convolutions, the objective
under `torch.func.vmap`) against the same K members trained one after another, in one process.

Two sequential baselines: the same loop with one member at a time (`train_vectorised` with K = 1: the cost of
the arithmetic alone), and fastai's `train()` once per member (what one would run without vectorisation).
Members are the small model on 2-class subsets of the digits (member k gets classes 2(k mod 5), 2(k mod 5)+1),
seeds 0..K-1. Throughput is generator iterations per second summed over members (one generator iteration =
one critic step + one generator step). Set-up (building, widening, data, the end-of-epoch checkpoint) is
excluded: a measurement is the time of a run of W+T iterations minus that of a run of W. The three ways
are measured in rounds, one after another in each round (the order rotating), and the ratios are medians of
the per-round ratios: pairing the runs of a round cancels the drift of a shared machine's speed. The
throughputs printed are each way's best round.

The last lines bound what any vectorisation can gain where the work is arithmetic: the FLOPs of one member's
generator iteration (counted by torch's FlopCounterMode), the rate the sequential loop achieves, and the rate
of a large matrix product on the same device (its practical peak). Their ratio is the ceiling on the speed-up
for a method that does not cut FLOPs.

    python bench/ensemble.py [--ks 2 10] [--bs 64 16] [--iters 20] [--rounds 5] [--device cpu] [--no-fastai]

On a GPU (default when one is present) the K values default to 10 and 100; there the fastai baseline trains
100 members twice a round, so add --no-fastai for a quick figure.
"""
import argparse, statistics, time, shutil, tempfile
from dataclasses import replace
from pathlib import Path
import torch
from torch.utils.flop_counter import FlopCounterMode
from acgan_nb.data.datasets import load_dataset, class_subset
from acgan_nb.train.config import TrainConfig
from acgan_nb.train.runs import train
from acgan_nb.ensemble.core import member_config
from acgan_nb.ensemble.vectorised import train_vectorised

def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize(device)

def timed(fn, device):
    sync(device); t = time.perf_counter(); fn(); sync(device)
    return time.perf_counter() - t

def vectorised(cfgs, datas, device):
    "n → seconds for n generator iterations of all members `cfgs` in one `train_vectorised`."
    return lambda n: timed(lambda: train_vectorised(cfgs, datas, device=device, steps=2*n), device)

def one_by_one(cfgs, datas, device):
    "n → seconds for n generator iterations of each member, one `train_vectorised` per member."
    return lambda n: sum(vectorised([c], [d], device)(n) for c, d in zip(cfgs, datas))

def fastai_one_by_one(cfgs, datas, device):
    "n → seconds for n generator iterations of each member with fastai `train()` (one epoch; the end-of-epoch checkpoint cancels out)."
    def run(cfg, data, n):
        d = Path(tempfile.mkdtemp())
        try: return timed(lambda: train(replace(cfg, epochs=1, iters=n), d/'run', data=data, quiet=True), device)
        finally: shutil.rmtree(d, ignore_errors=True)
    return lambda n: sum(run(c, d, n) for c, d in zip(cfgs, datas))

def rounds(ways:dict, iters:int, warm:int, n_rounds:int) -> dict:
    "Per way, the list over rounds of the seconds for `iters` iterations (a run of warm+iters minus a run of warm)."
    out = {k: [] for k in ways}
    names = list(ways)
    for r in range(n_rounds):
        for k in names[r % len(names):] + names[:r % len(names)]:
            out[k].append(max(ways[k](warm + iters) - ways[k](warm), 1e-9))
    return out

def matmul_rate(device, n=1024, reps=20):
    "FLOP/s of an n×n×n float32 matrix product: the device's practical peak."
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    for _ in range(3): a @ b
    return 2*n**3*reps / timed(lambda: [a @ b for _ in range(reps)], device)

def member_flops(cfg, data, device):
    "FLOPs of one generator iteration (a critic and a generator step) of one member."
    with FlopCounterMode(display=False) as fc: train_vectorised([cfg], [data], device=device, steps=2)
    return fc.get_total_flops()

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--ks', type=int, nargs='+'); p.add_argument('--bs', type=int, nargs='+', default=[64, 16])
    p.add_argument('--iters', type=int, default=20); p.add_argument('--warm', type=int, default=2); p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--no-fastai', action='store_true', help="skip the fastai train() baseline")
    a = p.parse_args(); device = torch.device(a.device)
    ks = a.ks or ([10, 100] if device.type == 'cuda' else [2, 10])
    digits = load_dataset('digits')
    subsets = [class_subset(digits, [2*j, 2*j + 1]) for j in range(5)]
    print(f"device {device}{' (' + torch.cuda.get_device_name(device) + ')' if device.type == 'cuda' else f', {torch.get_num_threads()} thread(s)'}; "
          f"small model, digits 16 px, {a.iters} generator iterations per member (after {a.warm} warm-up), {a.rounds} rounds; "
          f"it/s summed over members (best round); ratios: median over rounds [min-max]")
    peak = matmul_rate(device)
    for bs in a.bs:
        cfg = TrainConfig(epochs=1, iters=10**6, bs=bs, device=str(device))
        flops = member_flops(cfg, subsets[0], device)
        for K in ks:
            cfgs, datas = [member_config(cfg, i) for i in range(K)], [subsets[i % 5] for i in range(K)]
            ways = dict(vec=vectorised(cfgs, datas, device), seq=one_by_one(cfgs, datas, device))
            if not a.no_fastai: ways['fastai'] = fastai_one_by_one(cfgs, datas, device)
            t = rounds(ways, a.iters, a.warm, a.rounds)
            rate = {k: K*a.iters/min(v) for k, v in t.items()}
            def ratio(k):
                r = [s/v for s, v in zip(t[k], t['vec'])]
                return f"ratio {statistics.median(r):5.2f}x [{min(r):.2f}-{max(r):.2f}]"
            line = f"batch {bs:3d}, K={K:4d}: vectorised {rate['vec']:8.1f} it/s | same loop one by one {rate['seq']:8.1f} it/s, {ratio('seq')}"
            if 'fastai' in t: line += f" | fastai train() one by one {rate['fastai']:8.1f} it/s, {ratio('fastai')}"
            print(line, flush=True)
            if K == ks[-1]:
                v, s = rate['vec'], rate['seq']
                print(f"batch {bs:3d}: {flops/1e6:.0f} MFLOP per member iteration; one by one {s*flops/1e9:.1f} GFLOP/s, vectorised {v*flops/1e9:.1f} GFLOP/s, "
                      f"matmul peak {peak/1e9:.1f} GFLOP/s: ceiling for a FLOP-preserving speed-up {peak/(s*flops):.2f}x", flush=True)
