"""2D bone-direction loss (``open_bone_direc`` against detections, ``bone_direc`` against GT)."""

from __future__ import annotations

import torch
from torch import Tensor

from s2hand.hand.joint_orders import FREI_BONES
from s2hand.losses._checks import check_same_batch, check_shape

#: Epsilon added to the bone length before normalising (as the original).
BONE_NORM_EPS = 1e-4

# FREI_BONES are (parent, child) pairs ordered by child 1..20, the original's bone order.
_PARENTS = [p for p, _ in FREI_BONES]
_CHILDREN = [c for _, c in FREI_BONES]


def bone_direction_loss(joints_2d: Tensor, target: Tensor, conf: Tensor | None = None) -> Tensor:
    """Squared distance between unit 2D bone directions, weighted per bone, plain mean.

    For each of the 20 FreiHAND bones (parent p → child k, ``FREI_BONES``, ordered by child)
    ``b = x_k − x_p`` and ``b̂ = b / (‖b‖ + 1e-4)``; the loss is
    ``mean_{b,bone}( c_p·c_k · ‖b̂_pred − b̂_target‖² )`` over B×20 bones (the mean is *not*
    normalised by the confidences, as in the original). ``conf=None`` means all ones (the
    ``bone_direc`` variant against GT 2D).

    Args:
        joints_2d: (B,21,2) projected 3D joints.
        target: (B,21,2) detections or GT 2D.
        conf: (B,21) confidences, or None.

    Returns:
        0-dim tensor; 0 when every confidence is 0.
    """
    check_shape("joints_2d", joints_2d, ("B", 21, 2))
    check_shape("target 2D keypoints", target, ("B", 21, 2))
    check_same_batch(joints_2d=joints_2d, target=target)
    parents, children = _PARENTS, _CHILDREN

    def unit_bones(x: Tensor) -> Tensor:
        bones = x[:, children] - x[:, parents]
        return bones / (torch.linalg.vector_norm(bones, dim=-1, keepdim=True) + BONE_NORM_EPS)

    err = (unit_bones(joints_2d) - unit_bones(target)).pow(2).sum(-1)
    if conf is None:
        return err.mean()
    check_shape("confidences", conf, ("B", 21))
    check_same_batch(joints_2d=joints_2d, confidences=conf)
    return (err * conf[:, parents] * conf[:, children]).mean()
