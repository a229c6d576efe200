"""Original-checkpoint compatibility: every key/shape/dtype of the released .t7 files (from the
spec's manifest) loads strictly, and wrong files fail with messages naming the keys."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import torch

from s2hand.engine.checkpoint import CheckpointError, load_parts, trained_state
from s2hand.models import S2HandNet, build_model

from .conftest import random_hand_model

MANIFEST = Path("/work/shared/spec/s2hand_t7_manifest.json")
ALL_REQUIRES = ("heatmaps", "joints", "verts", "textures", "lights")
DTYPES = {"float32": torch.float32, "int64": torch.int64}


def manifest() -> dict[str, list]:
    if not MANIFEST.is_file():
        pytest.skip(f"spec manifest {MANIFEST} not available")
    return json.loads(MANIFEST.read_text())


def model_state_dicts(model):
    """``{original file key: trained state}`` of every sub-network the model has."""
    return {key: trained_state(getattr(model, part), S2HandNet.CONSTANT_PREFIXES.get(part, ()))
            for part, key in S2HandNet.FILE_KEYS.items() if getattr(model, part) is not None}


def load_original(model, path, parts=None, require_all=False):
    names = parts or list(S2HandNet.FILE_KEYS)
    return load_parts(model, path, {p: S2HandNet.FILE_KEYS[p] for p in names}, "pretrain_model",
                      require_all, S2HandNet.CONSTANT_PREFIXES)


def state_from_manifest(seed: int = 0) -> dict[str, dict[str, torch.Tensor]]:
    """Random tensors with exactly the manifest's keys, shapes and dtypes."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for part, entries in manifest().items():
        sub = {}
        for key, shape, dtype in entries:
            if DTYPES[dtype] == torch.int64:
                sub[key] = torch.randint(0, 1000, shape, generator=gen, dtype=torch.int64)
            else:
                sub[key] = torch.randn(shape, generator=gen)
        state[part] = sub
    return state


@pytest.fixture(scope="module")
def model(mano_sized_hand):
    return build_model(ALL_REQUIRES, hand_model=mano_sized_hand, renderer=None)


@pytest.fixture(scope="module")
def shape_model(mano_sized_hand):
    """3D branch only (no hourglass): cheaper where the 2D branch adds nothing."""
    return build_model(["joints", "verts"], hand_model=mano_sized_hand, renderer=None)


def test_model_keys_equal_manifest(model):
    ours = model_state_dicts(model)
    for part, entries in manifest().items():
        expected = {key: (tuple(shape), DTYPES[dtype]) for key, shape, dtype in entries}
        got = {key: (tuple(t.shape), t.dtype) for key, t in ours[part].items()}
        assert got == expected, part


def test_original_t7_loads_strictly(model, tmp_path):
    state = state_from_manifest()
    path = tmp_path / "texturehand_freihand.t7"
    args = argparse.Namespace(train_requires=list(ALL_REQUIRES), use_mean_shape=True, lr=1e-3)
    torch.save({"args": args, "epoch": 180, "optimizer": {"state": {}, "param_groups": []},
                **state}, path)
    info = load_original(model, path)
    assert info["loaded"] == ["encoder", "hand_decoder", "rgb2hm", "texture_light_from_low"]
    assert info["epoch"] == 180
    loaded = model_state_dicts(model)
    for part, sub in state.items():
        for key, value in sub.items():
            assert torch.equal(loaded[part][key], value), (part, key)


def test_wrong_keys_are_named(model, tmp_path):
    state = state_from_manifest()
    state["decoder"]["hand_decode.pose_reg.9.weight"] = state["decoder"].pop(
        "hand_decode.pose_reg.2.weight")
    state["rgb2hm"]["net_hm.tmpOut.0.weight"] = torch.zeros(20, 256, 1, 1)
    before = model.hand_decoder.hand_decode.shape_reg[0].weight.clone()
    torch.save(state, tmp_path / "bad.t7")
    with pytest.raises(CheckpointError) as err:
        load_original(model, tmp_path / "bad.t7")
    message = str(err.value)
    assert "bad.t7" in message
    assert "[hand_decoder] 1 missing keys: hand_decode.pose_reg.2.weight" in message
    assert "[hand_decoder] 1 unexpected keys: hand_decode.pose_reg.9.weight" in message
    assert "net_hm.tmpOut.0.weight: file (20, 256, 1, 1) vs model (21, 256, 1, 1)" in message
    # Nothing is loaded when any part does not fit.
    assert torch.equal(model.hand_decoder.hand_decode.shape_reg[0].weight, before)


def test_disallowed_pickle_is_refused(model, tmp_path):
    path = tmp_path / "evil.t7"
    torch.save({"args": argparse.Namespace(a=1), "hook": Path("/etc")}, path)
    with pytest.raises(CheckpointError, match="could not be read safely"):
        load_original(model, path)


def test_face_count_mismatch_is_explained(tmp_path):
    small = build_model(["joints"], hand_model=random_hand_model(num_faces=1000), renderer=None)
    torch.save(state_from_manifest(), tmp_path / "mano.t7")
    with pytest.raises(CheckpointError, match="1538-face hand model, this model's hand has 1000"):
        load_original(small, tmp_path / "mano.t7", parts=["texture_light_from_low"])


def test_selected_parts_and_missing_part(model, shape_model, tmp_path):
    state = state_from_manifest(seed=1)
    path = tmp_path / "handhm_100.t7"
    # Pre-1.6 (non-zip) serialisation, as older torch versions wrote it.
    torch.save({"args": argparse.Namespace(), "epoch": 100, "rgb2hm": state["rgb2hm"]}, path,
               _use_new_zipfile_serialization=False)
    # Parts absent from the file are skipped (the original's rule) unless required.
    assert load_original(model, path)["loaded"] == ["rgb2hm"]
    assert load_original(model, path, parts=["rgb2hm", "hand_decoder"])["loaded"] == ["rgb2hm"]
    with pytest.raises(CheckpointError, match="has no weights for encoder"):
        load_original(model, path, parts=["encoder", "rgb2hm"], require_all=True)
    with pytest.raises(CheckpointError, match="holds none of the sub-networks .*encoder"):
        load_original(model, path, parts=["encoder"])
    with pytest.raises(CheckpointError, match="holds none of the sub-networks this model has "
                                              r"\(none"):
        load_original(shape_model, path, parts=["rgb2hm"])
