"""Every combination of the options of `acgan-train` that change what a training step does, on tiny digits:
objective (every registered one) × adversarial flavour × mixed batches (none, 0.5, 0.3) × dynamic labels (where the
objective offers them) × generator EMA × sample tracking × ensemble mode (single run, `--class-split 2`,
`--class-split 2 --vectorise`).

Each combination goes through the console script's own code path in-process (`acgan_nb.cli.train.acgan_train(argv)`) and
either trains (exit 0; finite losses; metrics.csv with one row; checkpoint.pt; for ensembles: every member done) or
is refused with one line `acgan-train: error: ...` and exit code 2 before anything is written into the run directory.
A traceback, any other exit code (3: an ensemble member failed) or a partly written run directory is a failure.

One axis is crossed more thinly, for time: a tracked single run costs ~3 s (two MS-SSIM passes of `SampleTracker`)
against ~0.15 s for an untracked one, and the tracker only reads the sampling generator after an epoch, which neither
the objective, the flavour, mixed batches nor dynamic labels change. So `--track-every` on a single run is crossed with
every objective variant (ns, no mixed batch, with and without EMA) and with every flavour × mixed batch of `acgan`
(with EMA); with an ensemble it is crossed with everything (it is refused there). 1,838 combinations in all.

`--track-every` uses the digits judge from `judge_for('digits')`, cached under $ACGAN_CACHE (trained once on first use)."""
import itertools, json, math
from pathlib import Path
import numpy as np, pandas as pd, pytest
from acgan_nb.cli.train import acgan_train
from acgan_nb.objectives.adversarial import ADVERSARIAL
from acgan_nb.objectives import OBJECTIVES, objective_options

# Tiny: 4 channels, 8-dim noise, batches of 8, one epoch of 2 generator steps (D, G, D, G), on the CPU, seed 0.
TINY = ['--dataset', 'digits', '--width', '4', '--nz', '8', '--bs', '8', '--epochs', '1', '--iters', '2',
        '--device', 'cpu', '--seed', '0', '--quiet']
MIXED = [None, 0.5, 0.3]
ENSEMBLE = {'single': [], 'split': ['--class-split', '2'], 'split-vec': ['--class-split', '2', '--vectorise']}

def combinations() -> list[dict]:
    "The full product, in a fixed order; `dynamic` only for objectives that have that option."
    out = []
    for obj in sorted(OBJECTIVES):
        dyns = [False, True] if 'dynamic' in objective_options(obj) else [False]
        for adv, mb, dyn, ema, track, ens in itertools.product(list(ADVERSARIAL), MIXED, dyns, [False, True], [False, True], list(ENSEMBLE)):
            if track and ens == 'single' and not ((adv == 'ns' and mb is None) or (obj == 'acgan' and not dyn and ema)): continue
            out.append(dict(objective=obj, adv=adv, mixed=mb, dynamic=dyn, ema=ema, track=track, ensemble=ens))
    return out

def combo_id(c:dict) -> str:
    "e.g. acgan-ns-mb0.3-dyn-ema-track-split; options left at their default are left out."
    parts = [c['objective'], c['adv']] + ([f"mb{c['mixed']}"] if c['mixed'] else []) + (['dyn'] if c['dynamic'] else []) + \
            (['ema'] if c['ema'] else []) + (['track'] if c['track'] else []) + ([c['ensemble']] if c['ensemble'] != 'single' else [])
    return '-'.join(parts)

def combo_argv(c:dict, out:Path) -> list[str]:
    "The `acgan-train` arguments of combination `c`, writing to `out`."
    return TINY + ['--out', str(out), '--objective', c['objective'], '--adv', c['adv']] + \
           (['--mixed-batch', str(c['mixed'])] if c['mixed'] else []) + (['--objective-arg', 'dynamic=true'] if c['dynamic'] else []) + \
           (['--ema', '0.9'] if c['ema'] else []) + (['--track-every', '1'] if c['track'] else []) + ENSEMBLE[c['ensemble']]

COMBOS = combinations()

@pytest.fixture(scope='module')
def digits_judge():
    "Train (or load) the digits judge once, so that the first tracked combination is not charged for it."
    from acgan_nb.metrics.judges import judge_for
    return judge_for('digits')

def check_trained_run(run:Path, c:dict, member:bool=False):
    "A finished one-epoch run: config as asked, metrics.csv with one finite row, checkpoint.pt (with the EMA generator if asked)."
    cfg = json.loads((run/'config.json').read_text())
    assert (cfg['objective'], cfg['adv'], cfg['mixed_batch'], cfg['ema']) == (c['objective'], c['adv'], c['mixed'], 0.9 if c['ema'] else None), cfg
    assert bool((cfg['objective_args'] or {}).get('dynamic', False)) == c['dynamic'], cfg
    log = pd.read_csv(run/'metrics.csv')
    assert len(log) == 1, log
    assert np.isfinite(log[['train_loss', 'd_loss', 'g_loss']].values.astype(float)).all(), log.to_dict('records')
    assert (run/'checkpoint.pt').is_file()
    assert list((run/'samples').glob('epoch_001.png'))
    if c['track'] and not member: assert len(pd.read_csv(run/'tracking.csv')) == 1

@pytest.mark.parametrize('c', COMBOS, ids=[combo_id(c) for c in COMBOS])
def test_combination(c, tmp_path, capsys, monkeypatch, request):
    if c['track']: request.getfixturevalue('digits_judge')
    monkeypatch.chdir(tmp_path)  # a stray default run directory or file would show up here
    run = tmp_path/'run'
    try: acgan_train(combo_argv(c, run)); code = 0
    except SystemExit as e: code = e.code
    out, err = capsys.readouterr()
    stray = sorted(p.name for p in tmp_path.iterdir() if p.name != 'run')
    assert not stray, f"files written outside the run directory: {stray}"
    if code == 2:  # refused: one line, nothing in the run directory
        lines = [l for l in err.splitlines() if l.strip()]
        assert len(lines) == 1 and lines[0].startswith('acgan-train: error: ') and 'Traceback' not in err, err
        assert not run.exists() or not any(run.iterdir()), f"refused ({lines[0]}) but left {sorted(str(p.relative_to(run)) for p in run.rglob('*'))}"
        return
    assert code in (0, None), f"exit code {code}: {err.strip().splitlines()[-1] if err.strip() else ''}"
    if c['ensemble'] == 'single': check_trained_run(run, c)
    else:
        man = json.loads((run/'ensemble.json').read_text())
        assert [m['status'] for m in man['members']] == ['done', 'done'], man['members']
        for m in man['members']: check_trained_run(run/m['name'], c, member=True)

def test_product_size():
    """12 objective variants (8 objectives, 4 with dynamic labels) × 5 flavours × 3 mixed × 2 EMA × 3 ensemble modes untracked, as many tracked
    with an ensemble, and the tracked single runs: every variant with and without EMA (ns, no mixed batch), every flavour × mixed of acgan with EMA."""
    n_obj = sum(2 if 'dynamic' in objective_options(o) else 1 for o in OBJECTIVES)
    full = n_obj * len(ADVERSARIAL) * len(MIXED) * 2 * len(ENSEMBLE)
    tracked_single = n_obj * 2 + len(ADVERSARIAL) * len(MIXED) - 1  # acgan-ns (no mixed, EMA) is in both
    assert len(COMBOS) == full + n_obj * len(ADVERSARIAL) * len(MIXED) * 2 * 2 + tracked_single, len(COMBOS)
    assert len({combo_id(c) for c in COMBOS}) == len(COMBOS)
