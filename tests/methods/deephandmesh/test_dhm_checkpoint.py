"""DeepHandMesh checkpoints: a synthetic original snapshot (our state dict renamed to the
original keys, ``module.``-prefixed, with the loss buffers), engine and own formats, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from s2hand.engine import CheckpointError
from s2hand.hand.deephandmesh import load_dhm_hand_model
from s2hand.methods.deephandmesh.checkpoint import (
    DHMCheckpointError,
    load_dhm_checkpoint,
    save_dhm_checkpoint,
)
from s2hand.models.deephandmesh import DeepHandMesh

# The original's trained keys and shapes (deephandmesh.md §12), V = vertices.
ORIGINAL_HEADS = {
    "id_code": (32,), "pose_net.DoF": (22, 3),
    "backbone_net.fc.0.weight": (512, 2048), "backbone_net.fc.0.bias": (512,),
    "pose_net.fc.0.weight": (512, 512), "pose_net.fc.0.bias": (512,),
    "pose_net.fc.2.weight": (28, 512), "pose_net.fc.2.bias": (28,),
    "skeleton_refine_net.fc_skeleton.0.weight": (64, 32),
    "skeleton_refine_net.fc_skeleton.0.bias": (64,),
    "skeleton_refine_net.fc_skeleton.2.weight": (66, 64),
    "skeleton_refine_net.fc_skeleton.2.bias": (66,),
    "skin_refine_net.fc_pose.0.weight": (256, 66), "skin_refine_net.fc_pose.0.bias": (256,),
    "skin_refine_net.fc_pose.2.weight": ("3V", 256), "skin_refine_net.fc_pose.2.bias": ("3V",),
    "skin_refine_net.fc_id.0.weight": (256, 32), "skin_refine_net.fc_id.0.bias": (256,),
    "skin_refine_net.fc_id.2.weight": ("3V", 256), "skin_refine_net.fc_id.2.bias": ("3V",),
}


@pytest.fixture(scope="module")
def hand():
    return load_dhm_hand_model()


@pytest.fixture(scope="module")
def trained(hand):
    torch.manual_seed(1)
    model = DeepHandMesh(hand)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return model.eval()


def _original_snapshot(model, path, drop=(), extra=None):
    """What the original's ``save_model`` writes for a ``DataParallel(Model)``."""
    v = model.hand_model.num_vertices
    network = {f"module.{k}": t.clone() for k, t in model.state_dict().items() if k not in drop}
    network["module.penet_loss.segmentation"] = torch.as_tensor(
        model.hand_model.segmentation, dtype=torch.float32)
    network["module.lap_loss.laplacian"] = torch.eye(v)
    network.update(extra or {})
    torch.save({"epoch": 34, "network": network, "optimizer": {"state": {}, "param_groups": []}},
               path)
    return network


def test_our_keys_are_the_original_keys(trained, hand):
    state = trained.state_dict()
    resnet = {k for k in state if k.startswith("backbone_net.resnet.")}
    assert set(state) - resnet == set(ORIGINAL_HEADS)
    three_v = 3 * hand.num_vertices
    for key, shape in ORIGINAL_HEADS.items():
        assert tuple(state[key].shape) == tuple(three_v if s == "3V" else s for s in shape), key
    assert {k.removeprefix("backbone_net.resnet.") for k in resnet} >= {
        "conv1.weight", "layer4.2.bn3.running_var", "layer3.0.downsample.1.weight"}


def test_original_snapshot_loads_and_reproduces(trained, hand, tmp_path):
    path = tmp_path / "snapshot_34.pth.tar"
    _original_snapshot(trained, path)
    torch.manual_seed(99)                        # another id_code and other weights
    fresh = DeepHandMesh(hand).eval()
    info = load_dhm_checkpoint(fresh, path)
    assert info == {"kind": "original", "epoch": 34, "metadata": {}}
    euler = torch.rand(2, 22, 3) - 0.5
    img = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(fresh.decode(euler).mesh, trained.decode(euler).mesh,
                                   rtol=0, atol=0)
        torch.testing.assert_close(fresh(img).mesh, trained(img).mesh, rtol=0, atol=0)
    # A decode-only model takes the same file and ignores the backbone.
    light = DeepHandMesh(hand, backbone=False)
    load_dhm_checkpoint(light, path)
    torch.testing.assert_close(light.decode(euler).mesh, trained.decode(euler).mesh)


def test_mismatches_name_keys_and_shapes(trained, hand, tmp_path):
    path = tmp_path / "snapshot_1.pth.tar"
    _original_snapshot(trained, path, drop=("pose_net.fc.2.bias",),
                       extra={"module.fancy_head.weight": torch.zeros(3)})
    with pytest.raises(DHMCheckpointError, match=r"missing keys, e.g. \['pose_net.fc.2.bias'\]"
                       r".*unexpected keys, e.g. \['fancy_head.weight'\] \(another architecture"):
        load_dhm_checkpoint(DeepHandMesh(hand, backbone=False), path)
    small = hand.replace(vertices=hand.vertices[:100], skinning_weights=hand.skinning_weights[:100],
                         faces=hand.faces[:1] * 0, uv_faces=hand.uv_faces[:1] * 0)
    _original_snapshot(trained, path)
    with pytest.raises(DHMCheckpointError, match=r"skin_refine_net.fc_pose.2.weight \(2619, 256\)"
                       r" \(this model: \(300, 256\)\).*trained on a hand model with 873 "
                       r"vertices, this one has 100"):
        load_dhm_checkpoint(DeepHandMesh(small, backbone=False), path)


def test_unreadable_and_unsafe_files(tmp_path, hand):
    model = DeepHandMesh(hand, backbone=False)
    with pytest.raises(DHMCheckpointError, match="does not exist"):
        load_dhm_checkpoint(model, tmp_path / "none.pth.tar")
    (tmp_path / "junk.pth.tar").write_bytes(b"not a checkpoint")
    with pytest.raises(DHMCheckpointError, match="could not be read safely"):
        load_dhm_checkpoint(model, tmp_path / "junk.pth.tar")
    torch.save({"network": {}, "extra": np.random.default_rng(0)}, tmp_path / "evil.pth.tar")
    with pytest.raises(DHMCheckpointError, match="weights_only=True"):
        load_dhm_checkpoint(model, tmp_path / "evil.pth.tar")
    torch.save({"something": 1}, tmp_path / "other.pth.tar")
    with pytest.raises(DHMCheckpointError, match="neither 'network'"):
        load_dhm_checkpoint(model, tmp_path / "other.pth.tar")


def test_own_and_engine_formats(trained, hand, tmp_path):
    light = DeepHandMesh(hand, backbone=False)
    path = save_dhm_checkpoint(trained, tmp_path / "dhm.pt", {"note": "test"}, epoch=3)
    assert torch.load(path, weights_only=True)["format"] == "s2hand-engine/1"  # one format
    info = load_dhm_checkpoint(light, path)
    assert info["kind"] == "engine" and info["metadata"]["note"] == "test"
    assert info["epoch"] == 3
    assert info["metadata"]["num_vertices"] == hand.num_vertices
    euler = torch.rand(1, 22, 3)
    torch.testing.assert_close(light.decode(euler).mesh, trained.decode(euler).mesh)
    engine = {"format": "s2hand-engine/1", "model": trained.state_dict(), "epochs_done": 5}
    torch.save(engine, tmp_path / "latest.t7")
    other = DeepHandMesh(hand, backbone=False)
    assert load_dhm_checkpoint(other, tmp_path / "latest.t7")["kind"] == "engine"
    torch.testing.assert_close(other.decode(euler).mesh, trained.decode(euler).mesh)


def test_errors_are_the_engines_checkpoint_error(hand, tmp_path):
    assert issubclass(DHMCheckpointError, CheckpointError)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_dhm_checkpoint(DeepHandMesh(hand, backbone=False), tmp_path / "none.pt")


def test_first_release_model_files_still_load(trained, hand, tmp_path):
    state = {k: v.detach().cpu() for k, v in trained.state_dict().items()}
    torch.save({"format": "s2hand-deephandmesh/1", "model": state, "metadata": {"a": 1}},
               tmp_path / "old.pt")
    light = DeepHandMesh(hand, backbone=False)
    assert load_dhm_checkpoint(light, tmp_path / "old.pt")["metadata"] == {"a": 1}
    euler = torch.rand(1, 22, 3)
    torch.testing.assert_close(light.decode(euler).mesh, trained.decode(euler).mesh)
