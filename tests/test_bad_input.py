"""Bad input, table-driven: each case gives one clear line (the CLI: exit code 2, no traceback) and
changes nothing already on disk."""
import hashlib, json, os, shutil
from pathlib import Path
import numpy as np, pytest, torch
from acgan_nb.cli.train import acgan_train
from acgan_nb.cli.sample import acgan_sample
from acgan_nb.cli.evaluate import acgan_evaluate
from acgan_nb.core import ACGANError
from acgan_nb.data.datasets import ImageData, load_dataset, class_subset, read_keras_npz
from acgan_nb.data.batches import ConditionalBatches
from acgan_nb.objectives import get_objective
from acgan_nb.nets import build_models
from acgan_nb.train.config import TrainConfig
from acgan_nb.train.runs import train
from acgan_nb.train.sampling import sample_run

@pytest.fixture(scope='module')
def ws(tmp_path_factory):
    "A workspace: a trained run, broken copies of it, a data dir with a malformed npz, image folders."
    w = tmp_path_factory.mktemp('ws')
    train(TrainConfig(epochs=1, iters=4, bs=16), w/'run', quiet=True)
    for name in ('trunc', 'evil', 'wide', 'badcfg'): shutil.copytree(w/'run', w/name)
    ck = (w/'trunc'/'checkpoint.pt'); b = ck.read_bytes(); ck.unlink(); ck.write_bytes(b[:len(b)//3])
    class Evil:
        def __reduce__(self): return (os.system, (f'touch {w}/pwned',))
    (w/'evil'/'checkpoint.pt').unlink(); torch.save({'format': 'acgan_nb.checkpoint.v1', 'generator': Evil()}, w/'evil'/'checkpoint.pt')
    cfg = json.loads((w/'wide'/'config.json').read_text()); cfg['width'] = 64; (w/'wide'/'config.json').write_text(json.dumps(cfg))
    (w/'badcfg'/'config.json').write_text('{"epochs": 3, "not_a_setting": 1}')
    (w/'data').mkdir(); (w/'data'/'mnist.npz').write_bytes(b'PK\x03\x04 definitely not a zip')
    (w/'empty').mkdir()
    (w/'afile').write_text('x')
    (w/'one'/'cats').mkdir(parents=True)
    from PIL import Image
    for i in range(3): Image.new('RGB', (8, 8)).save(w/'one'/'cats'/f'{i}.png')
    (w/'samples.npz').write_bytes(b'existing')
    return w

def snapshot(root:Path):
    "Every file's hash and every folder (an empty run folder left behind counts as a change)."
    return {str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest() if p.is_file() else 'dir' for p in sorted(root.rglob('*'))}

W = '{ws}'
CLI_CASES = [  # (script, arguments, environment, words the one line must contain)
    ('train', ['--dataset', 'imagenet21k'], {}, "unknown dataset 'imagenet21k'"),
    ('train', ['--objective', 'bigan'], {}, 'invalid choice'),
    ('train', ['--objective-arg', 'dynamc=true'], {}, "has no option 'dynamc'"),
    ('train', ['--objective-arg', 'dynamic'], {}, "is not KEY=VALUE"),
    ('train', ['--mixed-batch', '1.5'], {}, 'mixed_batch must lie in (0, 1)'),
    ('train', ['--class-weight', '2', '--objective', 'acgan', '--objective-arg', 'class_weight=x', '--epochs', '1', '--iters', '1'], {}, 'class_weight'),
    ('train', ['--adv', 'relativistic'], {}, 'invalid choice'),
    ('train', ['--bs', '0'], {}, 'must be positive'),
    ('train', ['--bs', '-3'], {}, 'must be positive'),
    ('train', ['--bs', 'abc'], {}, "is not a int"),
    ('train', ['--epochs', '0'], {}, 'must be positive'),
    ('train', ['--iters', '-1'], {}, 'must be positive'),
    ('train', ['--lr-g', '0'], {}, 'must be positive'),
    ('train', ['--lr-d', '2', '--out', W + '/new1'], {}, 'lr_d must lie in (0, 1)'),
    ('train', ['--nz', '0'], {}, 'must be positive'),
    ('train', ['--width', '0'], {}, 'must be positive'),
    ('train', ['--cond', 'film'], {}, 'invalid choice'),
    ('train', ['--cond', 'cbn', '--arch', 'cifar', '--img-size', '32', '--out', W + '/new10'], {}, 'built for the small architecture'),
    ('train', ['--dropout', '1.5', '--out', W + '/new2'], {}, 'dropout must lie in [0, 1)'),
    ('train', ['--beta1', '1.0', '--out', W + '/new3'], {}, 'betas must lie in [0, 1)'),
    ('train', ['--ema', '1.5', '--out', W + '/new4'], {}, 'ema decay must lie in (0, 1)'),
    ('train', ['--img-size', '20', '--out', W + '/new5'], {}, "takes 16/28/32 px images, not 20"),
    ('train', ['--arch', 'cifar', '--out', W + '/new6'], {}, "takes 32 px images, not 16"),
    ('train', ['--out', W + '/run'], {}, 'already exists and is not empty'),
    ('train', ['--out', W + '/afile/run'], {}, 'cannot create run directory'),
    ('train', ['--resume', W + '/empty'], {}, 'has no config.json'),
    ('train', ['--resume', W + '/badcfg'], {}, 'is not a valid run config'),
    ('train', ['--resume', W + '/trunc'], {}, 'is not a loadable acgan_nb checkpoint'),
    ('train', ['--dataset', 'mnist', '--out', W + '/new7'], {'ACGAN_DATA': W + '/empty', 'ACGAN_CACHE': W + '/empty', 'ACGAN_OFFLINE': '1'}, 'set ACGAN_DATA to a folder holding mnist.npz'),
    ('train', ['--dataset', 'mnist', '--out', W + '/new8'], {'ACGAN_DATA': W + '/data'}, 'is not a readable .npz'),
    ('train', ['--dataset', 'folder:' + W + '/nowhere', '--out', W + '/new9'], {}, 'is not a directory'),
    ('train', ['--class-weight', 'nan', '--out', W + '/new12'], {}, 'class_weight must be a finite number'),
    ('train', ['--seed', str(2**70), '--out', W + '/new13'], {}, 'seed must lie in'),
    ('train', ['--dataset', 'folder:' + W + '/one', '--out', W + '/new10'], {}, 'needs at least 2'),
    ('train', ['--dataset', 'folder:' + W + '/one', '--img-size', '48', '--out', W + '/new11'], {}, 'use one of 32, 64, 128'),
    ('sample', [W + '/empty', '--out', W + '/x.npz'], {}, 'is not a run directory'),
    ('sample', [W + '/run', '--n', '0', '--out', W + '/x.npz'], {}, 'must be positive'),
    ('sample', [W + '/run', '--classes', '12', '--out', W + '/x.npz'], {}, 'outside this run'),
    ('sample', [W + '/run', '--out', W + '/samples.npz'], {}, 'already exists'),
    ('sample', [W + '/run', '--out', W + '/x.txt'], {}, 'must end in .npz'),
    ('sample', [W + '/run', '--out', W + '/nodir/x.npz'], {}, 'does not exist'),
    ('sample', [W + '/trunc', '--out', W + '/x.npz'], {}, 'truncated or tampered'),
    ('sample', [W + '/evil', '--out', W + '/x.npz'], {}, 'truncated or tampered'),
    ('sample', [W + '/wide', '--out', W + '/x.npz'], {}, 'does not match this model'),
    ('evaluate', [W + '/run', '--n', '5'], {}, 'at least 2 samples per class'),
    ('evaluate', [W + '/run', '--judge', W + '/afile'], {}, 'is not a judge file'),
]

@pytest.mark.parametrize('script,args,env,words', CLI_CASES, ids=[f"{c[0]}:{' '.join(c[1])[:40]}" for c in CLI_CASES])
def test_cli_bad_input(ws, capsys, monkeypatch, script, args, env, words):
    for k, v in env.items(): monkeypatch.setenv(k, v.format(ws=ws))
    monkeypatch.chdir(ws)  # the default run directory (runs/<dataset>-<time>) lands in the workspace, so a leftover is seen
    before = snapshot(ws)
    with pytest.raises(SystemExit) as e:
        dict(train=acgan_train, sample=acgan_sample, evaluate=acgan_evaluate)[script]([a.format(ws=ws) for a in args])
    err = capsys.readouterr().err.strip()
    assert e.value.code == 2, err
    assert len(err.splitlines()) == 1 and 'Traceback' not in err, err
    assert words in err, err
    assert snapshot(ws) == before
    assert not (ws/'pwned').exists()

x8, y8 = np.zeros((6, 8, 8), np.uint8), np.array([0, 1, 2, 0, 1, 2])
API_CASES = [
    (lambda ws: ImageData('t', x8, y8, x8, y8, ['a', 'b']), 'labels must lie in 0..1'),
    (lambda ws: ImageData('t', x8[:0], y8[:0], x8, y8, ['a', 'b', 'c']), 'training split is empty'),
    (lambda ws: ImageData('t', x8, y8 * 0, x8, y8 * 0, ['a']), 'at least 2 classes'),
    (lambda ws: ImageData('t', x8.astype(float), y8, x8, y8, list('abc')), 'expected uint8'),
    (lambda ws: load_dataset('svhn'), "unknown dataset 'svhn'"),
    (lambda ws: load_dataset('digits', img_size=-4), 'must be a positive number of pixels'),
    (lambda ws: class_subset(load_dataset('digits'), [3, 30]), 'classes [30] do not exist'),
    (lambda ws: read_keras_npz(ws/'data'/'mnist.npz'), 'is not a readable .npz'),
    (lambda ws: ConditionalBatches(torch.zeros(4, 1, 8, 8, dtype=torch.uint8), torch.zeros(4, dtype=torch.long), 2, bs=0), 'batch size 0 must be positive'),
    (lambda ws: get_objective('bigan', 10), "unknown objective 'bigan'"),
    (lambda ws: build_models('imagenet', 10, 32, 3, 11), "takes 64/128 px images, not 32"),
    (lambda ws: TrainConfig(lr_g=-1.).check(), 'lr_g must lie in (0, 1)'),
    (lambda ws: TrainConfig(best_mode='median').check(), "best_mode must be 'max' or 'min'"),
    (lambda ws: sample_run(ws/'run', 0), 'must be positive'),
    (lambda ws: train(TrainConfig(epochs=1), ws/'run', quiet=True), 'already exists'),
]

@pytest.mark.parametrize('call,words', API_CASES, ids=[w for _, w in API_CASES])
def test_api_bad_input(ws, call, words):
    before = snapshot(ws)
    with pytest.raises(ACGANError) as e: call(ws)
    msg = str(e.value)
    assert words in msg and len(msg.splitlines()) == 1, msg
    assert snapshot(ws) == before

def test_table_size():
    assert len(CLI_CASES) + len(API_CASES) >= 25
