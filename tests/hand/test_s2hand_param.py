"""S2HAND parameterisation: root (pi,0,0) about the wrist, rotation about the origin, scale."""

from __future__ import annotations

import math

import torch

from s2hand.hand import HO3D_TO_FREI, ManoLayer, rodrigues, s2hand_mano
from tests.hand.test_layer import smplx_mano


def test_matches_reference_composition(open_hand) -> None:
    layer = ManoLayer(open_hand, dtype=torch.float64)
    ref = smplx_mano(open_hand, num_pca_comps=30)
    gen = torch.Generator().manual_seed(1)
    b = 4
    rot = torch.randn(b, 3, generator=gen, dtype=torch.float64)
    theta = torch.randn(b, 30, generator=gen, dtype=torch.float64)
    beta = torch.randn(b, 10, generator=gen, dtype=torch.float64)
    scale = torch.randn(b, 1, generator=gen, dtype=torch.float64)
    trans = torch.randn(b, 3, generator=gen, dtype=torch.float64)
    out = s2hand_mano(layer, rot, theta, beta, scale, trans)

    # Reference: smplx with root (pi,0,0) (it rotates about the root joint), then
    # trans + |s| * R(rot) @ x about the origin.
    root = torch.tensor([[math.pi, 0.0, 0.0]], dtype=torch.float64).expand(b, 3)
    mano = ref(betas=beta, global_orient=root, hand_pose=theta)
    tips = mano.vertices[:, open_hand.tip_ids.tolist()]
    joints = torch.cat([mano.joints, tips], dim=1)[:, list(HO3D_TO_FREI)]
    rmat = rodrigues(rot)

    def place(x):
        return trans[:, None] + scale.abs()[:, None] * torch.einsum("bij,bnj->bni", rmat, x)

    torch.testing.assert_close(out.vertices, place(mano.vertices), atol=1e-6, rtol=0)
    torch.testing.assert_close(out.joints, place(joints), atol=1e-6, rtol=0)
    assert out.joints.shape == (b, 21, 3) and out.tsa_poses.shape == (b, 16, 3)
    torch.testing.assert_close(out.tsa_poses[:, 0], root)
    expected_fingers = layer.hand_mean + theta @ layer.hand_components
    torch.testing.assert_close(out.tsa_poses[:, 1:].reshape(b, 45), expected_fingers)


def test_root_flip_about_wrist_and_negative_scale(open_hand) -> None:
    layer = ManoLayer(open_hand, dtype=torch.float64)
    zeros = torch.zeros(1, 3, dtype=torch.float64)
    theta = torch.zeros(1, 30, dtype=torch.float64)
    beta = torch.zeros(1, 10, dtype=torch.float64)
    one = torch.ones(1, 1, dtype=torch.float64)
    out = s2hand_mano(layer, zeros, theta, beta, one, zeros)
    plain = layer(zeros, theta, beta).joints
    # The wrist stays put; everything else is flipped in y and z about it.
    torch.testing.assert_close(out.joints[:, 0], plain[:, 0])
    flipped = (plain - plain[:, :1]) * torch.tensor([1.0, -1.0, -1.0], dtype=torch.float64)
    torch.testing.assert_close(out.joints, flipped + plain[:, :1])
    neg = s2hand_mano(layer, zeros, theta, beta, -one, zeros)
    torch.testing.assert_close(neg.vertices, out.vertices)


def test_gradients_flow_to_all_inputs(open_hand) -> None:
    layer = ManoLayer(open_hand)
    inputs = [torch.zeros(2, 3), torch.zeros(2, 30), torch.zeros(2, 10),
              torch.full((2, 1), 0.95), torch.tensor([[0.0, 0.0, 0.65]] * 2)]
    for t in inputs:
        t.requires_grad_()
    out = s2hand_mano(layer, *inputs)
    (out.joints.square().sum() + out.vertices.sum()).backward()
    for t in inputs:
        assert torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0
