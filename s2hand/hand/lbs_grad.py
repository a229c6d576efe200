"""The whole MANO layer core (Rodrigues, blend shapes, forward kinematics, skinning, joint
selection) as one autograd node with a hand-written backward.

At small batches a MANO layer's time is dominated by per-operation overhead, not arithmetic;
one node whose forward runs without graph recording and whose backward is written out roughly
halves it. The forward is :func:`s2hand.hand.lbs.mano_lbs`'s pure functions; the tests check
the gradients numerically and against autograd through ``mano_lbs``.
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from s2hand.hand import lbs
from s2hand.hand.rotations import rodrigues_forward, rodrigues_vjp


def _sum_to(grad: torch.Tensor, size: int) -> torch.Tensor:
    """Reduce per-child gradients ``(B, L, ...)`` onto a broadcast parent block of ``size``."""
    return grad.sum(dim=1, keepdim=True) if size == 1 and grad.shape[1] != 1 else grad


def skinning_backward(grad_vertices: torch.Tensor, grad_pos: torch.Tensor,
                      v_posed: torch.Tensor, rest: torch.Tensor, weights_t: torch.Tensor,
                      local: torch.Tensor, glob: torch.Tensor, transforms: torch.Tensor,
                      parent_diff: torch.Tensor, parent_index: torch.Tensor,
                      sizes: tuple[int, ...]) -> tuple[torch.Tensor, ...]:
    """Vector-Jacobian product of forward kinematics + skinning.

    Args:
        grad_vertices: ``(B, 3, V)``; grad_pos: ``(B, J, 3)`` (posed joints).
        v_posed, rest, weights_t, local, glob, transforms: the forward's ``(B, 3, V)`` rest
            vertices, ``(B, J, 3)`` rest joints, ``(J, V)`` weights, ``(B, J, 4, 4)`` local and
            global transforms, ``(B, 3, 4, V)`` blended transforms; the ``(J, J)``
            :func:`s2hand.hand.lbs.parent_difference` matrix, the parent of each non-root
            joint ``(J-1,)`` and the level sizes (level order).
    Returns:
        ``(grad_rotmats (B, J, 3, 3), grad_v_posed (B, 3, V), grad_rest (B, J, 3))``.
    """
    batch, num_joints = glob.shape[:2]
    # vertices[c] = sum_k T[c, k] v[k] + T[c, 3]
    g_out = grad_vertices.unsqueeze(2)                                         # (B, 3, 1, V)
    grad_v = (transforms[:, :, :3] * g_out).sum(1)
    grad_t = torch.cat([g_out * v_posed.unsqueeze(1), g_out], dim=2)           # (B, 3, 4, V)
    grad_m = torch.matmul(grad_t.reshape(batch, 12, -1), weights_t.T)          # (B, 12, J)
    grad_m = grad_m.transpose(1, 2).reshape(batch, num_joints, 3, 4)
    # M = [G_R | t - G_R J] = G[:3] @ [[I, -J], [0, 1]]; posed joints = t.
    g_trans = grad_m[..., 3]
    grad_rest = -(glob[..., :3, :3].transpose(-1, -2) @ g_trans.unsqueeze(-1)).squeeze(-1)
    grad_glob = torch.cat([grad_m[..., :3] - g_trans.unsqueeze(-1) * rest.unsqueeze(-2),
                           (g_trans + grad_pos).unsqueeze(-1)], dim=-1)         # (B, J, 3, 4)
    # G_L = G_P L_L. Accumulate dL/dG from the leaves (top three rows only: the bottom row of
    # every transform is constant), then dL/dL_i = G_parent(i)^T dL/dG_i for all joints at once.
    bounds = lbs.level_bounds(sizes)
    blocks = list(grad_glob.split(list(sizes), dim=1))
    local_t = local.transpose(-1, -2)
    for k in range(len(sizes) - 1, 0, -1):
        to_parent = blocks[k] @ local_t[:, bounds[k]:bounds[k + 1]]
        blocks[k - 1] = blocks[k - 1] + _sum_to(to_parent, sizes[k - 1])
    grad_glob = torch.cat(blocks, dim=1)                                       # (B, J, 3, 4)
    parent_rot_t = glob[:, parent_index, :3, :3].transpose(-1, -2)
    grad_local = torch.cat([grad_glob[:, :1], parent_rot_t @ grad_glob[:, 1:]], dim=1)
    # L = [R | D J]
    grad_rest = grad_rest + torch.matmul(parent_diff.T, grad_local[..., 3])
    return grad_local[..., :3], grad_v, grad_rest


class FusedManoLBS(torch.autograd.Function):
    """``(full_pose (B, J, 3), betas (B, S), transl (B, 3) | None, bufs) -> (vertices (B, V, 3),
    joints)``: the same function as :func:`s2hand.hand.lbs.mano_lbs`, as one node
    (first-order gradients)."""

    @staticmethod
    def forward(ctx, full_pose: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor | None,
                bufs: lbs.LBSBuffers):
        pose = full_pose[:, bufs.level_index]
        rotmats, coef = rodrigues_forward(pose)
        v_posed = lbs.posed_rest_vertices(rotmats, betas, bufs)
        rest = lbs.blend_shapes(betas, bufs.j_template, bufs.j_shapedirs)
        local = lbs.local_transforms(rotmats, rest, bufs.parent_diff)
        glob = lbs.chain_transforms(local, bufs.level_sizes)
        global_pos = glob[..., :3, 3]
        transforms = lbs.blend_transforms(bufs.weights_t, glob[..., :3, :3], global_pos, rest)
        vertices = lbs.apply_transforms(transforms, v_posed)
        joints = lbs.select_joints(global_pos, vertices, bufs)
        if transl is not None:
            vertices = vertices + transl.unsqueeze(-1)
            joints = joints + transl.unsqueeze(1)
        ctx.bufs = bufs
        ctx.save_for_backward(pose, coef, v_posed, rest, local, glob, transforms)
        return vertices.transpose(1, 2), joints

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_vertices: torch.Tensor, grad_joints: torch.Tensor):
        pose, coef, v_posed, rest, local, glob, transforms = ctx.saved_tensors
        bufs: lbs.LBSBuffers = ctx.bufs
        batch, num_joints = glob.shape[:2]
        grad_transl = None
        if ctx.needs_input_grad[2]:
            grad_transl = grad_vertices.sum(1) + grad_joints.sum(1)
        # Undo the joint selection (a permutation of (kinematic joints, tips)).
        grad_all = grad_joints[:, bufs.joint_inverse]
        grad_out = grad_vertices.transpose(1, 2).contiguous()                  # (B, 3, V)
        grad_out.index_add_(2, bufs.tip_ids, grad_all[:, num_joints:].transpose(1, 2))
        grad_rot, grad_v, grad_rest = skinning_backward(
            grad_out, grad_all[:, :num_joints], v_posed, rest, bufs.weights_t, local, glob,
            transforms, bufs.parent_diff, bufs.parent_index, bufs.level_sizes)
        # Blend shapes: v_posed = T + betas S + f(R) P; rest = J_T + betas J_S.
        grad_v = grad_v.reshape(batch, -1)
        grad_feature = grad_v @ bufs.posedirs.T
        if bufs.pose_basis is not None:
            grad_feature = grad_feature @ bufs.pose_basis.T
        grad_rot = grad_rot.contiguous()
        grad_rot[:, 1:] += grad_feature.reshape(batch, num_joints - 1, 3, 3)
        grad_betas = grad_v @ bufs.shapedirs.T + grad_rest.reshape(batch, -1) @ bufs.j_shapedirs.T
        grad_pose = rodrigues_vjp(pose, coef, grad_rot)[:, bufs.level_inverse]
        return grad_pose, grad_betas, grad_transl, None
