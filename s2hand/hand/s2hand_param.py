"""S2HAND's MANO parameterisation (s2hand.md §2.4-2.5) on top of :class:`ManoLayer`.

``rot_pose_beta_to_mesh``: the root joint gets the fixed axis-angle (pi, 0, 0) about the wrist,
the predicted rotation ``rot`` is applied about the coordinate origin, then
``trans + |scale| * (...)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from s2hand.hand.layer import ManoLayer
from s2hand.hand.rotations import rodrigues

ROOT_POSE = (math.pi, 0.0, 0.0)


@dataclass
class S2HandMano:
    """Output of :func:`s2hand_mano`.

    Attributes:
        joints: ``(B, 21, 3)`` camera-frame metres, FreiHAND order.
        vertices: ``(B, V, 3)`` camera-frame metres.
        tsa_poses: ``(B, 16, 3)`` local axis-angle incl. the fixed root and the hand mean
            (input of the pose prior, s2hand.md §3.6).
    """

    joints: torch.Tensor
    vertices: torch.Tensor
    tsa_poses: torch.Tensor


def s2hand_mano(layer: ManoLayer, rot: torch.Tensor, theta: torch.Tensor, beta: torch.Tensor,
                scale: torch.Tensor, trans: torch.Tensor) -> S2HandMano:
    """Pose the hand as S2HAND's decoder does.

    Args:
        layer: a PCA :class:`ManoLayer` (S2HAND: 30 components, ``flat_hand_mean=False``).
        rot: ``(B, 3)`` global axis-angle, applied about the origin.
        theta: ``(B, P)`` pose PCA coefficients. beta: ``(B, S)``.
        scale: ``(B, 1)`` (its absolute value is used). trans: ``(B, 3)`` metres.
    Returns:
        :class:`S2HandMano`: ``trans + |scale| * R(rot) * MANO(root=(pi,0,0), theta, beta)``.
    """
    batch = theta.shape[0]
    root = theta.new_tensor(ROOT_POSE).expand(batch, 3)
    full_pose = torch.cat([root, layer.finger_pose(theta)], dim=1).reshape(batch, 16, 3)
    vertices, joints = layer.pose_hand(full_pose, beta, joint_order="freihand")
    rotation = rodrigues(rot)                                           # (B, 3, 3)
    both = torch.cat([joints, vertices], dim=1) @ rotation.transpose(1, 2)
    both = trans.unsqueeze(1) + scale.abs().reshape(batch, 1, 1) * both
    return S2HandMano(joints=both[:, :21], vertices=both[:, 21:], tsa_poses=full_pose)
