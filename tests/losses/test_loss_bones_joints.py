"""Bone direction, 3D joint, scale, shape and pose-prior losses."""

from __future__ import annotations

import math

import pytest
import torch

from s2hand.hand.joint_orders import FREI_BONES
from s2hand.losses import (
    TSA_AXIS_WEIGHTS,
    LossInputError,
    bone_direction_loss,
    joint_3d_loss,
    joint_3d_norm_loss,
    mscale_loss,
    scale_loss,
    shape_loss,
    tsa_pose_bounds,
    tsa_pose_loss,
)


def _straight_hand() -> torch.Tensor:
    """(1,21,2) joints: every bone of length 10 px along +x from its parent."""
    j = torch.zeros(1, 21, 2, dtype=torch.float64)
    for parent, child in FREI_BONES:
        j[0, child] = j[0, parent] + torch.tensor([10.0, 0.0], dtype=torch.float64)
    return j


def test_bone_order_is_by_child():
    assert [c for _, c in FREI_BONES] == list(range(1, 21))
    assert [p for p, c in FREI_BONES if c % 4 == 1] == [0] * 5


def test_bone_direction_hand_computed():
    target = _straight_hand()
    pred = target.clone()
    # Rotate bone 0->1 by 90 degrees; its child chain moves along, so only bone 1 changes.
    shift = torch.tensor([-10.0, 10.0], dtype=torch.float64)
    pred[0, 1:5] += shift
    u = 10.0 / (10.0 + 1e-4)
    per_bone = 2 * u * u  # |(0,u) - (u,0)|^2
    con = torch.ones(1, 21, dtype=torch.float64)
    assert bone_direction_loss(pred, target, con).item() == pytest.approx(per_bone / 20, rel=1e-12)
    assert bone_direction_loss(pred, target).item() == pytest.approx(per_bone / 20, rel=1e-12)
    # Bone weight is c_parent * c_child, the mean stays over all 20 bones.
    con[0, 1] = 0.5
    con[0, 0] = 0.4
    assert bone_direction_loss(pred, target, con).item() == pytest.approx(
        0.2 * per_bone / 20, rel=1e-12
    )


def test_bone_direction_zero_confidence_and_gradient():
    pred = (torch.randn(2, 21, 2) * 20).requires_grad_(True)
    target = torch.randn(2, 21, 2) * 20
    loss = bone_direction_loss(pred, target, torch.zeros(2, 21))
    assert loss.item() == 0.0
    loss = bone_direction_loss(pred, target, torch.ones(2, 21))
    loss.backward()
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0
    # Coincident joints (zero-length bones) stay finite.
    assert torch.isfinite(bone_direction_loss(torch.zeros(1, 21, 2), target[:1])).all()


def test_mscale_and_scale_hand_computed():
    joints = torch.zeros(2, 21, 3, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        joints[0, 10] = torch.tensor([0.0, 0.03, 0.0], dtype=torch.float64)
        joints[1, 10] = torch.tensor([0.0, 0.0, 0.02], dtype=torch.float64)
    expected = (abs(0.03 - 0.0282) + abs(0.02 - 0.0282)) / 2
    loss = mscale_loss(joints)
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    loss.backward()
    assert joints.grad[:, 9:11].abs().sum() > 0 and joints.grad[:, :9].abs().sum() == 0
    scales = torch.tensor([0.03, 0.01], dtype=torch.float64)
    assert scale_loss(joints, scales).item() == pytest.approx((0.0 + 0.01**2) / 2, rel=1e-12)
    with pytest.raises(LossInputError, match="scales"):
        scale_loss(joints, scales[:, None])


def test_joint_3d_losses():
    gt = torch.randn(2, 21, 3, dtype=torch.float64)
    shifted = gt + torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64)
    assert joint_3d_loss(shifted, gt).item() == pytest.approx((0.01 + 0.04 + 0.09) / 3)
    assert joint_3d_norm_loss(shifted, gt).item() == pytest.approx(0.0, abs=1e-20)
    moved = gt.clone()
    moved[:, 3, 0] += 0.3
    assert joint_3d_norm_loss(moved, gt).item() == pytest.approx(0.09 / 63)


def test_shape_loss():
    beta = torch.zeros(3, 10)
    assert shape_loss(beta).item() == 0.0
    beta[0, 0] = 2.0
    assert shape_loss(beta).item() == pytest.approx(4.0 / 30)


def test_tsa_bound_table_matches_spec():
    lo, hi = tsa_pose_bounds(torch.float64)
    assert lo.shape == hi.shape == (16, 3) and bool((lo < hi).all())
    deg = math.pi / 180
    torch.testing.assert_close(lo[0], torch.tensor([3.13, -0.01, -0.01], dtype=torch.float64))
    torch.testing.assert_close(hi[1], torch.tensor([5, 10, 100], dtype=torch.float64) * deg)
    torch.testing.assert_close(lo[7], torch.tensor([-20, -10, -10], dtype=torch.float64) * deg)
    torch.testing.assert_close(hi[7], torch.tensor([5, 20, 100], dtype=torch.float64) * deg)
    torch.testing.assert_close(
        lo[13], torch.tensor([0, -math.pi / 8, -math.pi / 8], dtype=torch.float64))
    torch.testing.assert_close(
        hi[13], torch.tensor([math.pi / 2, 3 * math.pi / 16, math.pi / 8], dtype=torch.float64))
    torch.testing.assert_close(lo[15, 2], torch.tensor(-20 * deg, dtype=torch.float64))
    assert TSA_AXIS_WEIGHTS == (1.0, 1.0, 2.0)


def test_tsa_pose_loss_hand_computed():
    pose = torch.zeros(2, 16, 3, dtype=torch.float64)
    pose[:, 0, 0] = math.pi
    assert tsa_pose_loss(pose).item() == 0.0  # rest pose and fixed root: inside every bound
    deg = math.pi / 180
    pose[0, 1, 2] = 110 * deg  # index MCP bend 10 deg over, z weight 2
    pose[1, 13, 0] = -3 * deg  # thumb CMC twist 3 deg under, x weight 1
    pose.requires_grad_(True)
    loss = tsa_pose_loss(pose)
    assert loss.item() == pytest.approx((2 * 10 * deg + 3 * deg) / 96, rel=1e-12)
    loss.backward()
    assert pose.grad[0, 1, 2].item() == pytest.approx(2 / 96)
    assert pose.grad[1, 13, 0].item() == pytest.approx(-1 / 96)
    assert int((pose.grad != 0).sum()) == 2
