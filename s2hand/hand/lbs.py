"""Linear blend skinning for MANO-format hands, as pure functions on tensors.

Speed-relevant choices (same maths as MANO/smplx):

* forward kinematics runs one batched step per level of the kinematic tree (4 steps for MANO's
  16 joints) instead of one per joint, on joints stored in *level order* so that every step
  works on contiguous slices;
* rest joints come from a pre-multiplied regressor (``J = J_template + betas @ J_shapedirs``)
  instead of regressing all vertices;
* vertices are kept *component-major* (``(B, 3, V)``) so that skinning is one matrix product
  ``(B, 12, J) @ (J, V)`` followed by a few broadcast multiply-adds (CPU batched matmuls on
  V tiny 3x3 matrices are an order of magnitude slower);
* a rank-deficient pose blend-shape basis can be passed factored (``pose_basis``), which is
  exact and much cheaper for models whose correctives have few independent directions.
"""

from __future__ import annotations

import torch

from s2hand.hand.lbs_grad import LinearBlendSkinning
from s2hand.hand.rotations import rodrigues


def blend_shapes(betas: torch.Tensor, template: torch.Tensor, dirs: torch.Tensor) -> torch.Tensor:
    """``template + betas @ dirs``.

    Args:
        betas: ``(B, S)``; template: ``(N, 3)``; dirs: ``(S, N*3)`` (flattened directions).
    Returns:
        ``(B, N, 3)``.
    """
    flat = torch.addmm(template.reshape(1, -1), betas, dirs)
    return flat.reshape(betas.shape[0], -1, 3)


def pose_feature(rotmats: torch.Tensor) -> torch.Tensor:
    """``vec(R_j - I)`` for the non-root joints: ``(B, J, 3, 3) -> (B, (J-1)*9)``."""
    eye = torch.eye(3, dtype=rotmats.dtype, device=rotmats.device)
    return (rotmats[:, 1:] - eye).reshape(rotmats.shape[0], -1)


def _apply(rot: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """``rot @ point`` for stacks of 3x3 matrices: ``(..., 3, 3), (..., 3) -> (..., 3)``."""
    return (rot * points.unsqueeze(-2)).sum(-1)


def _compose(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a @ b`` for stacks of 3x3 matrices, as a broadcast multiply-sum."""
    return (a.unsqueeze(-1) * b.unsqueeze(-3)).sum(-2)


def forward_kinematics(rotmats: torch.Tensor, joints: torch.Tensor,
                       level_sizes: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Global joint rotations and positions, one batched step per tree level.

    ``G_i = G_parent(i) [R_i | J_i - J_parent(i)]``, ``G_root = [R_root | J_root]`` (4x4
    homogeneous transforms).

    Joints are in *level order*: the root, then each level's joints in chain order, so that
    the parent of the i-th joint of a level is the i-th joint of the previous level (or the
    root when the previous level has one joint). MANO's tree is five 3-joint chains on a root:
    ``level_sizes = (1, 5, 5, 5)``.

    Args:
        rotmats: ``(B, J, 3, 3)`` local rotations; joints: ``(B, J, 3)`` rest positions.
        level_sizes: number of joints per level, root level first.
    Returns:
        ``(rot (B, J, 3, 3), pos (B, J, 3))``: global rotations and posed joint positions.
    """
    bounds = [0]
    for size in level_sizes:
        bounds.append(bounds[-1] + size)
    rel = [joints[:, :bounds[1]]]
    for k in range(1, len(level_sizes)):
        # The previous level is the parent block (broadcast when it is the single root).
        rel.append(joints[:, bounds[k]:bounds[k + 1]] - joints[:, bounds[k - 1]:bounds[k]])
    local = torch.cat([rotmats, torch.cat(rel, dim=1).unsqueeze(-1)], dim=-1)  # (B, J, 3, 4)
    bottom = local.new_tensor((0.0, 0.0, 0.0, 1.0)).expand(*local.shape[:2], 1, 4)
    local = torch.cat([local, bottom], dim=-2)                                 # (B, J, 4, 4)
    transforms = [local[:, :bounds[1]]]
    for k in range(1, len(level_sizes)):
        transforms.append(transforms[-1] @ local[:, bounds[k]:bounds[k + 1]])
    glob = torch.cat(transforms, dim=1)
    return glob[..., :3, :3], glob[..., :3, 3]


def blend_transforms(weights_t: torch.Tensor, global_rot: torch.Tensor,
                     global_pos: torch.Tensor, rest_joints: torch.Tensor) -> torch.Tensor:
    """Per-vertex blended skinning transforms, component-major.

    Joint ``j`` moves a rest point ``p`` to ``G_j (p - J_j) + t_j``; vertex ``v`` uses
    ``sum_j w_vj [G_j | t_j - G_j J_j]``.

    Args:
        weights_t: ``(J, V)`` skinning weights (transposed).
        global_rot, global_pos: ``(B, J, 3, 3)``, ``(B, J, 3)`` from :func:`forward_kinematics`.
        rest_joints: ``(B, J, 3)``.
    Returns:
        ``(B, 3, 4, V)``: ``[c, k, v]`` = row ``c``, column ``k`` of vertex ``v``'s 3x4 map.
    """
    batch, num_joints = global_rot.shape[:2]
    trans = global_pos - _apply(global_rot, rest_joints)
    affine = torch.cat([global_rot, trans.unsqueeze(-1)], dim=-1)      # (B, J, 3, 4)
    blended = torch.matmul(affine.reshape(batch, num_joints, 12).transpose(1, 2), weights_t)
    return blended.reshape(batch, 3, 4, -1)


def apply_transforms(transforms: torch.Tensor, vertices: torch.Tensor) -> torch.Tensor:
    """``(B, 3, 4, V)`` per-vertex affine maps applied to ``(B, 3, V)`` points -> ``(B, 3, V)``.

    Broadcast multiply-adds instead of a batched matmul: CPU batched matmuls on V tiny
    matrices are an order of magnitude slower.
    """
    return (transforms[:, :, 0] * vertices[:, 0:1] + transforms[:, :, 1] * vertices[:, 1:2]
            + transforms[:, :, 2] * vertices[:, 2:3] + transforms[:, :, 3])


def skin(vertices: torch.Tensor, weights_t: torch.Tensor, global_rot: torch.Tensor,
         global_pos: torch.Tensor, rest_joints: torch.Tensor) -> torch.Tensor:
    """Linear blend skinning of ``(B, 3, V)`` component-major rest vertices -> ``(B, 3, V)``.

    See :func:`blend_transforms` for the other arguments.
    """
    return apply_transforms(blend_transforms(weights_t, global_rot, global_pos, rest_joints),
                            vertices)


def axis_angle_lbs(full_pose: torch.Tensor, betas: torch.Tensor, v_template: torch.Tensor,
                   shapedirs: torch.Tensor, posedirs: torch.Tensor,
                   pose_basis: torch.Tensor | None, j_template: torch.Tensor,
                   j_shapedirs: torch.Tensor, weights_t: torch.Tensor,
                   level_sizes: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Pose and shape a MANO-format model (joints in level order, vertices component-major).

    Args:
        full_pose: ``(B, J, 3)`` local axis-angle per joint (level order, root first).
        betas: ``(B, S)``.
        v_template: ``(3*V,)`` component-major (all x, then all y, then all z).
        shapedirs: ``(S, 3*V)`` component-major.
        posedirs: ``((J-1)*9, 3*V)``, rows in level order of the non-root joints; or, with
            ``pose_basis`` ``((J-1)*9, R)``, the factor ``(R, 3*V)`` of
            ``pose_basis @ posedirs``.
        j_template: ``(J, 3)`` = ``J_regressor @ v_template``;
        j_shapedirs: ``(S, J*3)`` = ``J_regressor`` applied to each shape direction.
        weights_t: ``(J, V)``; level_sizes: see :func:`forward_kinematics`.
    Returns:
        ``(vertices (B, 3, V), joints (B, J, 3))`` posed, before any translation.
    """
    batch = betas.shape[0]
    rotmats = rodrigues(full_pose)                                      # (B, J, 3, 3)
    feature = pose_feature(rotmats)
    if pose_basis is not None:
        feature = feature @ pose_basis
    v_shaped = torch.addmm(v_template.unsqueeze(0), betas, shapedirs)
    v_posed = torch.addmm(v_shaped, feature, posedirs).reshape(batch, 3, -1)
    rest_joints = blend_shapes(betas, j_template, j_shapedirs)
    return LinearBlendSkinning.apply(rotmats, v_posed, rest_joints, weights_t, level_sizes)
