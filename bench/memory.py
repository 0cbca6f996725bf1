"""Long-run hygiene: resident memory (RSS) of a training process over many steps, and the size of
its run directory. Trains the small model on the digits for --epochs epochs of --iters-per-epoch
generator iterations, with every run-directory callback on (sample grids, checkpoints, CSV log),
and prints RSS after each epoch, the growth over the second half of the run (a leak grows
linearly; a healthy run is flat once its buffers are full: fastai's per-batch history is capped at
2,000 entries by `BoundedHistory`), and the files kept.

    python bench/memory.py [--epochs 80] [--iters-per-epoch 50]
"""
import argparse, os, resource, statistics, tempfile, time
from pathlib import Path
from fastai.callback.core import Callback
from acgan_nb.train.config import TrainConfig
from acgan_nb.train.runs import train

def rss_mb() -> float:
    "Current resident set size of this process, in MiB (from /proc)."
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20

class RSSLog(Callback):
    order = 99
    def before_fit(self): self.rss = []
    def after_epoch(self): self.rss.append(rss_mb())

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=80)
    p.add_argument('--iters-per-epoch', type=int, default=50)
    a = p.parse_args()
    log = RSSLog()
    with tempfile.TemporaryDirectory() as d:
        run = Path(d)/'run'; t = time.time()
        cfg = TrainConfig(epochs=a.epochs, iters=a.epochs*a.iters_per_epoch, bs=64, max_grids=10, keep_last=3)
        train(cfg, run, quiet=True, extra_cbs=[log])
        steps = 2 * a.epochs * a.iters_per_epoch
        q = max(1, len(log.rss)//4)
        first, last = statistics.mean(log.rss[2*q:3*q]), statistics.mean(log.rss[-q:])
        print(f"{steps} training steps ({a.epochs} epochs) in {time.time()-t:.0f} s")
        print('RSS per epoch (MiB):', ' '.join(f'{r:.0f}' for r in log.rss))
        print(f"RSS third quarter {first:.1f} MiB, last quarter {last:.1f} MiB: growth {last-first:+.1f} MiB "
              f"({(last-first)/max(1, steps/4)*1024:+.2f} KiB per step); peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.0f} MiB")
        files = sorted(p.relative_to(run) for p in run.rglob('*') if p.is_file())
        print(f"run directory: {len(files)} files, {sum((run/f).stat().st_size for f in files)/2**20:.1f} MiB "
              f"({sum(1 for f in files if f.parts[0] == 'samples')} sample grids, {sum(1 for f in files if f.parts[0] == 'checkpoints')} epoch checkpoints)")
