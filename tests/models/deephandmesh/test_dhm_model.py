"""The DeepHandMesh network: sub-networks, decode against an independent float64 reference,
the training-mode Kabsch root, gradients into the corrective parameters."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.func import functional_call

from s2hand.hand.deephandmesh import JOINT_NAMES, load_dhm_hand_model, preset_pose
from s2hand.models.deephandmesh import DeepHandMesh, ResNetBackbone, load_torchvision_resnet

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "hand" / "deephandmesh"))
from dhm_reference import reference_pose  # noqa: E402 (test helper shared with tests/hand)

RESNET50_PARAMS_WITHOUT_FC = 25_557_032 - (2048 * 1000 + 1000)   # torchvision's resnet50


@pytest.fixture(scope="module")
def hand():
    return load_dhm_hand_model()


@pytest.fixture(scope="module")
def decoder(hand):
    torch.manual_seed(0)
    model = DeepHandMesh(hand, backbone=False, dtype=torch.float64)
    with torch.no_grad():                 # non-zero correctives of a plausible size
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return model


def _linear(x, seq, index):
    return x @ seq[index].weight.T + seq[index].bias


def reference_decode(model, euler):
    """Correctives by explicit matmuls, then the spec's FK + LBS in numpy float64."""
    id_code = model.id_code
    skel_net, skin = model.skeleton_refine_net.fc_skeleton, model.skin_refine_net
    skel = _linear(torch.relu(_linear(id_code, skel_net, 0)), skel_net, 2).reshape(22, 3)
    ident = _linear(torch.relu(_linear(id_code, skin.fc_id, 0)), skin.fc_id, 2).reshape(-1, 3)
    hand = model.hand_model
    out = []
    for e in euler:
        pose = _linear(torch.relu(_linear(e.reshape(-1), skin.fc_pose, 0)), skin.fc_pose, 2)
        verts = hand.vertices + (ident + pose.reshape(-1, 3)).detach().numpy()
        out.append(reference_pose(e.numpy(), hand.local_pose, np.eye(4), hand.global_pose_inv,
                                  verts, hand.skinning_weights, hand.parents,
                                  skel.detach().numpy()))
    return out


def test_decode_matches_the_reference(decoder):
    euler = torch.rand(2, 22, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    euler = (euler * 2 - 1) * math.pi
    with torch.no_grad():
        out = decoder.decode(euler)
    for b, (joints, mesh) in enumerate(reference_decode(decoder, euler)):
        np.testing.assert_allclose(out.joints[b].numpy(), joints, rtol=0, atol=1e-6)
        np.testing.assert_allclose(out.mesh[b].numpy(), mesh, rtol=0, atol=1e-6)


def test_zero_correctives_and_angles_give_the_bind_mesh(hand):
    model = DeepHandMesh(hand, backbone=False, dtype=torch.float64).zero_correctives_()
    out = model.decode(torch.zeros(1, 22, 3, dtype=torch.float64))
    inv_root = np.linalg.inv(hand.global_pose[21])
    np.testing.assert_allclose(out.mesh[0].detach().numpy(),
                               hand.vertices @ inv_root[:3, :3].T + inv_root[:3, 3], atol=1e-9)
    assert float(out.pose_corrective.detach().abs().max()) == 0.0


def test_fist_preset_is_the_original_demo(decoder):
    fist = preset_pose("fist")
    assert fist[[8, 12, 16, 20], 2].tolist() == [math.pi / 2] * 4
    assert np.count_nonzero(fist) == 4
    # Flexion about +z moves the fingertips towards the palm (+y of the wrist frame).
    model = DeepHandMesh(decoder.hand_model, backbone=False).zero_correctives_()
    flat = model.decode(torch.zeros(1, 22, 3)).joints[0]
    bent = model.decode(torch.as_tensor(fist, dtype=torch.float32)[None]).joints[0]
    for tip in (5, 9, 13, 17):
        assert bent[tip, 1] - flat[tip, 1] > 30.0


def test_training_root_is_the_kabsch_fit(decoder):
    euler = torch.zeros(2, 22, 3, dtype=torch.float64)
    euler[:, 8, 2] = 0.5
    rot = torch.linalg.matrix_exp(torch.tensor([[0, -0.3, 0.2], [0.3, 0, -0.1], [-0.2, 0.1, 0]],
                                               dtype=torch.float64))
    with torch.no_grad():
        bind = decoder._pose(euler, torch.zeros(2, 22, 3, dtype=torch.float64))
        # Ground truth: the refined bind skeleton moved rigidly (palm joints do not move with
        # the finger angles, so the Kabsch fit is exact).
        gt = bind.global_pose_refined[:, :3, 3] @ rot.T + torch.tensor([10.0, -20.0, 500.0],
                                                                        dtype=torch.float64)
        out = decoder._pose(euler, gt.expand(2, -1, -1))
    torch.testing.assert_close(out.joints[:, [8, 12, 16, 20, 21]],
                               gt[[8, 12, 16, 20, 21]].expand(2, -1, -1))
    test = decoder.decode(euler)
    g_root = bind.global_pose_refined[21]
    moved = (test.joints @ g_root[:3, :3].T + g_root[:3, 3]) @ rot.T + torch.tensor(
        [10.0, -20.0, 500.0], dtype=torch.float64)
    torch.testing.assert_close(out.joints, moved)


def test_gradcheck_reaches_angles_skeleton_and_skin_correctives(hand):
    """float64 gradcheck on a tiny rig (the shipped skeleton, 8 vertices) through the model's
    own corrective parameters (last-layer biases) and the angles."""
    keep = np.arange(0, hand.num_vertices, hand.num_vertices // 8)[:8]
    tiny = hand.replace(vertices=hand.vertices[keep], skinning_weights=hand.skinning_weights[keep],
                        faces=np.zeros((1, 3), dtype=np.int64),
                        uv_faces=np.zeros((1, 3), dtype=np.int64))
    torch.manual_seed(0)
    model = DeepHandMesh(tiny, backbone=False, dtype=torch.float64)
    # The pose corrective sees detached angles, which finite differences would not respect:
    # keep its input weights at zero (its bias is checked instead).
    with torch.no_grad():
        model.skin_refine_net.fc_pose[2].weight.zero_()
    names = ("skeleton_refine_net.fc_skeleton.2.bias", "skin_refine_net.fc_id.2.bias",
             "skin_refine_net.fc_pose.2.bias")
    params = {n: p.detach().clone().requires_grad_() for n, p in model.named_parameters()
              if n in names}
    euler = (torch.rand(2, 22, 3, dtype=torch.float64) - 0.5).requires_grad_()

    class Decode(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = model

        def forward(self, e):
            return self.net.decode(e)

    wrapper = Decode()

    def run(e, *values):
        out = functional_call(wrapper, {f"net.{n}": v for n, v in zip(names, values,
                                                                       strict=True)}, (e,))
        return out.mesh, out.joints

    assert torch.autograd.gradcheck(run, (euler, *[params[n] for n in names]), eps=1e-6,
                                    atol=1e-5)


def test_pose_corrective_input_is_detached(decoder):
    euler = torch.rand(1, 22, 3, dtype=torch.float64, requires_grad=True)
    out = decoder.decode(euler)
    out.pose_corrective.sum().backward()
    assert euler.grad is None
    assert decoder.skin_refine_net.fc_pose[2].weight.grad is not None
    decoder.zero_grad(set_to_none=True)


def test_pose_net_scatters_28_dof(hand):
    torch.manual_seed(0)
    model = DeepHandMesh(hand, backbone=False)
    with torch.no_grad():
        model.pose_net.fc[2].bias.fill_(3.0)           # tanh(3) * pi = 3.127
        euler = model.pose_net(torch.randn(3, 512))
    mask = torch.as_tensor(hand.dof, dtype=torch.bool)
    assert euler.shape == (3, 22, 3) and model.pose_net.dof_num == 28
    assert (euler[:, ~mask] == 0).all() and (euler[:, mask] > 3.1).all()
    assert (euler.abs() < math.pi).all()
    assert JOINT_NAMES[int(np.flatnonzero(hand.dof.sum(1) == 3)[0])] == "b_r_thumb1"


def test_forward_on_images_and_resnet_names():
    torch.manual_seed(0)
    model = DeepHandMesh()
    backbone = model.backbone_net.resnet
    assert sum(p.numel() for p in backbone.parameters()) == RESNET50_PARAMS_WITHOUT_FC
    keys = set(backbone.state_dict())
    assert {"conv1.weight", "bn1.running_mean", "layer1.0.downsample.0.weight",
            "layer4.2.conv3.weight", "layer3.5.bn3.num_batches_tracked"} <= keys
    assert "layer1.1.downsample.0.weight" not in keys
    model.eval()
    with torch.no_grad():
        out = model(torch.rand(2, 3, 64, 64))
    assert out.mesh.shape == (2, 873, 3) and out.joints.shape == (2, 22, 3)
    assert out.global_pose_refined is None and torch.isfinite(out.mesh).all()
    # A torchvision state dict (fc included) loads; fc is dropped; a wrong shape is named.
    state = {k: torch.randn_like(v.float()).to(v.dtype) for k, v in backbone.state_dict().items()}
    state.update({"fc.weight": torch.zeros(1000, 2048), "fc.bias": torch.zeros(1000)})
    fresh = ResNetBackbone()
    assert load_torchvision_resnet(fresh, state) == ["fc.weight", "fc.bias"]
    torch.testing.assert_close(fresh.layer2[0].conv2.weight, state["layer2.0.conv2.weight"])
    state["layer2.0.conv2.weight"] = torch.zeros(3, 3)
    with pytest.raises(ValueError, match=r"layer2.0.conv2.weight \(3, 3\)"):
        load_torchvision_resnet(fresh, state)


def test_decode_rejects_bad_shapes(decoder):
    with pytest.raises(ValueError, match=r"euler must have shape \(B, 22, 3\), got \(22, 3\)"):
        decoder.decode(torch.zeros(22, 3, dtype=torch.float64))


def test_training_mode_gradients_reach_the_skeleton_through_kabsch(decoder):
    gt = torch.randn(2, 22, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    out = decoder._pose(torch.zeros(2, 22, 3, dtype=torch.float64), gt * 40.0)
    (out.joints - gt * 40.0).abs().sum().backward()
    grad = decoder.skeleton_refine_net.fc_skeleton[0].weight.grad
    assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0
    decoder.zero_grad(set_to_none=True)


def test_pinch_preset_brings_thumb_and_index_tips_together(hand):
    model = DeepHandMesh(hand, backbone=False).zero_correctives_()
    euler = torch.as_tensor(np.stack([preset_pose("flat"), preset_pose("pinch")]),
                            dtype=torch.float32)
    joints = model.decode(euler).joints.detach()
    gap = (joints[:, 0] - joints[:, 5]).norm(dim=-1)          # thumb_null, index_null
    assert gap[1] < 15.0 < gap[0]
