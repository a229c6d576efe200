from types import SimpleNamespace

import pytest
import torch
from torch import nn

from s2hand.config import config_from_dict
from s2hand.engine.checkpoint import CheckpointError, CheckpointManager, load_parts
from s2hand.engine.optim import is_frozen
from s2hand.experiment.s2hand_method import S2HandMethod
from s2hand.models import S2HandNet

PARTS = S2HandNet.FILE_KEYS


class TwoBranch(nn.Module):
    """Stand-in with the S2HAND sub-network names (no hands needed)."""

    def __init__(self, with_2d: bool = True, with_3d: bool = True):
        super().__init__()
        self.encoder = nn.Linear(3, 4) if with_3d else None
        self.hand_decoder = nn.Sequential(nn.Linear(4, 2), nn.BatchNorm1d(2)) if with_3d else None
        self.texture_light_from_low = nn.Linear(2, 2) if with_3d else None
        self.rgb2hm = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3)) if with_2d else None


def _save(model: nn.Module, folder, epoch: int = 7):
    manager = CheckpointManager(folder, "texturehand")
    return manager.save({"model": model.state_dict(), "epoch": epoch}, numbered=True)


def test_pretrain_model_loads_common_parts_and_epoch(tmp_path):
    torch.manual_seed(0)
    shape_stage = TwoBranch(with_2d=False)
    path = _save(shape_stage, tmp_path)
    target = TwoBranch()
    info = load_parts(target, path, PARTS)
    assert info == {"loaded": ["encoder", "hand_decoder", "texture_light_from_low"], "epoch": 7}
    assert torch.equal(target.encoder.weight, shape_stage.encoder.weight)


def test_pretrain_rgb2hm_requires_that_part(tmp_path):
    path = _save(TwoBranch(with_2d=False), tmp_path)
    with pytest.raises(CheckpointError, match="pretrain_rgb2hm: .* holds none"):
        load_parts(TwoBranch(), path, {"rgb2hm": "rgb2hm"}, "pretrain_rgb2hm", require_all=True)
    with pytest.raises(CheckpointError, match="pretrain_model: checkpoint .* does not exist"):
        load_parts(TwoBranch(), tmp_path / "missing.t7", PARTS)


def test_wrong_shapes_name_the_part(tmp_path):
    other = TwoBranch()
    other.encoder = nn.Linear(3, 5)
    path = _save(other, tmp_path)
    target = TwoBranch()
    before = target.hand_decoder[0].weight.clone()
    with pytest.raises(CheckpointError, match=r"does not fit the model:\n  \[encoder\] 2 wrong "
                                              r"shapes: weight: file \(5, 3\) vs model \(4, 3\)"):
        load_parts(target, path, PARTS)
    assert torch.equal(target.hand_decoder[0].weight, before)  # nothing loaded


def test_freezing_flags():
    model = TwoBranch()
    method = S2HandMethod(config_from_dict({"freeze_hm_estimator": True}))
    assert method.freeze(model) == ["rgb2hm"]
    assert is_frozen(model.rgb2hm) and not is_frozen(model.encoder)
    assert not any(p.requires_grad for p in model.rgb2hm.parameters())


def test_per_dataset_losses_reach_the_task():
    config = config_from_dict({"train_datasets": ["FreiHand", "HO3D"], "losses": ["mscale"],
                               "losses_frei": ["mscale", "tsa_poses"],
                               "train_queries_ho3d": ["trans_images", "trans_Ks"]})
    method = S2HandMethod(config)
    assert method.checkpoint_prefix == "texturehand"
    task = method.build_task(out_dir=".", logger=None)
    frei = SimpleNamespace(dataset=["FreiHand", "FreiHand"])
    assert task.losses_for(frei) == ["mscale", "tsa_poses"]
    assert task.losses_for(SimpleNamespace(dataset=["HO3D"])) == ["mscale"]
    with pytest.raises(ValueError, match="mixes the datasets"):
        task.losses_for(SimpleNamespace(dataset=["FreiHand", "HO3D"]))
