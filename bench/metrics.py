"""Metric throughput: MS-SSIM pairs per second batched (`ms_ssim_pairs`, one call for all pairs)
against a per-pair loop over `pytorch_msssim.ms_ssim`, and judge throughput (images per second).
Both on real digits/MNIST-sized images, in one process; the ratio is printed.

    python bench/metrics.py [--pairs 1000] [--size 28] [--device cpu]
"""
import argparse, time
import numpy as np, torch
from pytorch_msssim import ms_ssim
from fastai.torch_core import default_device
from acgan_nb.metrics.ms_ssim import ms_ssim_pairs, _msssim_prep, MSSSIM_WEIGHTS, MSSSIM_WIN
from acgan_nb.metrics.judges import Judge, judge_logits

def per_pair(a, b):
    w = [v/sum(MSSSIM_WEIGHTS) for v in MSSSIM_WEIGHTS]  # three scales, luminance at the third
    return torch.stack([ms_ssim(_msssim_prep(a[i:i+1]), _msssim_prep(b[i:i+1]), data_range=255, size_average=False, win_size=MSSSIM_WIN, weights=w)[0]
                        for i in range(len(a))])

def rate(f, n, reps=3):
    best = float('inf')
    for _ in range(reps):
        t = time.perf_counter(); f()
        if torch.cuda.is_available(): torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return n / best

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--pairs', type=int, default=1000)
    p.add_argument('--size', type=int, default=28)
    p.add_argument('--device', default=None)
    a = p.parse_args()
    dev = torch.device(a.device) if a.device else default_device()
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (2*a.pairs, 1, a.size, a.size), generator=g, dtype=torch.uint8).to(dev)
    xa, xb = x[:a.pairs], x[a.pairs:]
    assert torch.allclose(ms_ssim_pairs(xa[:20], xb[:20]), per_pair(xa[:20], xb[:20]), atol=1e-5)
    batched = rate(lambda: ms_ssim_pairs(xa, xb), a.pairs)
    loop = rate(lambda: per_pair(xa[:200], xb[:200]), 200)
    print(f"MS-SSIM, {a.size}px images upsampled to 64 px, device {dev}, {torch.get_num_threads()} threads")
    print(f"  per-pair loop over pytorch_msssim: {loop:9.0f} pairs/s")
    print(f"  batched (ms_ssim_pairs):           {batched:9.0f} pairs/s   ratio {batched/loop:.1f}x")
    j = Judge(10, 1, a.size).to(dev)
    xn = x.permute(0, 2, 3, 1).cpu().numpy()
    print(f"judge throughput: {rate(lambda: judge_logits(j, xn), len(xn)):9.0f} images/s ({len(xn)} images, batches of 500)")
