"""Kill and resume: a run killed with SIGKILL (at a random step, and during a save) and resumed ends
with weights bit-identical to an uninterrupted run of the same length (CPU, fixed seed, one thread: see
`subprocess_env.py`)."""
import os, random, signal, subprocess, sys, time, textwrap
import pytest, torch
from acgan_nb.train.checkpoint import load_checkpoint
from acgan_nb.core import num_threads
from acgan_nb.train.config import TrainConfig
from acgan_nb.train.runs import train
from subprocess_env import BITWISE_ENV

CFG = dict(dataset='digits', epochs=6, iters=90, bs=32, seed=5)

CHILD = textwrap.dedent('''
    import sys, time, torch
    from acgan_nb.train.config import TrainConfig
    from acgan_nb.train.runs import train
    run, mode = sys.argv[1], sys.argv[2]
    if mode == 'slow-save':
        # every checkpoint write pauses after the temporary file is written and before the rename,
        # and says so, so the parent can kill the process inside a save
        orig = torch.save
        def slow(obj, f, *a, **k):
            orig(obj, f, *a, **k)
            with open(run + '/saving', 'a') as m: m.write('x')
            time.sleep(3)
        torch.save = slow
    train(TrainConfig(**%r), run, quiet=True)
''' % CFG)

def start(run, mode):
    return subprocess.Popen([sys.executable, '-c', CHILD, str(run), mode], env=BITWISE_ENV)   # one thread: compared bit for bit

def wait_for(cond, proc, timeout=240):
    t = time.time()
    while not cond():
        assert proc.poll() is None, 'the run ended before it could be killed'
        assert time.time() - t < timeout, 'timed out'
        time.sleep(0.01)

def rows(run):
    p = run/'metrics.csv'
    return len(p.read_text().splitlines()) - 1 if p.exists() else 0

@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    run = tmp_path_factory.mktemp('ref')/'run'
    with num_threads(1): train(TrainConfig(**CFG), run, quiet=True)
    return load_checkpoint(run/'checkpoint.pt')

def assert_identical(run, ref):
    got = load_checkpoint(run/'checkpoint.pt')
    assert got['epoch'] == ref['epoch'] == CFG['epochs']
    for net in ('generator', 'critic'):
        for k, v in ref[net].items(): assert torch.equal(v, got[net][k]), f'{net}.{k} differs after resume'
    for a, b in zip(ref['opt']['state'].values(), got['opt']['state'].values()):
        assert all(torch.equal(a[k], b[k]) for k in a)

def test_sigkill_at_random_step_then_resume(tmp_path, reference):
    run = tmp_path/'run'
    rng = random.Random(int(os.environ.get('ACGAN_KILL_SEED', time.time())))
    after_rows, extra = rng.randint(1, CFG['epochs'] - 2), rng.uniform(0, 0.5)
    p = start(run, 'normal')
    wait_for(lambda: rows(run) >= after_rows, p)
    time.sleep(extra)
    p.send_signal(signal.SIGKILL); p.wait()
    assert p.returncode == -signal.SIGKILL
    print(f'killed after {after_rows} logged epochs + {extra:.2f} s; checkpoint at epoch {load_checkpoint(run/"checkpoint.pt")["epoch"]}')
    with num_threads(1): train(run_dir=run, resume=True, quiet=True)
    assert_identical(run, reference)
    assert rows(run) == CFG['epochs']

def test_sigkill_during_save_then_resume(tmp_path, reference):
    run = tmp_path/'run'
    p = start(run, 'slow-save')
    marker = run/'saving'
    wait_for(lambda: marker.exists() and len(marker.read_text()) >= 2, p)   # inside the second save
    p.send_signal(signal.SIGKILL); p.wait()
    assert list(run.rglob('*.tmp')), 'the kill should have left a half-done temporary file'
    assert load_checkpoint(run/'checkpoint.pt')['epoch'] == 1   # the previous checkpoint is intact
    marker.unlink()
    with num_threads(1): train(run_dir=run, resume=True, quiet=True)
    assert not list(run.rglob('*.tmp'))
    assert_identical(run, reference)
