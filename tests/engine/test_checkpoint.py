import os

import pytest
import torch

from s2hand.engine.checkpoint import (
    CheckpointError,
    CheckpointManager,
    atomic_torch_save,
    capture_rng_state,
    load_checkpoint,
    restore_rng_state,
)


def test_atomic_save_failure_keeps_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "ck.t7"
    atomic_torch_save({"v": torch.ones(3)}, target)
    real_save = torch.save

    def exploding_save(obj, handle):
        handle.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", exploding_save)
    with pytest.raises(OSError):
        atomic_torch_save({"v": torch.zeros(3)}, target)
    monkeypatch.setattr(torch, "save", real_save)
    assert torch.equal(torch.load(target, weights_only=True)["v"], torch.ones(3))
    assert os.listdir(tmp_path) == ["ck.t7"]


def test_keep_last_and_latest(tmp_path):
    manager = CheckpointManager(tmp_path, "texturehand", keep_last=2)
    for epoch in range(1, 6):
        manager.save({"epoch": epoch}, numbered=True)
    manager.save({"epoch": 5, "mid": True}, numbered=False)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["latest.t7", "texturehand_4.t7", "texturehand_5.t7"]
    assert load_checkpoint(tmp_path / "latest.t7")["mid"] is True


def test_load_rejects_foreign_and_missing(tmp_path):
    torch.save({"encoder": {}}, tmp_path / "orig.t7")
    with pytest.raises(CheckpointError, match="not an s2hand engine checkpoint"):
        load_checkpoint(tmp_path / "orig.t7")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.t7")


def test_rng_roundtrip_through_file(tmp_path):
    import random

    import numpy as np

    state = capture_rng_state()
    atomic_torch_save({"rng": state}, tmp_path / "r.t7")
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()  # noqa: NPY002

    expected = draw()
    restore_rng_state(torch.load(tmp_path / "r.t7", weights_only=True)["rng"])
    assert draw() == expected
