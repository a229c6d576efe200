"""DeepHandMesh's posing maths as pure functions on tensors (deephandmesh.md §3, §5).

* ``R(euler) = Rz(z) Ry(y) Rx(x)``, radians;
* forward kinematics ``G[child] = G[parent] @ L[child]``; the root's ``G`` is given by the
  caller (the root's own local matrix and angle are never used);
* posed local transform ``L_refined[j] @ R(euler[j])``;
* linear blend skinning ``v' = sum_j w_j (G_posed[j] @ G_bind_inv[j]) [v; 1]``, no weight
  normalisation.

Batched over any leading dimensions, one matrix product per tree level; dtype and device follow
the inputs. Skinning reuses :mod:`s2hand.hand.lbs`'s component-major blend.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import torch
from torch import Tensor

from s2hand.hand.deephandmesh.skeleton import KinematicTree
from s2hand.hand.lbs import apply_transforms, blend_transforms


def euler_to_matrix(euler: Tensor) -> Tensor:
    """``(..., 3)`` angles (x, y, z) -> ``(..., 3, 3)`` rotations ``Rz @ Ry @ Rx``."""
    cx, cy, cz = torch.cos(euler).unbind(-1)
    sx, sy, sz = torch.sin(euler).unbind(-1)
    rows = (
        cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx,
        sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx,
        -sy, cy * sx, cy * cx,
    )
    return torch.stack(rows, dim=-1).reshape(*euler.shape[:-1], 3, 3)


def with_bottom_row(top: Tensor) -> Tensor:
    """``(..., 3, 4)`` -> ``(..., 4, 4)`` with the row ``[0, 0, 0, 1]`` appended."""
    bottom = torch.zeros_like(top[..., :1, :])
    bottom[..., 0, 3] = 1.0
    return torch.cat([top, bottom], dim=-2)


@lru_cache(maxsize=64)
def _index(joints: tuple[int, ...], device: torch.device) -> Tensor:
    # Python lists as indices are converted to tensors on every call; cache them.
    return torch.tensor(joints, dtype=torch.long, device=device)


def forward_kinematics(local: Tensor, root: Tensor, tree: KinematicTree) -> Tensor:
    """Global joint transforms from local ones.

    Args:
        local: ``(..., J, 4, 4)`` local transforms (the root's entry is ignored).
        root: ``(..., 4, 4)`` the root's global transform (broadcast against ``local``).
        tree: :func:`~s2hand.hand.deephandmesh.skeleton.kinematic_tree` of the skeleton.
    Returns:
        ``(..., J, 4, 4)`` with ``G[root] = root`` and ``G[c] = G[parent(c)] @ local[c]``.
    """
    shape = torch.broadcast_shapes(local.shape[:-3], root.shape[:-2])
    glob = root.expand(*shape, 4, 4).unsqueeze(-3)                  # level-ordered so far
    dim, device = local.dim() - 3, local.device
    for level, slots in zip(tree.levels, tree.parent_slots, strict=True):
        step = (glob.index_select(dim, _index(slots, device))
                @ local.index_select(dim, _index(level, device)))
        glob = torch.cat([glob, step], dim=-3)
    return glob.index_select(dim, _index(tree.inverse, device))


def refine_local_pose(local_pose: Tensor, skeleton_corrective: Tensor) -> Tensor:
    """``L_refined``: the bind local transforms with ``(..., J, 3)`` added to their
    translations (each joint's offset in its parent's frame): ``(J,4,4) -> (..., J, 4, 4)``."""
    trans = local_pose[..., :3, 3] + skeleton_corrective
    rot = local_pose[..., :3, :3].expand(*trans.shape, 3)
    return with_bottom_row(torch.cat([rot, trans.unsqueeze(-1)], dim=-1))


def posed_local(local_refined: Tensor, euler: Tensor) -> Tensor:
    """``L_refined @ R(euler)``: ``(..., J, 4, 4), (B, J, 3) -> (B, J, 4, 4)``."""
    rot = local_refined[..., :3, :3] @ euler_to_matrix(euler)
    trans = local_refined[..., :3, 3:].expand(*rot.shape[:-1], 1)
    return with_bottom_row(torch.cat([rot, trans], dim=-1))


def skin_vertices(vertices: Tensor, weights: Tensor, transforms: Tensor) -> Tensor:
    """Linear blend skinning: ``(B, V, 3), (V, J), (B, J, 4, 4) -> (B, V, 3)``.

    ``out[b, i] = sum_j weights[i, j] * (transforms[b, j] @ [vertices[b, i]; 1])[:3]``.
    """
    zeros = transforms.new_zeros(transforms.shape[:-2] + (3,))
    blended = blend_transforms(weights.transpose(0, 1), transforms[..., :3, :3],
                               transforms[..., :3, 3], zeros)
    return apply_transforms(blended, vertices.transpose(1, 2)).transpose(1, 2)


class PosedHand(NamedTuple):
    """Output of :func:`pose_hand`.

    joints ``(B, J, 3)``; global_transforms ``(B, J, 4, 4)`` (``G_posed``); skinning_transforms
    ``(B, J, 4, 4)`` (``G_posed @ G_bind_inv``); vertices ``(B, V, 3)``.
    """

    joints: Tensor
    global_transforms: Tensor
    skinning_transforms: Tensor
    vertices: Tensor


def pose_hand(euler: Tensor, local_refined: Tensor, root: Tensor, global_pose_inv: Tensor,
              vertices: Tensor, weights: Tensor, tree: KinematicTree) -> PosedHand:
    """Pose a (corrected) template: FK of ``L_refined @ R(euler)`` from ``root``, then LBS.

    Args:
        euler: ``(B, J, 3)`` local Euler angles (radians).
        local_refined: ``(J, 4, 4)`` or ``(B, J, 4, 4)`` bind local transforms.
        root: ``(4, 4)`` or ``(B, 4, 4)`` global transform of the root joint.
        global_pose_inv: ``(J, 4, 4)`` inverse bind matrices of the original skeleton.
        vertices: ``(B, V, 3)`` bind-space vertices (template plus skin correctives).
        weights: ``(V, J)`` skinning weights.
    """
    glob = forward_kinematics(posed_local(local_refined, euler), root, tree)
    skinning = glob @ global_pose_inv
    return PosedHand(glob[..., :3, 3], glob, skinning,
                     skin_vertices(vertices, weights, skinning))


def kabsch(source: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """Rigid ``(R, t)`` minimising ``|R source + t - target|`` (no scale), batched.

    The original's ``rigid_transform_3D``: ``H = (A - mean A)^T (B - mean B)``,
    ``U, S, V = svd(H)``, ``R = V U^T``; a reflection negates V's third column.

    Args:
        source, target: ``(..., N, 3)`` (broadcast against each other).
    Returns:
        ``R (..., 3, 3)``, ``t (..., 3)``.
    """
    source, target = torch.broadcast_tensors(source, target)
    mean_s, mean_t = source.mean(-2, keepdim=True), target.mean(-2, keepdim=True)
    h = (source - mean_s).transpose(-1, -2) @ (target - mean_t)
    u, _, vh = torch.linalg.svd(h)
    v = vh.transpose(-1, -2)
    sign = torch.sign(torch.linalg.det(v @ u.transpose(-1, -2)))
    sign = torch.where(sign == 0, torch.ones_like(sign), sign)
    flip = torch.ones_like(v[..., 0, :])
    flip = torch.cat([flip[..., :2], sign.unsqueeze(-1)], dim=-1)
    rot = (v * flip.unsqueeze(-2)) @ u.transpose(-1, -2)
    trans = mean_t.squeeze(-2) - (rot @ mean_s.squeeze(-2).unsqueeze(-1)).squeeze(-1)
    return rot, trans


def rigid_to_homogeneous(rot: Tensor, trans: Tensor) -> Tensor:
    """``(..., 3, 3), (..., 3) -> (..., 4, 4)`` ``[R | t]``."""
    return with_bottom_row(torch.cat([rot, trans.unsqueeze(-1)], dim=-1))
