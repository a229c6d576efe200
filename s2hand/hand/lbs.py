"""Linear blend skinning for MANO-format hands, as pure functions on tensors.

Speed-relevant choices (same maths as MANO/smplx):

* forward kinematics runs one batched step per level of the kinematic tree (4 steps for MANO's
  16 joints) instead of one per joint, on joints stored in *level order* so that every step
  works on contiguous slices;
* rest joints come from a pre-multiplied regressor (``J = J_template + betas @ J_shapedirs``)
  instead of regressing all vertices;
* vertices are kept *component-major* (``(B, 3, V)``) so that skinning is one matrix product
  ``(B*12, J) @ (J, V)`` followed by a broadcast multiply-sum (CPU batched matmuls on V tiny
  3x3 matrices are an order of magnitude slower);
* a rank-deficient pose blend-shape basis can be passed factored (``pose_basis``), which is
  exact and much cheaper for models whose correctives have few independent directions.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

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


def level_bounds(level_sizes: tuple[int, ...]) -> list[int]:
    """Start index of each level in level order, plus the total: ``(1, 5, 5, 5) -> [0, 1, 6,
    11, 16]``."""
    bounds = [0]
    for size in level_sizes:
        bounds.append(bounds[-1] + size)
    return bounds


def level_parents(level_sizes: tuple[int, ...]) -> list[int]:
    """Parent of each non-root joint, in level order (see :func:`local_transforms`)."""
    bounds = level_bounds(level_sizes)
    return [bounds[k - 1] + (0 if level_sizes[k - 1] == 1 else i - bounds[k])
            for k in range(1, len(level_sizes)) for i in range(bounds[k], bounds[k + 1])]


def parent_difference(level_sizes: tuple[int, ...]) -> torch.Tensor:
    """``(J, J)`` matrix ``D`` with ``D @ J = (J_0, J_i - J_parent(i), ...)`` in level order."""
    diff = torch.eye(level_bounds(level_sizes)[-1])
    for i, parent in enumerate(level_parents(level_sizes), start=1):
        diff[i, parent] = -1.0
    return diff


def local_transforms(rotmats: torch.Tensor, joints: torch.Tensor,
                     parent_diff: torch.Tensor) -> torch.Tensor:
    """``[R_i | J_i - J_parent(i)]`` (root: ``[R_0 | J_0]``) as ``(B, J, 4, 4)`` matrices.

    Joints are in *level order*: the root, then each level's joints in chain order, so that
    the parent of the i-th joint of a level is the i-th joint of the previous level (or the
    root when the previous level has one joint). MANO's tree is five 3-joint chains on a root:
    ``level_sizes = (1, 5, 5, 5)``. ``parent_diff`` is :func:`parent_difference`'s matrix.
    """
    rel = torch.matmul(parent_diff, joints)                                    # (B, J, 3)
    local = torch.cat([rotmats, rel.unsqueeze(-1)], dim=-1)                    # (B, J, 3, 4)
    bottom = local.new_tensor((0.0, 0.0, 0.0, 1.0)).expand(*local.shape[:2], 1, 4)
    return torch.cat([local, bottom], dim=-2)


def chain_transforms(local: torch.Tensor, level_sizes: tuple[int, ...]) -> torch.Tensor:
    """Global transforms ``G_i = G_parent(i) L_i``, one batched matmul per tree level:
    ``(B, J, 4, 4) -> (B, J, 4, 4)`` (level order, see :func:`local_transforms`)."""
    bounds = level_bounds(level_sizes)
    transforms = [local[:, :bounds[1]]]
    for k in range(1, len(level_sizes)):
        transforms.append(transforms[-1] @ local[:, bounds[k]:bounds[k + 1]])
    return torch.cat(transforms, dim=1)


def blend_transforms(weights_t: torch.Tensor, global_rot: torch.Tensor,
                     global_pos: torch.Tensor, rest_joints: torch.Tensor) -> torch.Tensor:
    """Per-vertex blended skinning transforms, component-major.

    Joint ``j`` moves a rest point ``p`` to ``G_j (p - J_j) + t_j``; vertex ``v`` uses
    ``sum_j w_vj [G_j | t_j - G_j J_j]``.

    Args:
        weights_t: ``(J, V)`` skinning weights (transposed).
        global_rot, global_pos: ``(B, J, 3, 3)``, ``(B, J, 3)``: global joint rotations and
            positions (:func:`chain_transforms`).
        rest_joints: ``(B, J, 3)``.
    Returns:
        ``(B, 3, 4, V)``: ``[c, k, v]`` = row ``c``, column ``k`` of vertex ``v``'s 3x4 map.
    """
    batch, num_joints = global_rot.shape[:2]
    trans = global_pos - _apply(global_rot, rest_joints)
    affine = torch.cat([global_rot, trans.unsqueeze(-1)], dim=-1)      # (B, J, 3, 4)
    # One (B*12, J) @ (J, V) product rather than B batched ones.
    rows = affine.reshape(batch, num_joints, 12).transpose(1, 2).reshape(batch * 12, num_joints)
    return (rows @ weights_t).reshape(batch, 3, 4, -1)


def apply_transforms(transforms: torch.Tensor, vertices: torch.Tensor) -> torch.Tensor:
    """``(B, 3, 4, V)`` per-vertex affine maps applied to ``(B, 3, V)`` points -> ``(B, 3, V)``.

    A broadcast multiply-sum instead of a batched matmul: CPU batched matmuls on V tiny
    matrices are an order of magnitude slower.
    """
    return (transforms[:, :, :3] * vertices.unsqueeze(1)).sum(2) + transforms[:, :, 3]


def skin(vertices: torch.Tensor, weights_t: torch.Tensor, global_rot: torch.Tensor,
         global_pos: torch.Tensor, rest_joints: torch.Tensor) -> torch.Tensor:
    """Linear blend skinning of ``(B, 3, V)`` component-major rest vertices -> ``(B, 3, V)``.

    See :func:`blend_transforms` for the other arguments.
    """
    return apply_transforms(blend_transforms(weights_t, global_rot, global_pos, rest_joints),
                            vertices)


class LBSBuffers(NamedTuple):
    """Model arrays in the layout :func:`mano_lbs` uses (see ``ManoLayer``).

    v_template ``(3*V,)`` and shapedirs ``(S, 3*V)`` component-major (all x, then y, then z);
    posedirs ``((J-1)*9, 3*V)`` with rows in level order of the non-root joints, or, with
    pose_basis ``((J-1)*9, R)``, the factor ``(R, 3*V)`` of ``pose_basis @ posedirs``;
    j_template ``(J, 3)`` = ``J_regressor @ v_template``; j_shapedirs ``(S, J*3)``;
    weights_t ``(J, V)``; tip_ids ``(T,)`` long; joint_index: output joint order as indices
    into (level-ordered joints, tips), a permutation, and joint_inverse its inverse;
    parent_diff :func:`parent_difference`; parent_index ``(J-1,)`` the parent of each non-root
    joint; level_sizes (:func:`local_transforms`), all in level order; level_index ``(J,)``
    the model joint at each level-order position, level_inverse its inverse.
    """

    v_template: torch.Tensor
    shapedirs: torch.Tensor
    posedirs: torch.Tensor
    pose_basis: torch.Tensor | None
    j_template: torch.Tensor
    j_shapedirs: torch.Tensor
    weights_t: torch.Tensor
    tip_ids: torch.Tensor
    joint_index: torch.Tensor
    joint_inverse: torch.Tensor
    parent_diff: torch.Tensor
    parent_index: torch.Tensor
    level_index: torch.Tensor
    level_inverse: torch.Tensor
    level_sizes: tuple[int, ...]


def posed_rest_vertices(rotmats: torch.Tensor, betas: torch.Tensor,
                        bufs: LBSBuffers) -> torch.Tensor:
    """Shape and pose blend shapes: ``(B, J, 3, 3), (B, S) -> (B, 3, V)`` component-major."""
    feature = pose_feature(rotmats)
    if bufs.pose_basis is not None:
        feature = feature @ bufs.pose_basis
    v_shaped = torch.addmm(bufs.v_template.unsqueeze(0), betas, bufs.shapedirs)
    return torch.addmm(v_shaped, feature, bufs.posedirs).reshape(betas.shape[0], 3, -1)


def select_joints(joints: torch.Tensor, vertices: torch.Tensor,
                  bufs: LBSBuffers) -> torch.Tensor:
    """Kinematic joints ``(B, J, 3)`` plus tip vertices of ``(B, 3, V)``, in output order."""
    tips = vertices[:, :, bufs.tip_ids].transpose(1, 2)
    return torch.cat([joints, tips], dim=1)[:, bufs.joint_index]


def mano_lbs(full_pose: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor | None,
             bufs: LBSBuffers) -> tuple[torch.Tensor, torch.Tensor]:
    """Pose and shape a MANO-format model (plain autograd graph; see ``lbs_grad`` for the
    fused equivalent).

    Args:
        full_pose: ``(B, J, 3)`` local axis-angle per joint, in the model's joint order.
        betas: ``(B, S)``; transl: ``(B, 3)`` or ``None``; bufs: :class:`LBSBuffers`.
    Returns:
        ``(vertices (B, V, 3), joints (B, J + T, 3))``, joints in the order of
        ``bufs.joint_index``.
    """
    rotmats = rodrigues(full_pose[:, bufs.level_index])
    v_posed = posed_rest_vertices(rotmats, betas, bufs)
    rest_joints = blend_shapes(betas, bufs.j_template, bufs.j_shapedirs)
    local = local_transforms(rotmats, rest_joints, bufs.parent_diff)
    glob = chain_transforms(local, bufs.level_sizes)
    vertices = skin(v_posed, bufs.weights_t, glob[..., :3, :3], glob[..., :3, 3], rest_joints)
    joints = select_joints(glob[..., :3, 3], vertices, bufs)
    if transl is not None:
        vertices = vertices + transl.unsqueeze(-1)
        joints = joints + transl.unsqueeze(1)
    return vertices.transpose(1, 2), joints
