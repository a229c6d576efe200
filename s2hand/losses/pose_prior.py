"""Pose prior ``tsa_poses``: hinge penalty outside per-joint, per-axis angle bounds (spec §3.6)."""

from __future__ import annotations

import torch
from torch import Tensor

from s2hand.hand.pose_bounds import TSA_AXIS_WEIGHTS, TSA_POSE_BOUNDS
from s2hand.losses._checks import check_shape

# The bound table (spec §3.6) lives with the hand model: ``TSA_POSE_BOUNDS`` is a read-only
# (16,3,2) radian array ``[MANO joint, axis, (min, max)]``, root row first; it is the active table
# of the original, not its commented-out older one. ``TSA_AXIS_WEIGHTS`` = (1, 1, 2).
__all__ = ["TSA_AXIS_WEIGHTS", "TSA_POSE_BOUNDS", "tsa_pose_bounds", "tsa_pose_loss"]


def tsa_pose_bounds(
    dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
) -> tuple[Tensor, Tensor]:
    """(min, max) bound tensors of shape (16,3) in radians, root row first."""
    table = torch.tensor(TSA_POSE_BOUNDS, dtype=dtype, device=device)
    return table[..., 0], table[..., 1]


def tsa_pose_loss(tsa_poses: Tensor) -> Tensor:
    """Hinge pose prior on local axis-angle components.

    No tilt-swing-azimuth conversion happens (spec Q11, kept): the bounds apply directly to the
    (x, y, z) axis-angle components of each joint's local rotation, which include the MANO mean
    pose. ``e = relu(θ − max) + relu(min − θ)``; ``loss = mean_{b,j,a}(e·w_a)`` over B×16×3
    with ``w`` = :data:`TSA_AXIS_WEIGHTS`.

    Args:
        tsa_poses: (B,16,3) local axis-angle rotations in MANO joint order, root first.

    Returns:
        0-dim tensor (radians).
    """
    check_shape("tsa_poses", tsa_poses, ("B", 16, 3))
    lo, hi = tsa_pose_bounds(tsa_poses.dtype, tsa_poses.device)
    err = torch.relu(tsa_poses - hi) + torch.relu(lo - tsa_poses)
    w = torch.as_tensor(TSA_AXIS_WEIGHTS, dtype=tsa_poses.dtype, device=tsa_poses.device)
    return (err * w).mean()
