"""Training throughput of a fastai-`Learner`-driven AC-GAN against a plain PyTorch loop.

Both train the same model (the small MNIST-sized pair, or --arch cifar), on the same device-resident
batches, with the same objective and the same optimiser arithmetic (torch Adam, lr 2e-4, betas
(0.5, 0.999), one parameter group per network, the idle network frozen). One generator iteration is
one critic step and one generator step on batches of --bs images; throughput is images per second
through the critic's real batch. The two loops alternate in rounds, in one process, and the ratio
of their medians is printed.

    python bench/train_step.py [--arch small|cifar] [--bs 64] [--iters 200] [--rounds 3]
"""
import argparse, statistics, time
import torch
from fastai.callback.progress import ProgressCallback
from fastai.torch_core import default_device
from acgan_nb.data import load_dataset, make_dataloaders, ImageData
from acgan_nb.losses import get_objective
from acgan_nb.models import build_models
from acgan_nb.learner import gan_learner
import numpy as np

def synthetic(size, channels, n=4096, K=10):
    rng = np.random.default_rng(0)
    return ImageData('synthetic', rng.integers(0, 256, (n, size, size, channels), dtype=np.uint8), rng.integers(0, K, n),
                     np.zeros((0, size, size, channels), np.uint8), np.zeros(0, np.int64), [str(i) for i in range(K)])

def setup(data, arch, bs, device, seed=0):
    torch.manual_seed(seed)
    obj = get_objective('acgan', data.n_classes)
    G, D = build_models(arch, data.n_classes, data.img_size, data.channels, obj.head_size)
    return obj, G.to(device), D.to(device)

def plain_loop(data, arch, bs, iters, device):
    "The textbook loop: two Adam optimisers, D step then G step, the idle network frozen."
    obj, G, D = setup(data, arch, bs, device)
    dl = make_dataloaders(data, bs, device=device).train
    opt_g = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    def freeze(m, rg):
        for p in m.parameters(): p.requires_grad_(rg)
    def step():
        z, c, x, y = dl.one_batch()                      # critic step
        freeze(G, False); freeze(D, True)
        with torch.no_grad(): fake = G(z, c)
        loss = obj.d_loss(D(x), D(fake), y, c)
        loss.backward(); opt_d.step(); opt_d.zero_grad()
        z, c, x, y = dl.one_batch()                      # generator step
        freeze(G, True); freeze(D, False)
        loss = obj.g_loss(D(G(z, c)), c)
        loss.backward(); opt_g.step(); opt_g.zero_grad()
    for _ in range(5): step()
    if device.type == 'cuda': torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(iters): step()
    if device.type == 'cuda': torch.cuda.synchronize()
    return iters * bs / (time.perf_counter() - t)

def fastai_loop(data, arch, bs, iters, device):
    "The same work through `gan_learner`: fastai's Learner, GANTrainer, FixedGANSwitcher, Recorder, metrics."
    obj, G, D = setup(data, arch, bs, device)
    learn = gan_learner(make_dataloaders(data, bs, n_batches=10, device=device), G, D, obj, mixed_precision=False)
    learn.remove_cb(ProgressCallback)
    learn.fit(1)                                          # warm-up: 5 iterations
    learn.dls.train.n_batches = 2 * iters
    if device.type == 'cuda': torch.cuda.synchronize()
    t = time.perf_counter()
    learn.fit(1)
    if device.type == 'cuda': torch.cuda.synchronize()
    return iters * bs / (time.perf_counter() - t)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--arch', default='small', choices=['small', 'cifar'])
    p.add_argument('--bs', type=int, default=64)
    p.add_argument('--iters', type=int, default=200)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--device', default=None)
    a = p.parse_args()
    device = torch.device(a.device) if a.device else default_device()
    data = synthetic(28, 1) if a.arch == 'small' else synthetic(32, 3)
    print(f"AC-GAN training throughput, arch={a.arch}, {data.img_size}px, batch {a.bs}, {a.iters} iterations x {a.rounds} rounds, "
          f"device {device}, {torch.get_num_threads()} threads")
    res = {'plain PyTorch': [], 'fastai Learner': []}
    for r in range(a.rounds):
        res['plain PyTorch'].append(plain_loop(data, a.arch, a.bs, a.iters, device))
        res['fastai Learner'].append(fastai_loop(data, a.arch, a.bs, a.iters, device))
        print(f"  round {r+1}: plain {res['plain PyTorch'][-1]:8.1f} img/s   fastai {res['fastai Learner'][-1]:8.1f} img/s")
    med = {k: statistics.median(v) for k, v in res.items()}
    for k, v in med.items(): print(f"{k:15s} {v:8.1f} images/s (median)")
    print(f"ratio fastai/plain: {med['fastai Learner']/med['plain PyTorch']:.3f}  (goal >= 0.97)")
