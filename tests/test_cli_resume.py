"""The paths users take, as they take them: `acgan-train` run as a console script in a subprocess with
its progress bar on (into a log file, as a cluster job writes it, and into a pseudo-terminal), stopped by
SIGKILL (at a random point, and inside a checkpoint write), SIGTERM and SIGINT (once, and twice), then
resumed with `acgan-train --resume RUN`. Each resumed run must end with one metrics row per epoch, every
sample grid, and weights bit-identical to an uninterrupted run of the same command (every process on one
thread: see `subprocess_env.py`). Also: one writer per
run directory, reading a run while it trains, nothing to train, and a class-split ensemble killed
mid-member."""
import json, os, pty, random, re, signal, subprocess, sys, threading, time
from pathlib import Path
import pytest, torch
from acgan_nb.train.checkpoint import load_checkpoint
from subprocess_env import BITWISE_ENV

ARGS = ['--epochs', '6', '--iters', '90', '--bs', '32', '--seed', '5']   # digits: 6 epochs of 30 batches
EPOCHS = 6
ENV = {**BITWISE_ENV, 'PYTHONUNBUFFERED': '1'}   # one thread: the weights are compared bit for bit across processes
SLOW_SAVE = '''
import sys, time, torch
from pathlib import Path
orig = torch.save
def slow(obj, f, *a, **k):   # every checkpoint write pauses between the temporary file and the rename, and says so
    orig(obj, f, *a, **k)
    with open(Path(sys.argv[2]) / 'saving', 'a') as m: m.write('x')
    time.sleep(3)
torch.save = slow
from acgan_nb.train.guards import GracefulStop
graceful_after_batch = GracefulStop.after_batch
def at_batch(self):   # where training is, as 'epoch batch' (0-based), so a test can send a signal inside an epoch
    (Path(sys.argv[2]) / 'at').write_text(f'{self.epoch} {self.iter}')
    graceful_after_batch(self)
GracefulStop.after_batch = at_batch
from acgan_nb.cli.train import acgan_train
sys.argv = ['acgan-train'] + sys.argv[1:]
acgan_train()
'''

def start(run, *extra, log=None, slow_save=False):
    "`acgan-train --out RUN ARGS` in the background, progress on, stdout/stderr into `log`."
    cmd = [sys.executable, '-c', SLOW_SAVE, '--out', str(run)] if slow_save else ['acgan-train', '--out', str(run)]
    f = open(log or f'{run}.log', 'w')
    return subprocess.Popen(cmd + ARGS + list(extra), stdout=f, stderr=subprocess.STDOUT, env=ENV, start_new_session=True)

def cli(*args, check=True, timeout=600):
    r = subprocess.run(list(args), capture_output=True, text=True, env=ENV, timeout=timeout)
    if check: assert r.returncode == 0, f'{args} exited {r.returncode}:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}'
    return r

def wait_for(cond, proc, timeout=300):
    t = time.time()
    while not cond():
        assert proc.poll() is None, f'the run ended (exit {proc.returncode}) before it could be stopped'
        assert time.time() - t < timeout, 'timed out'
        time.sleep(0.02)

def epochs_saved(run):
    "The newest epoch checkpoint's epoch (the files rotate: only the last 3 are kept)."
    return max((int(p.name[6:10]) for p in (run/'checkpoints').glob('epoch_????.pt')), default=0) if (run/'checkpoints').exists() else 0

def inside_epoch(run, epoch):
    "Whether the run (started with `slow_save`) is training batch 1 to 20 (0-based) of `epoch` (0-based) of its 30."
    try: e, b = map(int, (run/'at').read_text().split())
    except (OSError, ValueError): return False
    return e == epoch and 1 <= b <= 20

def last_line(text): return [l for l in text.strip().splitlines() if l.strip()][-1]

def assert_same_weights(a, b):
    for net in ('generator', 'critic'):
        for k, v in a[net].items(): assert torch.equal(v, b[net][k]), f'{net}.{k} differs from the uninterrupted run'
    for x, y in zip(a['opt']['state'].values(), b['opt']['state'].values()): assert all(torch.equal(x[k], y[k]) for k in x)

def assert_complete(run, ref):
    "One metrics row per epoch (equal to the uninterrupted run's but for the time), every grid, the same final weights, no leftovers."
    rows = [l.split(',') for l in (run/'metrics.csv').read_text().splitlines()]
    want = [l.split(',') for l in (ref/'metrics.csv').read_text().splitlines()]
    assert [r[0] for r in rows] == ['epoch'] + [str(e) for e in range(EPOCHS)]
    assert [r[:-1] for r in rows] == [r[:-1] for r in want], 'metrics differ from the uninterrupted run'
    assert sorted(p.name for p in (run/'samples').glob('*.png')) == [f'epoch_{e:03d}.png' for e in range(1, EPOCHS + 1)]
    got = load_checkpoint(run/'checkpoint.pt'); assert got['epoch'] == EPOCHS and got.get('step', 0) == 0
    assert_same_weights(got, load_checkpoint(ref/'checkpoint.pt'))
    assert not list(run.rglob('*.tmp')) and not (run/'.lock').exists()

def resume(run):
    r = cli('acgan-train', '--resume', str(run))   # progress on, as a user runs it
    assert 'epoch' in r.stdout and 'train_loss' in r.stdout, 'the resumed run should show its progress table'
    assert f'Epoch {EPOCHS}/{EPOCHS} :' in r.stdout, "the bar should count the run's epochs, not the resumed fit's"
    return r

@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    run = tmp_path_factory.mktemp('ref')/'run'
    cli('acgan-train', '--out', str(run), *ARGS)
    return run

def test_sigkill_at_random_point_then_resume(tmp_path, reference):
    run = tmp_path/'run'; rng = random.Random(int(os.environ.get('ACGAN_KILL_SEED', time.time())))
    after, frac = rng.randint(2, EPOCHS - 2), rng.uniform(0, 1.0)
    p = start(run); wait_for(lambda: epochs_saved(run) >= after - 1, p); t = time.time()
    wait_for(lambda: epochs_saved(run) >= after, p)
    time.sleep(frac * (time.time() - t))   # within one measured epoch's time: of the two or more epochs left, at least one is still to come
    p.send_signal(signal.SIGKILL); p.wait(); assert p.returncode == -signal.SIGKILL
    # the lock the dead process held is taken over by the next writer
    resume(run); assert_complete(run, reference)

def test_sigkill_during_checkpoint_write_then_resume(tmp_path, reference):
    run = tmp_path/'run'
    p = start(run, slow_save=True)
    wait_for(lambda: (run/'saving').exists() and len((run/'saving').read_text()) >= 2, p)   # inside the second epoch's save
    p.send_signal(signal.SIGKILL); p.wait()
    assert list(run.rglob('*.tmp')), 'the kill should have left a half-written temporary file'
    assert load_checkpoint(run/'checkpoint.pt')['epoch'] == 1   # the previous checkpoint is intact
    (run/'saving').unlink()
    resume(run); assert_complete(run, reference)

def _stop_and_resume(run, reference, sig, code, p):
    wait_for(lambda: epochs_saved(run) >= 2, p); time.sleep(random.uniform(0.1, 0.5))
    p.send_signal(sig)
    p.wait(timeout=120)
    assert p.returncode == code, f'exit code {p.returncode}, expected {code}'
    return load_checkpoint(run/'checkpoint.pt')

def test_sigterm_stops_at_a_step_with_a_checkpoint(tmp_path, reference):
    run = tmp_path/'run'; p = start(run)
    ck = _stop_and_resume(run, reference, signal.SIGTERM, 143, p)
    line = last_line(Path(f'{run}.log').read_text())
    assert re.fullmatch(rf"acgan-train: stopped by SIGTERM (at epoch \d+ of {EPOCHS}, batch \d+ of 30|after epoch \d+ of {EPOCHS}); .* resume with acgan-train --resume {re.escape(str(run))}", line), line
    assert ck['epoch'] >= 2 and (ck['step'] > 0) == ('batch' in line)   # at most one step lost
    resume(run); assert_complete(run, reference)

def test_sigint_in_a_terminal_stops_at_a_step(tmp_path, reference):
    "The same with Ctrl-C, the bar drawn into a pseudo-terminal (a user's screen)."
    run = tmp_path/'run'
    master, slave = pty.openpty()
    p = subprocess.Popen(['acgan-train', '--out', str(run)] + ARGS, stdin=slave, stdout=slave, stderr=slave, env=ENV, start_new_session=True)
    os.close(slave); out = []
    def read():
        while True:
            try: b = os.read(master, 4096)
            except OSError: return
            if not b: return
            out.append(b)
    t = threading.Thread(target=read, daemon=True); t.start()
    ck = _stop_and_resume(run, reference, signal.SIGINT, 130, p)
    t.join(5); screen = b''.join(out).decode(errors='replace')
    assert 'train_loss' in screen and 'acgan-train: stopped by SIGINT' in screen, screen[-500:]
    assert ck['epoch'] >= 2
    resume(run); assert_complete(run, reference)

def test_second_sigint_stops_at_once(tmp_path, reference):
    "Ctrl-C twice: the second arrives while the first's step checkpoint is being written; the process stops at once and the epoch checkpoint before it is intact."
    run = tmp_path/'run'; p = start(run, slow_save=True)
    wait_for(lambda: epochs_saved(run) >= 2 and inside_epoch(run, 2), p)   # not at an epoch's end, whose checkpoint exists already
    done = len((run/'saving').read_text())
    p.send_signal(signal.SIGINT)   # the graceful stop: a step checkpoint, written slowly
    wait_for(lambda: len((run/'saving').read_text()) > done and list((run/'checkpoints').glob('*_step_*.tmp')), p)
    p.send_signal(signal.SIGINT); p.wait(timeout=120)
    assert p.returncode == 130
    line = last_line(Path(f'{run}.log').read_text())
    assert line == 'acgan-train: stopped at once by SIGINT; the last checkpoint is intact; resume with acgan-train --resume', line
    ck = load_checkpoint(run/'checkpoint.pt'); assert ck['epoch'] >= 2 and ck['step'] == 0   # the step checkpoint never replaced it
    (run/'saving').unlink()
    resume(run); assert_complete(run, reference)

def test_one_writer_and_readers_while_training(tmp_path, reference):
    run = tmp_path/'run'; p = start(run)
    try:
        wait_for(lambda: epochs_saved(run) >= 1 and (run/'checkpoint.pt').exists(), p)   # the epoch file is written before checkpoint.pt links to it
        p.send_signal(signal.SIGSTOP)   # paused, still holding its lock, so the checks below meet a run that is training
        pid = str(p.pid)
        for args in (['acgan-train', '--out', str(run)], ['acgan-train', '--resume', str(run)]):
            r = cli(*args, check=False)
            assert r.returncode == 2 and f'being trained by process {pid}' in last_line(r.stderr), r.stderr
        # a reader works from the last complete checkpoint while the run goes on
        r = cli('acgan-sample', str(run), '--n', '20', '--out', str(tmp_path/'s.npz'))
        assert 'wrote 20 samples' in r.stdout
        assert p.poll() is None, 'the run should still be training'
    finally:
        p.send_signal(signal.SIGCONT); p.wait(timeout=600)
    assert p.returncode == 0 and not (run/'.lock').exists()
    r = cli('acgan-train', '--resume', str(run), '--epochs', str(EPOCHS))
    assert last_line(r.stdout).startswith('acgan-train: nothing to train:') and 'took' not in r.stdout, r.stdout
    r = cli('acgan-train', '--resume', str(run))
    assert last_line(r.stdout) == f'acgan-train: nothing to train: {run} has trained {EPOCHS} epochs, all of its {EPOCHS}; give --epochs above {EPOCHS} to train longer'

ENS = ['--class-split', '2', '--epochs', '3', '--iters', '45', '--bs', '32', '--seed', '5']

def test_ensemble_member_killed_then_resumed(tmp_path):
    ref, run = tmp_path/'ref', tmp_path/'run'
    cli('acgan-train', '--out', str(ref), *ENS)
    p = subprocess.Popen(['acgan-train', '--out', str(run)] + ENS, stdout=open(tmp_path/'ens.log', 'w'), stderr=subprocess.STDOUT, env=ENV, start_new_session=True)
    m1 = run/'member_01'
    wait_for(lambda: epochs_saved(m1) >= 1, p); time.sleep(random.uniform(0, 0.5))   # member_00 done, member_01 part-way
    p.send_signal(signal.SIGKILL); p.wait()
    man = json.loads((run/'ensemble.json').read_text())
    assert [m['status'] for m in man['members']] == ['done', 'running']
    cli('acgan-train', '--resume', str(run))
    man = json.loads((run/'ensemble.json').read_text())
    assert [m['status'] for m in man['members']] == ['done', 'done'] and [m['epoch'] for m in man['members']] == [3, 3]
    for name in ('member_00', 'member_01'):
        assert_same_weights(load_checkpoint(run/name/'checkpoint.pt'), load_checkpoint(ref/name/'checkpoint.pt'))
        assert len((run/name/'metrics.csv').read_text().splitlines()) == 4
        assert len(list((run/name/'samples').glob('*.png'))) == 3

def test_ensemble_sigterm_then_resume(tmp_path):
    run = tmp_path/'run'
    p = subprocess.Popen(['acgan-train', '--out', str(run)] + ENS, stdout=open(tmp_path/'ens.log', 'w'), stderr=subprocess.STDOUT, env=ENV, start_new_session=True)
    wait_for(lambda: epochs_saved(run/'member_00') >= 1, p)
    p.send_signal(signal.SIGTERM); p.wait(timeout=120)
    assert p.returncode == 143
    line = last_line((tmp_path/'ens.log').read_text())
    assert line.startswith('acgan-train: member_00: stopped by SIGTERM') and line.endswith(f'resume the ensemble with acgan-train --resume {run}'), line
    assert json.loads((run/'ensemble.json').read_text())['members'][0]['status'] == 'pending'
    cli('acgan-train', '--resume', str(run))
    assert [m['status'] for m in json.loads((run/'ensemble.json').read_text())['members']] == ['done', 'done']
