"""Forward kinematics + skinning as one autograd node with a hand-written backward.

At small batches the MANO layer's time is dominated by per-operation autograd overhead, not
arithmetic; fusing FK and skinning into one node (forward under ``no_grad``, analytic
backward) roughly halves it. The forward reuses the pure functions of ``lbs.py``, and the
tests check this node against autograd through those same functions.
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable


def _level_bounds(level_sizes: tuple[int, ...]) -> list[int]:
    bounds = [0]
    for size in level_sizes:
        bounds.append(bounds[-1] + size)
    return bounds


def _sum_to(grad: torch.Tensor, size: int) -> torch.Tensor:
    """Reduce a per-child gradient ``(B, L, ...)`` to a broadcast parent block of ``size``."""
    return grad.sum(dim=1, keepdim=True) if size == 1 and grad.shape[1] != 1 else grad


class LinearBlendSkinning(torch.autograd.Function):
    """``(rotmats, v_posed, rest_joints) -> (vertices, posed joints)``.

    Inputs: rotmats ``(B, J, 3, 3)`` local rotations and rest_joints ``(B, J, 3)`` in level
    order, v_posed ``(B, 3, V)`` component-major, weights_t ``(J, V)`` (no gradient),
    level_sizes (see :func:`s2hand.hand.lbs.forward_kinematics`).
    Outputs: vertices ``(B, 3, V)`` component-major, joints ``(B, J, 3)``.
    """

    @staticmethod
    def forward(ctx, rotmats: torch.Tensor, v_posed: torch.Tensor, rest_joints: torch.Tensor,
                weights_t: torch.Tensor, level_sizes: tuple[int, ...]):
        from s2hand.hand.lbs import apply_transforms, blend_transforms, forward_kinematics

        global_rot, global_pos = forward_kinematics(rotmats, rest_joints, level_sizes)
        transforms = blend_transforms(weights_t, global_rot, global_pos, rest_joints)
        vertices = apply_transforms(transforms, v_posed)
        ctx.level_sizes = level_sizes
        ctx.save_for_backward(rotmats, v_posed, rest_joints, weights_t, global_rot, transforms)
        return vertices, global_pos

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_vertices: torch.Tensor, grad_joints: torch.Tensor):
        rotmats, v_posed, rest, weights_t, glob, transforms = ctx.saved_tensors
        sizes = ctx.level_sizes
        batch, num_joints = glob.shape[:2]
        # vertices[c] = sum_k T[c, k] v[k] + T[c, 3]
        grad_v = (transforms[:, :, :3] * grad_vertices.unsqueeze(2)).sum(1)       # (B, 3, V)
        grad_t = torch.cat([grad_vertices.unsqueeze(2) * v_posed.unsqueeze(1),
                            grad_vertices.unsqueeze(2)], dim=2)                   # (B, 3, 4, V)
        grad_affine = torch.matmul(grad_t.reshape(batch, 12, -1), weights_t.T)   # (B, 12, J)
        grad_affine = grad_affine.transpose(1, 2).reshape(batch, num_joints, 3, 4)
        # affine = [G | t - G J]
        grad_trans = grad_affine[..., 3]
        grad_glob = grad_affine[..., :3] - grad_trans.unsqueeze(-1) * rest.unsqueeze(-2)
        grad_rest = -(glob.transpose(-1, -2) @ grad_trans.unsqueeze(-1)).squeeze(-1)
        grad_pos = grad_trans + grad_joints
        # Forward kinematics, level by level from the leaves:
        # G_L = G_P R_L, t_L = G_P (J_L - J_P) + t_P.
        bounds = _level_bounds(sizes)
        grad_rot = torch.empty_like(rotmats)
        grad_glob = list(grad_glob.split(list(sizes), dim=1))
        grad_pos = list(grad_pos.split(list(sizes), dim=1))
        grad_rest = list(grad_rest.split(list(sizes), dim=1))
        for k in range(len(sizes) - 1, 0, -1):
            lo, hi, plo = bounds[k], bounds[k + 1], bounds[k - 1]
            parent = glob[:, plo:bounds[k]]                                    # (B, P, 3, 3)
            rel = rest[:, lo:hi] - rest[:, plo:bounds[k]]                      # (B, L, 3)
            g_g, g_t = grad_glob[k], grad_pos[k]
            grad_rot[:, lo:hi] = parent.transpose(-1, -2) @ g_g
            parent_grad = (g_g @ rotmats[:, lo:hi].transpose(-1, -2)
                           + g_t.unsqueeze(-1) * rel.unsqueeze(-2))
            grad_glob[k - 1] = grad_glob[k - 1] + _sum_to(parent_grad, sizes[k - 1])
            grad_pos[k - 1] = grad_pos[k - 1] + _sum_to(g_t, sizes[k - 1])
            g_rel = (parent.transpose(-1, -2) @ g_t.unsqueeze(-1)).squeeze(-1)
            grad_rest[k] = grad_rest[k] + g_rel
            grad_rest[k - 1] = grad_rest[k - 1] - _sum_to(g_rel, sizes[k - 1])
        grad_rot[:, :bounds[1]] = grad_glob[0]
        grad_rest[0] = grad_rest[0] + grad_pos[0]
        return grad_rot, grad_v, torch.cat(grad_rest, dim=1), None, None
