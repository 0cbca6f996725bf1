"""`acgan-evaluate` on a first run, as a user meets it (console script, subprocess): it says in one line which
judge it trains first and why, shows fastai's progress table with column names (not bare `[0, 0.12, ...]` rows),
and with `--quiet` prints only its result line. Each call gets an empty judge cache, so the judge is trained."""
import json, re, subprocess
import pytest
from subprocess_env import ENV

@pytest.fixture(scope='module')
def run(tmp_path_factory):
    run = tmp_path_factory.mktemp('eval')/'run'
    r = subprocess.run(['acgan-train', '--out', str(run), '--epochs', '1', '--iters', '5', '--bs', '16', '--quiet'], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr
    return run

def evaluate(run, cache, *extra):
    r = subprocess.run(['acgan-evaluate', str(run), '--n', '200', '--no-figures', *extra], capture_output=True, text=True,
                       env={**ENV, 'ACGAN_CACHE': str(cache)})
    assert r.returncode == 0, r.stderr[-2000:]
    return [l for l in r.stdout.replace('\r', '\n').splitlines() if l.strip()]

def test_first_evaluate_announces_the_judge_and_shows_its_table(run, tmp_path):
    lines = evaluate(run, tmp_path/'cache')
    assert lines[0].startswith('acgan-evaluate: training the digits judge first: a classifier of real digits images'), lines[0]
    assert str(tmp_path/'cache'/'judges'/'digits-16.pt') in lines[0] and (tmp_path/'cache'/'judges'/'digits-16.pt').exists()
    assert any(re.match(r'\s*epoch\s+train_loss\s+valid_loss\s+accuracy\s+time', l) for l in lines), 'no table header with column names'
    assert not any(re.match(r'\s*\[\d', l) for l in lines), 'bare list rows printed'
    assert lines[-1].startswith(f'wrote {run}/eval.json: accuracy')
    again = evaluate(run, tmp_path/'cache')   # cached now: no notice, no table
    assert len(again) == 1 and again[0].startswith('wrote ')

def test_quiet_prints_only_the_result(run, tmp_path):
    lines = evaluate(run, tmp_path/'cache', '--quiet')
    assert len(lines) == 1 and lines[0].startswith(f'wrote {run}/eval.json: accuracy'), lines

@pytest.mark.parametrize('objective,args,grouping', [('gan_star', [], 'judge class'), ('acgan', ['--objective-arg', 'dynamic=true'], 'judge class'),
                                                     ('acgan', [], 'input label')])
def test_eval_json_says_how_it_measured(tmp_path, objective, args, grouping):
    "IS over 10 random splits with its decomposition per split; per-class MS-SSIM grouped by the judge's class where G ignores its label (figures on)."
    run = tmp_path/'run'
    r = subprocess.run(['acgan-train', '--out', str(run), '--epochs', '1', '--iters', '5', '--bs', '16', '--quiet', '--objective', objective, *args],
                       capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr[-2000:]
    r = subprocess.run(['acgan-evaluate', str(run), '--n', '1000', '--quiet'], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr[-2000:]
    ev = json.loads((run/'eval.json').read_text())
    assert (ev['ms_ssim_classes'], ev['label_conditioned'], ev['diversity_classes']) == (grouping, grouping == 'input label', grouping)
    parts = ev['inception_score_parts']
    assert ev['inception_score_splits'] == parts['splits'] == 10 and parts['inception_score'] == ev['inception_score']
    assert {'h_marginal', 'h_marginal_std', 'h_conditional', 'h_conditional_std', 'inception_score_std'} <= set(parts)
    assert (run/'eval_diversity.png').exists() and all(0 <= v <= 1 for v in ev['ms_ssim_per_class'].values())
