"""Training throughput of a fastai-`Learner`-driven AC-GAN against a plain PyTorch loop.

Both train the same model (the small MNIST-sized pair, or --arch cifar), on the same device-resident
batches, with the same objective and the same optimiser arithmetic (torch Adam, lr 2e-4, betas
(0.5, 0.999), one parameter group per network, the idle network frozen). One generator iteration is
one critic step and one generator step on batches of --bs images; throughput is images per second
through the critic's real batch. Both loops are built once; they then alternate in rounds (each
round switching which goes first), in one process, and the median of the per-round ratios is
printed: pairing the two runs of a round cancels the drift of a shared machine's speed.

    python bench/train_step.py [--arch small|cifar] [--bs 64] [--iters 100] [--rounds 10]
"""
import argparse, statistics, time
import torch
from fastai.callback.progress import ProgressCallback
from fastai.torch_core import default_device
from acgan_nb.data.datasets import load_dataset, ImageData
from acgan_nb.data.batches import make_dataloaders
from acgan_nb.objectives import get_objective
from acgan_nb.nets import build_models
from acgan_nb.train.loop import gan_learner
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

class PlainLoop:
    "The textbook loop: two Adam optimisers, D step then G step, the idle network frozen."
    def __init__(self, data, arch, bs, device):
        self.obj, self.G, self.D = setup(data, arch, bs, device)
        self.dl, self.device = make_dataloaders(data, bs, device=device).train, device
        self.opt_g = torch.optim.Adam(self.G.parameters(), 2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), 2e-4, betas=(0.5, 0.999))
    @staticmethod
    def freeze(m, rg):
        for p in m.parameters(): p.requires_grad_(rg)
    def step(self):
        obj, G, D = self.obj, self.G, self.D
        z, c, x, y = self.dl.one_batch()                 # critic step
        self.freeze(G, False); self.freeze(D, True)
        with torch.no_grad(): fake = G(z, c)
        loss = obj.d_loss(D(x), D(fake), y, c)
        loss.backward(); self.opt_d.step(); self.opt_d.zero_grad()
        z, c, x, y = self.dl.one_batch()                 # generator step
        self.freeze(G, True); self.freeze(D, False)
        loss = obj.g_loss(D(G(z, c)), c)
        loss.backward(); self.opt_g.step(); self.opt_g.zero_grad()
    def run(self, iters):
        for _ in range(iters): self.step()

class FastaiLoop:
    "The same work through `gan_learner`: fastai's Learner, GANTrainer, FixedGANSwitcher, Recorder, metrics."
    def __init__(self, data, arch, bs, device):
        obj, G, D = setup(data, arch, bs, device)
        self.learn = gan_learner(make_dataloaders(data, bs, device=device), G, D, obj, mixed_precision=False)
        self.learn.remove_cb(ProgressCallback); self.learn.logger = lambda *a, **k: None
    def run(self, iters):
        self.learn.dls.train.n_batches = 2 * iters
        self.learn.fit(1)

def timed(loop, iters, bs, device):
    if device.type == 'cuda': torch.cuda.synchronize()
    t = time.perf_counter(); loop.run(iters)
    if device.type == 'cuda': torch.cuda.synchronize()
    return iters * bs / (time.perf_counter() - t)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--arch', default='small', choices=['small', 'cifar'])
    p.add_argument('--bs', type=int, default=64)
    p.add_argument('--iters', type=int, default=100)
    p.add_argument('--rounds', type=int, default=10)
    p.add_argument('--device', default=None)
    a = p.parse_args()
    device = torch.device(a.device) if a.device else default_device()
    data = synthetic(28, 1) if a.arch == 'small' else synthetic(32, 3)
    print(f"AC-GAN training throughput, arch={a.arch}, {data.img_size}px, batch {a.bs}, {a.rounds} rounds of {a.iters} iterations, "
          f"device {device}, {torch.get_num_threads()} threads")
    loops = {'plain PyTorch': PlainLoop(data, a.arch, a.bs, device), 'fastai Learner': FastaiLoop(data, a.arch, a.bs, device)}
    for l in loops.values(): l.run(5)                    # warm-up
    res, ratios = {k: [] for k in loops}, []
    for r in range(a.rounds):  # alternate which loop goes first; compare the two runs of each round
        for name in (list(loops) if r % 2 == 0 else list(loops)[::-1]): res[name].append(timed(loops[name], a.iters, a.bs, device))
        ratios.append(res['fastai Learner'][-1] / res['plain PyTorch'][-1])
        print(f"  round {r+1:2d}: plain {res['plain PyTorch'][-1]:8.1f} img/s   fastai {res['fastai Learner'][-1]:8.1f} img/s   ratio {ratios[-1]:.3f}")
    for k, v in res.items(): print(f"{k:15s} {statistics.median(v):8.1f} images/s (median of {a.rounds})")
    print(f"ratio fastai/plain: {statistics.median(ratios):.3f} (median of per-round ratios; goal >= 0.97)")
