"""Run directories written by an earlier version of the package still work after a change to its layout.

`tests/fixtures/run_v1` (a digits run with EMA) and `tests/fixtures/ensemble_v1` (a two-member class split) were
written by `acgan-train` at commit 619006e, before the package was split into subpackages (width 4, 8-d noise, one
epoch of 2 iterations, so the fixture stays small). Each test copies one into a temporary folder and uses it
as a user would, through the console scripts in a subprocess with progress on: resume it for another epoch,
sample from it, evaluate it. A checkpoint is never unpickled into code (`torch.load(weights_only=True)`), so
moving classes between modules must not break these."""
import json, shutil, subprocess
from pathlib import Path
import numpy as np
import pytest
from subprocess_env import ENV

FIXTURES = Path(__file__).parent/'fixtures'

def run_cmd(*args):
    r = subprocess.run(list(args), capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, f"{' '.join(args)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r.stdout

@pytest.fixture(params=['run_v1', 'ensemble_v1'])
def old_run(request, tmp_path):
    dst = tmp_path/request.param
    shutil.copytree(FIXTURES/request.param, dst)
    return dst

def test_old_run_resumes(old_run):
    out = run_cmd('acgan-train', '--resume', str(old_run), '--epochs', '2')
    assert 'epoch' in out or 'member' in out
    if (old_run/'ensemble.json').exists():
        man = json.loads((old_run/'ensemble.json').read_text())
        assert [(m['status'], m['epoch']) for m in man['members']] == [('done', 2)] * 2
    else:
        assert (old_run/'samples'/'epoch_002.png').exists()
        assert len((old_run/'metrics.csv').read_text().strip().splitlines()) == 3  # header and two epochs

def test_old_run_samples(old_run, tmp_path):
    run_cmd('acgan-sample', str(old_run), '--n', '20', '--out', str(tmp_path/'s.npz'))
    s = np.load(tmp_path/'s.npz')
    assert s['x'].shape == (20, 16, 16) and s['x'].dtype == np.uint8 and sorted(set(s['y'].tolist())) == list(range(10))

def test_old_run_evaluates(old_run):
    out = run_cmd('acgan-evaluate', str(old_run), '--n', '200', '--no-figures')
    assert out.strip().splitlines()[-1].startswith(f'wrote {old_run}/eval.json: accuracy')
    ev = json.loads((old_run/'eval.json').read_text())
    assert 0 <= ev['accuracy'] <= 1 and ev['n_samples'] == 200
