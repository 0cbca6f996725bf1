"""Class-split ensembles from the command line, on the digits: a failing member is marked failed while the
others finish (exit code 3), sampling its classes is a one-line error, `--resume` retrains only the
unfinished members (also after a SIGKILL), `acgan-sample` / `acgan-evaluate` treat the ensemble as one run, and a member that diverges in vectorised
training fails alone."""
import json, os, signal, subprocess, sys, textwrap, time
from pathlib import Path
import numpy as np, pytest, torch
import acgan_nb.ensemble.core as E
import acgan_nb.ensemble.vectorised as V
from acgan_nb.data.datasets import load_dataset, class_subset
from acgan_nb.train.config import TrainConfig

SMALL = ['--epochs', '1', '--iters', '4', '--bs', '16', '--quiet']

# acgan-train in a child whose member_01 raises TrainingDiverged, as the divergence guard would
FAILING = textwrap.dedent('''
    import sys
    from pathlib import Path
    import acgan_nb.ensemble.core as E
    from acgan_nb.train.guards import TrainingDiverged
    from acgan_nb.cli.train import acgan_train
    orig = E.train
    def train(cfg=None, run_dir=None, **kw):
        if Path(run_dir).name == 'member_01': raise TrainingDiverged(f"training diverged at epoch 1, batch 3: the generator loss is nan; no checkpoint was written before it; resume with acgan-train --resume {run_dir} and lower --lr-g/--lr-d")
        return orig(cfg, run_dir, **kw)
    E.train = train
    acgan_train(sys.argv[1:])
''')

def cli(*args, **kw): return subprocess.run(list(args), capture_output=True, text=True, **kw)
def one_line(r, code):
    assert r.returncode == code, (r.returncode, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    return r.stderr.strip()
def statuses(ens): return [m['status'] for m in json.loads((ens/'ensemble.json').read_text())['members']]
def ckpts(ens, names): return {n: (ens/n/'checkpoint.pt').read_bytes() for n in names}

@pytest.fixture(scope='module')
def failed(tmp_path_factory):
    ens = tmp_path_factory.mktemp('ens')/'split'
    r = cli(sys.executable, '-c', FAILING, '--class-split', '0,1,2/3,4/5,6,7,8,9', '--out', str(ens), *SMALL)
    return ens, r

def test_failing_member_is_marked_and_the_others_finish(failed):
    ens, r = failed
    msg = one_line(r, 3)
    assert 'member_01 (classes 3,4): training diverged' in msg and f'acgan-train --resume {ens}' in msg, msg
    assert statuses(ens) == ['done', 'failed', 'done']
    log = (ens/'ensemble.log').read_text()
    assert 'member_00' in log and 'member_01 (classes 3,4): failed' in log and 'member_02' in log

def test_failed_member_classes_cannot_be_sampled(failed):
    ens, _ = failed
    msg = one_line(cli('acgan-sample', str(ens), '--n', '10', '--classes', '0', '3', '--out', str(ens.parent/'x.npz')), 2)
    assert 'member_01, which failed' in msg and f'acgan-train --resume {ens}' in msg, msg
    assert not (ens.parent/'x.npz').exists()

def test_resume_trains_only_the_failed_member_then_sample_and_evaluate(failed):
    ens, _ = failed
    before = ckpts(ens, ['member_00', 'member_02'])
    r = cli('acgan-train', '--resume', str(ens), '--quiet')
    assert r.returncode == 0, r.stderr
    assert statuses(ens) == ['done'] * 3 and ckpts(ens, before) == before
    r = cli('acgan-sample', str(ens), '--n', '40', '--out', str(ens.parent/'s.npz'))
    assert r.returncode == 0, r.stderr
    with np.load(ens.parent/'s.npz') as f: x, y = f['x'], f['y']
    assert x.shape == (40, 16, 16) and x.dtype == np.uint8 and sorted(set(y.tolist())) == list(range(10))
    r = cli('acgan-evaluate', str(ens), '--n', '200')
    assert r.returncode == 0, r.stderr
    ev = json.loads((ens/'eval.json').read_text())
    assert len(ev['accuracy_per_class']) == 10 and 'nn_l1_samples_median' in ev
    assert all((ens/f).exists() for f in ('eval_samples.png', 'eval_resolution.png', 'eval_diversity.png', 'eval_overfitting.png'))

def test_killed_ensemble_resumes_only_unfinished_members(tmp_path):
    ens = tmp_path/'killed'
    p = subprocess.Popen(['acgan-train', '--class-split', '5', '--out', str(ens), '--epochs', '2', '--iters', '30', '--bs', '16', '--quiet'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.time()
    while not ((ens/'ensemble.json').exists() and statuses(ens)[0] == 'done'):
        assert p.poll() is None, 'the ensemble finished before it could be killed'
        assert time.time() - t < 240, 'timed out'
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL); p.wait()
    st = statuses(ens)
    assert st[0] == 'done' and 'done' != st[-1], st
    before = ckpts(ens, ['member_00'])
    r = cli('acgan-train', '--resume', str(ens), '--quiet')
    assert r.returncode == 0, r.stderr
    assert statuses(ens) == ['done'] * 5 and ckpts(ens, ['member_00']) == before

def test_vectorised_ensemble_and_bad_splits(tmp_path):
    ens = tmp_path/'vec'
    r = cli('acgan-train', '--class-split', '2', '--vectorise', '--out', str(ens), *SMALL)
    assert r.returncode == 0, r.stderr
    assert statuses(ens) == ['done'] * 2 and 'one vectorised pass' in (ens/'ensemble.log').read_text()
    for args, msg in [(['--class-split', '0,1/2,3'], 'leaves out classes'), (['--class-split', '6'], 'groups of at least 2'),
                      (['--vectorise'], 'give --class-split too'), (['--class-split', '2', '--vectorise', '--adv', 'wgan-gp'], 'does not support the gradient penalty')]:
        m = one_line(cli('acgan-train', '--out', str(tmp_path/'bad'), *args, *SMALL), 2)
        assert msg in m, m
        assert not (tmp_path/'bad').exists() or not any((tmp_path/'bad').iterdir())

def test_vectorised_member_that_diverges_fails_alone(monkeypatch):
    """A member whose losses turn NaN in `train_vectorised` is marked failed with the step and loss; the others train as without it."""
    digits = load_dataset('digits')
    cfgs = [E.member_config(TrainConfig(epochs=1, iters=3, bs=16), i) for i in range(3)]
    datas = [class_subset(digits, [2*i, 2*i + 1]) for i in range(3)]
    clean = V.train_vectorised(cfgs, datas, device='cpu')
    forward = V.WideDiscriminator.forward
    def poisoned(self, x):  # member 1's outputs are NaN from its third step on
        out = forward(self, x); self.calls = getattr(self, 'calls', 0) + 1
        return torch.cat([out[:1], out[1:2]*float('nan'), out[2:]]) if self.calls >= 4 else out
    monkeypatch.setattr(V.WideDiscriminator, 'forward', poisoned)
    res = V.train_vectorised(cfgs, datas, device='cpu')
    assert [r['status'] for r in res] == ['done', 'failed', 'done']
    assert res[1]['error'] == 'training diverged at epoch 1, batch 3: the discriminator loss is nan', res[1]['error']
    for k in (0, 2):
        for net in ('generator', 'critic'):
            for (n, a), b in zip(res[k][net].state_dict().items(), clean[k][net].state_dict().values()):
                assert torch.allclose(a.float(), b.float(), atol=1e-6), (k, net, n)

def test_vectorised_divergence_counts_the_epochs_batches(monkeypatch):
    """In a later epoch the message names the batch of that epoch, as the single loop's `DivergenceGuard` does, not the run's step count."""
    digits = load_dataset('digits')
    cfgs = [E.member_config(TrainConfig(epochs=2, iters=6, bs=16), i) for i in range(2)]
    datas = [class_subset(digits, [2*i, 2*i + 1]) for i in range(2)]
    forward = V.WideDiscriminator.forward
    def poisoned(self, x):  # member 1's outputs are NaN from the first step of epoch 2 on (a critic step calls D twice, a generator step once)
        out = forward(self, x)
        self.calls = getattr(self, 'calls', 0) + 1
        return torch.cat([out[:1], out[1:2]*float('nan')]) if self.calls > self.epoch_calls else out
    monkeypatch.setattr(V.WideDiscriminator, 'epoch_calls', 9, raising=False)  # epoch 1: 3 generator iterations, 6 batches, 9 calls of D
    monkeypatch.setattr(V.WideDiscriminator, 'forward', poisoned)
    res = V.train_vectorised(cfgs, datas, device='cpu')
    assert [r['status'] for r in res] == ['done', 'failed']
    assert res[1]['error'] == 'training diverged at epoch 2, batch 1: the discriminator loss is nan', res[1]['error']
