"""DeepHandMesh's 3D joint loss (deephandmesh.md §7.1)."""

from __future__ import annotations

from torch import Tensor

from s2hand.losses._checks import check_shape


def joint_l1_loss(joints: Tensor, gt_joints: Tensor, valid: Tensor) -> Tensor:
    """Masked L1 in mm, unreduced: ``|joints - gt_joints| * valid``.

    Args:
        joints: ``(B, J, 3)`` predicted joints (train mode: the ground truth's world frame).
        gt_joints: ``(B, J, 3)``.
        valid: ``(B, J, 1)`` 1 where the keypoint file has the joint (thumb0 never has).
    Returns:
        ``(B, J, 3)``; the original averages it over every entry, invalid ones included.
    """
    check_shape("joints", joints, ("B", "J", 3))
    check_shape("gt_joints", gt_joints, tuple(joints.shape))
    check_shape("valid", valid, (joints.shape[0], joints.shape[1], 1))
    return (joints - gt_joints).abs() * valid
