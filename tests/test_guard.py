"""The divergence guard and the class-count check of checkpoints."""
import pytest, torch
from fastai.callback.core import Callback
from acgan_nb.core import ACGANError
from acgan_nb.data.datasets import load_dataset, class_subset
from acgan_nb.train.checkpoint import load_checkpoint, restore_checkpoint
from acgan_nb.train.guards import TrainingDiverged
from acgan_nb.train.config import TrainConfig
from acgan_nb.train.runs import train, build_run

def test_exploding_weights_stop_the_run(tmp_path):
    with pytest.raises(TrainingDiverged) as e:
        train(TrainConfig(epochs=2, iters=10, bs=16, max_weight=0.05), tmp_path/'run', quiet=True)
    assert "largest weight" in str(e.value) and 'limit 0.05' in str(e.value) and len(str(e.value).splitlines()) == 1

def test_wrong_class_count_is_refused_whole(tmp_path):
    train(TrainConfig(epochs=1, iters=4, bs=16), tmp_path/'ten', quiet=True)
    five = class_subset(load_dataset('digits'), [0, 1, 2, 3, 4])
    learn = build_run(TrainConfig(epochs=1), tmp_path/'five', data=five, quiet=True)
    before = [p.clone() for p in learn.model.parameters()]
    with pytest.raises(ACGANError, match='does not match this model'):
        restore_checkpoint(learn, load_checkpoint(tmp_path/'ten'/'checkpoint.pt'), tmp_path/'ten'/'checkpoint.pt')
    assert all(torch.equal(a, b) for a, b in zip(before, learn.model.parameters()))
