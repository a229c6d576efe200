"""3D joint losses: bone-length scale priors, GT joint losses and the shape regulariser."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from s2hand.losses._checks import check_same_batch, check_shape

#: FreiHAND indices of the reference bone (middle-finger MCP → PIP).
SCALE_BONE: tuple[int, int] = (9, 10)

#: Target length of the reference bone in metres for ``mscale`` (spec §3.2).
MEAN_SCALE_M = 0.0282

#: Root joint used by ``joint_3d_norm`` (FreiHAND middle MCP).
NORM_ROOT = 9


def reference_bone_length(joints: Tensor) -> Tensor:
    """(B,21,3) FreiHAND-order joints → (B,) length ``‖J_9 − J_10‖`` in metres."""
    check_shape("joints", joints, ("B", 21, 3))
    a, b = SCALE_BONE
    return torch.linalg.vector_norm(joints[:, a] - joints[:, b], dim=-1)


def mscale_loss(joints: Tensor, target: float = MEAN_SCALE_M) -> Tensor:
    """Mean-scale prior ``mean_b |‖J_9 − J_10‖ − 0.0282|`` (L1, metres); joints (B,21,3)."""
    return (reference_bone_length(joints) - target).abs().mean()


def scale_loss(joints: Tensor, scales: Tensor) -> Tensor:
    """GT scale loss ``MSE(‖J_9 − J_10‖, scales)``; joints (B,21,3), scales (B,) metres."""
    length = reference_bone_length(joints)
    check_shape("scales", scales, ("B",))
    check_same_batch(joints=joints, scales=scales)
    return F.mse_loss(length, scales.to(length.dtype))


def joint_3d_loss(joints: Tensor, gt_joints: Tensor) -> Tensor:
    """``MSE(J, J_gt)`` over all coordinates; (B,21,3) each, metres."""
    check_shape("joints", joints, ("B", 21, 3))
    check_shape("GT joints", gt_joints, ("B", 21, 3))
    check_same_batch(joints=joints, gt_joints=gt_joints)
    return F.mse_loss(joints, gt_joints)


def joint_3d_norm_loss(joints: Tensor, gt_joints: Tensor) -> Tensor:
    """``MSE(J − J_9, J_gt − J_gt,9)``: root-relative 3D joint loss; (B,21,3) each."""
    check_shape("joints", joints, ("B", 21, 3))
    check_shape("GT joints", gt_joints, ("B", 21, 3))
    check_same_batch(joints=joints, gt_joints=gt_joints)
    r = NORM_ROOT
    return F.mse_loss(joints - joints[:, r : r + 1], gt_joints - gt_joints[:, r : r + 1])


def shape_loss(betas: Tensor) -> Tensor:
    """``MSE(β, 0) = mean β²``; betas (B,S). Identically 0 with ``use_mean_shape`` (β ≡ 0)."""
    check_shape("betas", betas, ("B", "S"))
    return betas.pow(2).mean()
