import pytest
import torch
from torch import nn

from s2hand.engine.checkpoint import CheckpointError, CheckpointManager
from s2hand.engine.optim import is_frozen
from s2hand.engine.pretrained import apply_freezing, load_parts


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
    info = load_parts(target, path)
    assert info == {"loaded": ["encoder", "hand_decoder", "texture_light_from_low"], "epoch": 7}
    assert torch.equal(target.encoder.weight, shape_stage.encoder.weight)


def test_pretrain_rgb2hm_requires_that_part(tmp_path):
    path = _save(TwoBranch(with_2d=False), tmp_path)
    with pytest.raises(CheckpointError, match="pretrain_rgb2hm: .* holds none"):
        load_parts(TwoBranch(), path, ("rgb2hm",), "pretrain_rgb2hm", require_all=True)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_parts(TwoBranch(), tmp_path / "missing.t7")


def test_wrong_shapes_name_the_part(tmp_path):
    other = TwoBranch()
    other.encoder = nn.Linear(3, 5)
    path = _save(other, tmp_path)
    with pytest.raises(CheckpointError, match="the encoder weights .* do not fit"):
        load_parts(TwoBranch(), path)


def test_apply_freezing_flags():
    class Flags:
        freeze_hm_estimator = True
        only_train_regressor = False
        only_train_texture = False

    model = TwoBranch()
    assert apply_freezing(model, Flags()) == ["rgb2hm"]
    assert is_frozen(model.rgb2hm) and not is_frozen(model.encoder)
    assert not any(p.requires_grad for p in model.rgb2hm.parameters())
