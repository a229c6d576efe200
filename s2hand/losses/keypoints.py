"""2D keypoint losses: reprojection to detections, 2D branch integral loss, 2D–3D consistency.

All 2D coordinates are pixels of the network input image, joints in FreiHAND order (spec §3.2).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from s2hand.losses._checks import LossInputError, check_same_batch, check_shape, weighted_mean

#: Per-joint weights of the ``open_2dj`` term (FreiHAND order): wrist ×2, the five fingertips ×1.5.
OPEN_2DJ_JOINT_WEIGHTS: tuple[float, ...] = (
    2.0,
    1.0, 1.0, 1.0, 1.5,
    1.0, 1.0, 1.0, 1.5,
    1.0, 1.0, 1.0, 1.5,
    1.0, 1.0, 1.0, 1.5,
    1.0, 1.0, 1.0, 1.5,
)

#: Pixel distance at which the robust function ρ switches from quadratic to linear.
ROBUST_THRESHOLD_PX = 5.0


def robust_rho(d: Tensor, threshold: float = ROBUST_THRESHOLD_PX) -> Tensor:
    """Huber-like robustifier on a non-negative pixel distance ``d`` (any shape).

    ``ρ(d) = d² / (2·threshold)`` for ``d < threshold``, else ``d − threshold/2``; with the
    default threshold 5 px this is the original's ``d²/10`` / ``d − 2.5``, continuous (value and
    slope) at 5 px.
    """
    quadratic = d * d / (2.0 * threshold)
    linear = d - threshold / 2.0
    return torch.where(d < threshold, quadratic, linear)


def _distance(a: Tensor, b: Tensor) -> Tensor:
    """(…,2) → (…): Euclidean distance; ``vector_norm`` has a 0 (not NaN) gradient at 0."""
    return torch.linalg.vector_norm(a - b, dim=-1)


def _check_2d(joints_2d: Tensor, target: Tensor, conf: Tensor | None = None) -> None:
    check_shape("joints_2d", joints_2d, ("B", 21, 2))
    check_shape("target 2D keypoints", target, ("B", 21, 2))
    check_same_batch(joints_2d=joints_2d, target=target)
    if conf is not None:
        check_shape("confidences", conf, ("B", 21))
        check_same_batch(joints_2d=joints_2d, confidences=conf)


def open_2dj_loss(joints_2d: Tensor, detections: Tensor, conf: Tensor) -> Tensor:
    """The ``open_2dj`` term: robust, confidence-weighted reprojection loss to the 2D detections.

    ``Σ_{b,j} ρ(‖o_bj − J2d_bj‖)·(c_bj·w_j)² / Σ_{b,j} (c_bj·w_j)²`` with ``w`` =
    :data:`OPEN_2DJ_JOINT_WEIGHTS`; exactly 0 when every confidence is 0.

    Args:
        joints_2d: (B,21,2) projected 3D joints.
        detections: (B,21,2) detections.
        conf: (B,21) detection confidences (0 = missing).

    Returns:
        0-dim tensor.
    """
    _check_2d(joints_2d, detections, conf)
    w = torch.as_tensor(OPEN_2DJ_JOINT_WEIGHTS, dtype=conf.dtype, device=conf.device)
    return weighted_mean(robust_rho(_distance(detections, joints_2d)), (conf * w) ** 2)


def hm_integral_loss(
    heatmap_joints_2d: Sequence[Tensor], target: Tensor, conf: Tensor | None = None
) -> Tensor:
    """Integral-keypoint loss of the 2D branch, summed over the hourglass stacks.

    ``Σ_s Σ_{b,j} ‖t_bj − h^s_bj‖·c_bj² / Σ_{b,j} c_bj²`` (plain L2 distance, no ρ). With
    ``conf=None`` every confidence is 1 (the ``hm_integral_gt`` variant against GT 2D).

    Args:
        heatmap_joints_2d: list of (B,21,2) integral keypoints, one per stack.
        target: (B,21,2) detections or GT 2D.
        conf: (B,21) confidences, or None.

    Returns:
        0-dim tensor.
    """
    if isinstance(heatmap_joints_2d, Tensor) or len(heatmap_joints_2d) == 0:
        raise LossInputError(
            "hm_integral_loss: 'heatmap_joints_2d' must be a non-empty list of (B,21,2) tensors, "
            f"one per hourglass stack; got {type(heatmap_joints_2d).__name__}."
        )
    total = None
    for stack in heatmap_joints_2d:
        _check_2d(stack, target, conf)
        weights = torch.ones_like(target[..., 0]) if conf is None else conf**2
        term = weighted_mean(_distance(target, stack), weights)
        total = term if total is None else total + term
    return total


def kp_cons_loss(heatmap_joints_2d_last: Tensor, joints_2d: Tensor) -> Tensor:
    """2D–3D keypoint consistency ``mean_{b,j} ρ(‖h_bj − J2d_bj‖)``, unweighted.

    Neither input is detached (spec Q12, kept): the gradient pulls the 2D branch towards the
    projection of the 3D joints and the 3D branch towards the 2D branch.

    Args:
        heatmap_joints_2d_last: (B,21,2) last-stack integral keypoints of the 2D branch.
        joints_2d: (B,21,2) projected 3D joints.
    """
    _check_2d(joints_2d, heatmap_joints_2d_last)
    return robust_rho(_distance(heatmap_joints_2d_last, joints_2d)).mean()


def joint_2d_loss(joints_2d: Tensor, gt_joints_2d: Tensor) -> Tensor:
    """``MSE(J2d, gt_joints_2d)`` over all coordinates; joints_2d, gt_joints_2d: (B,21,2)."""
    _check_2d(joints_2d, gt_joints_2d)
    return F.mse_loss(joints_2d, gt_joints_2d)


def open_2dj_de_loss(joints_2d: Tensor, detections: Tensor) -> Tensor:
    """Unweighted ``MSE(J2d, detections)`` ("downgraded" ``detections``); (B,21,2) each."""
    _check_2d(joints_2d, detections)
    return F.mse_loss(joints_2d, detections)
