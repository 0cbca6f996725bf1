"""Time to quality: a dataset's preset (what `acgan-train --dataset D` trains, no other flag) against the preset before
the search of `03g_quality` (`OLD_MNIST`), each trained for the same wall-clock budget in this one invocation, one after
the other, and measured at snapshots every --every seconds as `acgan-evaluate` measures a finished run: the judge's
accuracy and judge-FID (against the real test images) of --n samples, and the mean per-class MS-SSIM.

Prints, for each preset: iterations per second, minutes to 90 / 95 / 99 % judge accuracy, judge-FID at 2, 5 and 10
minutes, and the last snapshot's numbers; then the new preset against the old as ratios (time: old ÷ new, so above 1
is faster; FID: old ÷ new, so above 1 is better). The training is timed on whatever else the machine is doing: run it
on an idle machine (the load average before and after each run is printed).

    python bench/quality.py [--dataset mnist] [--budget 600] [--every 30] [--n 10000] [--seed 0] [--out curves.json]
"""
import argparse, json, math, os
from dataclasses import replace
from acgan_nb.train.config import OLD_MNIST
from acgan_nb.analyses.quality import quality_curve, time_to_quality
from acgan_nb.train.config import TrainConfig, preset
from acgan_nb.train.runs import cache_key

def describe(label, r):
    c, t = r['curve'][-1], time_to_quality(r)
    m = r['machine']
    print(f"{label}: {r['iters_per_second']:.1f} it/s, {c['iters']:,} iterations in {c['seconds']/60:.1f} min (load {m['load_before']:.2f} → {m['load_after']:.2f}, {m['threads']} threads)")
    print('   ' + ', '.join(f"{k} {v:.2f}" if v == v else f"{k} —" for k, v in t.items()) + '  (— : not reached, or no snapshot then)')
    print(f"   last snapshot: accuracy {100*c['accuracy']:.2f} %, judge-FID {c['fid']:.2f}, MS-SSIM {c['ms_ssim']:.3f} (real {r['real_ms_ssim']:.3f})")
    return t

def ratio(a, b): return a / b if b and not (math.isnan(a) or math.isnan(b)) else float('nan')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--dataset', default='mnist', choices=['mnist', 'fashion_mnist'], help="the datasets whose preset the search replaced"); p.add_argument('--budget', type=float, default=600); p.add_argument('--every', type=float, default=30)
    p.add_argument('--n', type=int, default=10000); p.add_argument('--seed', type=int, default=0); p.add_argument('--out', help="write both curves to this JSON file")
    a = p.parse_args()
    old, new = replace(TrainConfig(dataset=a.dataset, **OLD_MNIST), seed=a.seed), replace(preset(a.dataset), seed=a.seed)
    if cache_key(old) == cache_key(new): p.exit(2, f"quality.py: the {a.dataset} preset is still the old one (OLD_MNIST); there is nothing to compare until the preset search has replaced it\n")
    print(f"budget {a.budget:.0f} s each, snapshots every {a.every:.0f} s, {a.n:,} samples per measurement, seed {a.seed}, {os.cpu_count()} CPUs")
    curves = {'old': quality_curve(old, a.budget, a.every, a.n), 'new': quality_curve(new, a.budget, a.every, a.n)}
    t = {k: describe(f"{k} preset", r) for k, r in curves.items()}
    print("new against old (above 1: the new preset is better):")
    print(f"   speed (it/s) new ÷ old: {ratio(curves['new']['iters_per_second'], curves['old']['iters_per_second']):.2f}")
    for k in t['old']:
        print(f"   {k}: " + (f"old ÷ new = {ratio(t['old'][k], t['new'][k]):.2f}" if not math.isnan(ratio(t['old'][k], t['new'][k])) else
                             f"old {t['old'][k]:.2f}, new {t['new'][k]:.2f} (no ratio: a preset never got there)"))
    if a.out:
        with open(a.out, 'w') as f: json.dump(curves, f, indent=1)
