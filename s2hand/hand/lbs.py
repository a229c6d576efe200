"""Linear blend skinning for MANO-format hands, as pure functions on tensors.

Forward kinematics runs one batched step per level of the kinematic tree (4 steps for MANO's
16 joints) instead of one step per joint; joint rest positions come from a pre-multiplied
regressor (``J = J_template + betas @ J_shapedirs``) instead of regressing all vertices.
"""

from __future__ import annotations

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


def forward_kinematics(rotmats: torch.Tensor, joints: torch.Tensor,
                       levels: tuple[tuple[int, ...], ...],
                       parents: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Global joint rotations and positions, one batched step per tree level.

    ``G_i = G_parent(i) [R_i | J_i - J_parent(i)]``, ``G_root = [R_root | J_root]``.

    Args:
        rotmats: ``(B, J, 3, 3)`` local rotations; joints: ``(B, J, 3)`` rest joint positions.
        levels: joint indices per tree depth, root level first (every parent of a level lies in
            an earlier level); parents: parent index per joint (-1 for the root).
    Returns:
        ``(rot (B, J, 3, 3), pos (B, J, 3))``: global rotations and posed joint positions.
    """
    num_joints = joints.shape[1]
    rot: list[torch.Tensor | None] = [None] * num_joints
    pos: list[torch.Tensor | None] = [None] * num_joints
    for depth, level in enumerate(levels):
        idx = list(level)
        if depth == 0:
            for i in idx:
                rot[i] = rotmats[:, i]
                pos[i] = joints[:, i]
            continue
        par = [parents[i] for i in idx]
        parent_rot = torch.stack([rot[p] for p in par], dim=1)          # (B, L, 3, 3)
        parent_pos = torch.stack([pos[p] for p in par], dim=1)          # (B, L, 3)
        offset = joints[:, idx] - joints[:, par]                        # (B, L, 3)
        level_rot = _compose(parent_rot, rotmats[:, idx])
        level_pos = _apply(parent_rot, offset) + parent_pos
        for k, i in enumerate(idx):
            rot[i] = level_rot[:, k]
            pos[i] = level_pos[:, k]
    return torch.stack(rot, dim=1), torch.stack(pos, dim=1)


def skin(vertices: torch.Tensor, weights: torch.Tensor, global_rot: torch.Tensor,
         global_pos: torch.Tensor, rest_joints: torch.Tensor) -> torch.Tensor:
    """Linear blend skinning.

    Each joint moves a rest point ``p`` to ``G_R (p - J_rest) + G_pos``; vertices blend these
    affine maps with ``weights``.

    Args:
        vertices: ``(B, V, 3)`` rest-pose (shape- and pose-blended) vertices.
        weights: ``(V, J)`` skinning weights.
        global_rot, global_pos: ``(B, J, 3, 3)``, ``(B, J, 3)`` from :func:`forward_kinematics`.
        rest_joints: ``(B, J, 3)``.
    Returns:
        ``(B, V, 3)`` posed vertices.
    """
    batch, num_joints = global_rot.shape[:2]
    trans = global_pos - _apply(global_rot, rest_joints)
    affine = torch.cat([global_rot, trans.unsqueeze(-1)], dim=-1)      # (B, J, 3, 4)
    blended = torch.matmul(weights, affine.reshape(batch, num_joints, 12))
    blended = blended.reshape(batch, -1, 3, 4)                          # (B, V, 3, 4)
    # Broadcast multiply-sum instead of a batched matmul: CPU bmm on V tiny 3x3 matrices is
    # an order of magnitude slower.
    return (blended[..., :3] * vertices.unsqueeze(-2)).sum(-1) + blended[..., 3]


def _apply(rot: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """``rot @ point`` for stacks of 3x3 matrices: ``(..., 3, 3), (..., 3) -> (..., 3)``."""
    return (rot * points.unsqueeze(-2)).sum(-1)


def _compose(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a @ b`` for stacks of 3x3 matrices, as a broadcast multiply-sum (see :func:`skin`)."""
    return (a.unsqueeze(-1) * b.unsqueeze(-3)).sum(-2)


def axis_angle_lbs(full_pose: torch.Tensor, betas: torch.Tensor, v_template: torch.Tensor,
                   shapedirs: torch.Tensor, posedirs: torch.Tensor, j_template: torch.Tensor,
                   j_shapedirs: torch.Tensor, weights: torch.Tensor,
                   levels: tuple[tuple[int, ...], ...],
                   parents: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Pose and shape a MANO-format model.

    Args:
        full_pose: ``(B, J, 3)`` local axis-angle per joint (root first).
        betas: ``(B, S)``.
        v_template: ``(V, 3)``; shapedirs: ``(S, V*3)``; posedirs: ``((J-1)*9, V*3)``.
        j_template: ``(J, 3)`` = ``J_regressor @ v_template``;
        j_shapedirs: ``(S, J*3)`` = ``J_regressor`` applied to each shape direction.
        weights: ``(V, J)``; levels, parents: see :func:`forward_kinematics`.
    Returns:
        ``(vertices (B, V, 3), joints (B, J, 3))`` posed, before any translation.
    """
    rotmats = rodrigues(full_pose)                                      # (B, J, 3, 3)
    v_shaped = torch.addmm(v_template.reshape(1, -1), betas, shapedirs)
    v_posed = torch.addmm(v_shaped, pose_feature(rotmats), posedirs)
    v_posed = v_posed.reshape(betas.shape[0], -1, 3)
    rest_joints = blend_shapes(betas, j_template, j_shapedirs)
    global_rot, global_pos = forward_kinematics(rotmats, rest_joints, levels, parents)
    vertices = skin(v_posed, weights, global_rot, global_pos, rest_joints)
    return vertices, global_pos
