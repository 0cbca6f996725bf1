"""CPU speed levers of the MNIST preset search (`03_training`): how many training iterations per second the small
MNIST model gets from the number of threads, the channels-last memory layout and `torch.compile`, each against the
default (eager, contiguous, all of torch's threads), in one process.

Each variant is the plain training step of `bench/train_step.py` (one critic step and one generator step, the AC-GAN
objective, torch Adam) on device-resident batches of --bs synthetic 28 px images. The variants are built once (a
compiled variant's compile time is printed apart: it is paid once per run) and then run in rounds, each round in a
different order; the median over rounds of each variant's ratio to the default run of the same round is printed
(above 1: faster), which cancels the drift of a shared machine's speed. Run it on an idle machine.

    python bench/cpu_speed.py [--bs 64] [--iters 50] [--rounds 6] [--no-compile]
"""
import argparse, statistics, sys, time
from pathlib import Path
import torch
from acgan_nb.core import num_threads
sys.path.insert(0, str(Path(__file__).parent))
from train_step import PlainLoop, synthetic

class Variant(PlainLoop):
    "The plain loop with its models prepared (`prep`) and, optionally, its own thread count."
    def __init__(self, data, bs, threads=None, channels_last=False, compile=False):
        super().__init__(data, 'small', bs, torch.device('cpu'))
        self.threads, self.channels_last = threads, channels_last
        if channels_last:
            self.G, self.D = self.G.to(memory_format=torch.channels_last), self.D.to(memory_format=torch.channels_last)
            one_batch = self.dl.one_batch
            def cl_batch():
                z, c, x, y = one_batch(); return z, c, x.contiguous(memory_format=torch.channels_last), y
            self.dl.one_batch = cl_batch
        self.compile_seconds = 0.
        if compile:
            t = time.perf_counter()
            self.G, self.D = torch.compile(self.G), torch.compile(self.D)
            self.run(3)  # compile both graphs (and the recompiles the alternating requires_grad causes) now, not in the timed rounds
            self.compile_seconds = time.perf_counter() - t
    def run(self, iters):
        with num_threads(self.threads): super().run(iters)

def its(loop, iters):
    t = time.perf_counter(); loop.run(iters); return iters / (time.perf_counter() - t)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--bs', type=int, default=64); p.add_argument('--iters', type=int, default=50); p.add_argument('--rounds', type=int, default=6)
    p.add_argument('--no-compile', action='store_true', help="leave out torch.compile (it needs a C++ compiler)")
    a = p.parse_args()
    data, n = synthetic(28, 1), torch.get_num_threads()
    print(f"small MNIST model, batch {a.bs}, {a.rounds} rounds of {a.iters} iterations, torch {torch.__version__}, {n} threads by default")
    variants = {f'default ({n} threads)': Variant(data, a.bs)}
    if n > 1: variants['1 thread'] = Variant(data, a.bs, threads=1)
    variants['channels_last'] = Variant(data, a.bs, channels_last=True)
    if not a.no_compile:
        try: variants['torch.compile'] = Variant(data, a.bs, compile=True)
        except Exception as e: print(f"torch.compile left out: {type(e).__name__}: {str(e).splitlines()[0]}")
    for v in variants.values(): v.run(3)  # warm-up
    base = next(iter(variants)); res = {k: [] for k in variants}; ratios = {k: [] for k in variants}
    for r in range(a.rounds):
        order = list(variants)[r % len(variants):] + list(variants)[:r % len(variants)]
        for k in order: res[k].append(its(variants[k], a.iters))
        for k in variants: ratios[k].append(res[k][-1] / res[base][-1])
        print(f"  round {r+1}: " + ', '.join(f"{k} {res[k][-1]:.1f} it/s" for k in variants))
    for k, v in variants.items():
        extra = f", compiling took {v.compile_seconds:.0f} s once" if v.compile_seconds else ''
        print(f"{k:22s} {statistics.median(res[k]):7.1f} it/s   ratio to default {statistics.median(ratios[k]):.3f}{extra}")
