"""Every registered objective (and its variants) trains a few steps on the digits and stays finite, from the API and from the CLI."""
import json, math
import numpy as np, pandas as pd, pytest
from acgan_nb.objectives import OBJECTIVES
from acgan_nb.train.config import TrainConfig
from acgan_nb.train.runs import train
from acgan_nb.cli.train import acgan_train

VARIANTS = [(name, 'ns', None, None) for name in sorted(OBJECTIVES)] + [
    ('acgan', 'ns', {'dynamic': True}, None), ('acgan_star', 'ns', {'dynamic': True}, None), ('amgan', 'ns', {'dynamic': True}, None),
    ('acgan_star_plus', 'hinge', None, None), ('cagan', 'lsgan', None, None), ('cagan', 'wgan-gp', None, None),
    ('modified_acgan', 'lsgan', {'adversarial': False, 'd_fake_cls': True, 'lambda_cls': 10.}, None),
    ('acgan', 'ns', None, 0.5), ('cagan', 'lsgan', None, 0.5)]

@pytest.mark.parametrize('name,adv,opts,mixed', VARIANTS, ids=[f"{v[0]}-{v[1]}-{v[2]}-{v[3]}" for v in VARIANTS])
def test_objective_trains_finite(tmp_path, name, adv, opts, mixed):
    train(TrainConfig(epochs=2, iters=8, bs=16, objective=name, adv=adv, objective_args=opts, mixed_batch=mixed), tmp_path/'run', quiet=True)
    log = pd.read_csv(tmp_path/'run'/'metrics.csv')
    assert len(log) == 2 and np.isfinite(log[['d_loss', 'g_loss']].values).all()

def test_every_objective_from_the_cli(tmp_path, capsys):
    for name in sorted(OBJECTIVES):
        acgan_train(['--out', str(tmp_path/name), '--epochs', '1', '--iters', '3', '--bs', '16', '--quiet', '--objective', name])
        assert json.loads((tmp_path/name/'config.json').read_text())['objective'] == name
