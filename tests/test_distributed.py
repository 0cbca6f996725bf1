"""Data-parallel training under torchrun: two gloo processes on the CPU with global batch 16 (8 per process) end with
the weights of one process trained with batch 16 (same seed, same 4 generator iterations on the digits), and only
rank 0 writes the run directory; with --class-split the ensemble's members are dealt out over the processes.

Tolerance: the two runs compute the same sums in a different order (shard means averaged by DDP's all-reduce
instead of one mean; BatchNorm statistics from all-reduced per-shard sums), so gradients agree to float32 rounding,
about 1e-7 relative. Adam divides each gradient by its running RMS, so after 4 steps a weight differs by a small
fraction of one step (measured: 6e-7 at most; one Adam step moves a weight by up to lr = 2e-4). We allow 1e-5
absolute on every weight and BatchNorm buffer (lr/20, 15x the measured rounding), which a real mismatch exceeds by
far: per-process BatchNorm (--no-sync-bn), a different shard or different noise change whole steps (measured 1.6e-3
for --no-sync-bn)."""
import json, os, socket, subprocess, sys
from pathlib import Path
import pytest, torch

FLAGS = ['--dataset', 'digits', '--device', 'cpu', '--epochs', '1', '--iters', '4', '--bs', '16', '--width', '8', '--quiet']
ATOL = 1e-5

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def torchrun(*args) -> list:
    return [sys.executable, '-m', 'torch.distributed.run', '--nnodes', '1', '--nproc-per-node', '2', '--master-port', str(free_port()),
            '--no-python', 'acgan-train-distributed', *args]

def run_all(*cmds, timeout=300):
    "Run the commands side by side; their (returncode, stdout, stderr)."
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    ps = [subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    outs = [p.communicate(timeout=timeout) for p in ps]
    return [(p.returncode, *o) for p, o in zip(ps, outs)]

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('ddp')
    res = run_all(torchrun(*FLAGS, '--out', str(tmp/'two')), ['acgan-train-distributed', *FLAGS, '--out', str(tmp/'one')])
    return tmp, res

def test_runs_finish(runs):
    tmp, res = runs
    for rc, out, err in res: assert rc == 0, err[-3000:]
    assert (tmp/'two'/'checkpoint.pt').exists(), res[0][2][-3000:]
    assert 'on 2 processes, global batch 16' in res[0][1] and res[0][1].count('run directory') == 1, res[0][1]

def test_two_processes_give_the_weights_of_one(runs):
    tmp, _ = runs
    two, one = (torch.load(tmp/r/'checkpoint.pt', weights_only=True) for r in ('two', 'one'))
    for net in ('generator', 'critic'):
        assert list(two[net]) == list(one[net])  # plain state dicts: no DDP prefixes, BatchNorm keys unchanged
        for k, v in one[net].items(): torch.testing.assert_close(two[net][k].float(), v.float(), rtol=0, atol=ATOL, msg=f"{net}.{k}")
    assert two['epoch'] == one['epoch'] == 1
    assert torch.equal(two['batches']['perm'], one['batches']['perm']) and two['batches']['pos'] == one['batches']['pos']

def test_rank0_writes_the_same_run_directory(runs):
    tmp, _ = runs
    names = lambda d: sorted(str(p.relative_to(d)) for p in d.rglob('*'))
    assert names(tmp/'two') == names(tmp/'one')
    assert json.loads((tmp/'two'/'config.json').read_text()) == json.loads((tmp/'one'/'config.json').read_text())
    # the logged losses and accuracies are the global batch's (averaged over the processes), as one process logs them
    h2, r2 = (tmp/'two'/'metrics.csv').read_text().splitlines()[:2]
    h1, r1 = (tmp/'one'/'metrics.csv').read_text().splitlines()[:2]
    assert h2 == h1
    for k, a, b in zip(h1.split(','), r2.split(','), r1.split(',')):
        if k not in ('epoch', 'time'): assert abs(float(a) - float(b)) <= 1e-5*max(1, abs(float(b))), (k, a, b)

def test_ensemble_members_are_spread_over_ranks(tmp_path):
    ens = tmp_path/'ens'
    (rc, out, err), = run_all(torchrun('--dataset', 'digits', '--device', 'cpu', '--epochs', '1', '--iters', '2', '--bs', '16', '--width', '8', '--quiet',
                                       '--class-split', '0,1,2,3,4/5,6,7,8,9', '--out', str(ens)))
    assert rc == 0, err[-3000:]
    man = json.loads((ens/'ensemble.json').read_text())
    assert [m['status'] for m in man['members']] == ['done', 'done']
    log = (ens/'ensemble.log').read_text()
    assert 'member_00 (classes 0,1,2,3,4) on rank 0: done' in log and 'member_01 (classes 5,6,7,8,9) on rank 1: done' in log, log
    for m in ('member_00', 'member_01'): assert (ens/m/'checkpoint.pt').exists()
