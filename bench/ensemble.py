"""Throughput of K ensemble members trained vectorised (one wide network, grouped convolutions) against
the same K members trained one after another with the same loop (`train_vectorised` with K = 1), in one process.

Members are the small model on 2-class subsets of the digits (member k gets classes 2(k mod 5), 2(k mod 5)+1),
batch --bs, seeds 0..K-1. Throughput is generator iterations per second summed over members (one
generator iteration = one critic step + one generator step). Set-up (building the members, widening)
is excluded: each measurement is the time of a run of W+T iterations minus that of a run of W.

    OMP_NUM_THREADS=1 nice -n 19 python bench/ensemble.py [--ks 2 10] [--iters 10] [--bs 64] [--device cpu]

On a GPU (default when one is present) the K values default to 10 and 100.
"""
import argparse, time
import torch
from acgan_nb.data import load_dataset, class_subset
from acgan_nb.learner import TrainConfig
from acgan_nb.ensemble import train_vectorised, member_config

def timed(cfgs, datas, steps, device):
    if device.type == 'cuda': torch.cuda.synchronize()
    t = time.perf_counter(); train_vectorised(cfgs, datas, device=device, steps=steps)
    if device.type == 'cuda': torch.cuda.synchronize()
    return time.perf_counter() - t

def run_time(cfgs, datas, iters, warm, device):
    "Seconds for `iters` generator iterations, set-up excluded."
    return max(timed(cfgs, datas, 2*(warm + iters), device) - timed(cfgs, datas, 2*warm, device), 1e-9)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--ks', type=int, nargs='+'); p.add_argument('--iters', type=int, default=10); p.add_argument('--warm', type=int, default=2)
    p.add_argument('--bs', type=int, default=64); p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    a = p.parse_args(); device = torch.device(a.device)
    ks = a.ks or ([10, 100] if device.type == 'cuda' else [2, 10])
    digits = load_dataset('digits')
    subsets = [class_subset(digits, [2*j, 2*j + 1]) for j in range(5)]
    cfg = TrainConfig(epochs=1, iters=10**6, bs=a.bs, device=str(device))
    print(f"device {device}{' (' + torch.cuda.get_device_name(device) + ')' if device.type == 'cuda' else f', {torch.get_num_threads()} thread(s)'}; "
          f"small model, digits 16 px, batch {a.bs}, {a.iters} generator iterations per member (after {a.warm} warm-up)")
    for K in ks:
        cfgs, datas = [member_config(cfg, i) for i in range(K)], [subsets[i % 5] for i in range(K)]
        t_vec = run_time(cfgs, datas, a.iters, a.warm, device)
        t_seq = sum(run_time([c], [d], a.iters, a.warm, device) for c, d in zip(cfgs, datas))
        v, s = K*a.iters/t_vec, K*a.iters/t_seq
        print(f"K={K:4d}: vectorised {v:8.1f} it/s, sequential {s:8.1f} it/s (summed over members); ratio {v/s:5.2f}x")
