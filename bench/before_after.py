"""Run one bench script at two revisions of this repository, alternately, in one invocation.

A bench script prints ratios against a baseline measured in its own process; this compares those ratios between
two revisions of the code, measured on the same machine at the same time. Each revision is checked out into a
temporary git worktree and runs its own copy of the script with its own package first on the path (PYTHONPATH;
an editable install of the checkout comes after it). Rounds alternate which revision goes first. Every number that
`--metric` captures is printed per run, then the median per revision and the ratio of the medians.

    python bench/before_after.py a98c99b HEAD bench/train_step.py --metric 'ratio fastai/plain: ([0-9.]+)' -- --iters 50
"""
import argparse, os, re, statistics, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def worktree(rev:str, where:Path) -> Path:
    "A detached checkout of `rev` under `where`."
    d = where/re.sub(r'\W', '_', rev)
    subprocess.run(['git', '-C', str(ROOT), 'worktree', 'add', '--detach', '-q', str(d), rev], check=True)
    return d

def run(tree:Path, script:str, args:list, metric:str) -> list[float]:
    "The numbers `metric` captures in the output of `script` run inside `tree`."
    env = {**os.environ, 'PYTHONPATH': str(tree)}
    r = subprocess.run([sys.executable, script, *args], cwd=tree, env=env, capture_output=True, text=True)
    if r.returncode: raise SystemExit(f"{script} failed in {tree}:\n{r.stderr[-2000:]}")
    return [float(m) for m in re.findall(metric, r.stdout)]

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('before')
    p.add_argument('after')
    p.add_argument('script', help='path of the bench script inside the repository')
    p.add_argument('--metric', required=True, help='a regex with one group: the number to compare')
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('args', nargs=argparse.REMAINDER, help='after --: arguments of the bench script')
    a = p.parse_args()
    args = a.args[1:] if a.args[:1] == ['--'] else a.args
    tmp = Path(tempfile.mkdtemp(prefix='before_after_'))
    trees = {rev: worktree(rev, tmp) for rev in (a.before, a.after)}
    got = {rev: [] for rev in trees}
    try:
        for r in range(a.rounds):
            order = list(trees) if r % 2 == 0 else list(trees)[::-1]
            for rev in order:
                vals = run(trees[rev], a.script, args, a.metric)
                got[rev].append(vals)
                print(f"round {r + 1} {rev:>10}: {' '.join(f'{v:.3f}' for v in vals)}", flush=True)
    finally:
        for d in trees.values(): subprocess.run(['git', '-C', str(ROOT), 'worktree', 'remove', '--force', str(d)])
    n = min(len(v) for runs in got.values() for v in runs)
    for j in range(n):
        med = {rev: statistics.median(v[j] for v in runs) for rev, runs in got.items()}
        print(f"value {j + 1}: median {a.before} {med[a.before]:.3f}, {a.after} {med[a.after]:.3f}, "
              f"after/before {med[a.after] / med[a.before]:.3f} (over {a.rounds} rounds)")

if __name__ == '__main__': main()
