"""DeepHandMesh's bone-sphere penetration loss (deephandmesh.md §7.3), vectorised.

Spheres sit on the bones of the subject's bind skeleton: for each parent -> child bone,
``STEPS`` points ``p = J_parent + s (J_child - J_parent)``, ``s = 0, 0.1, ..., 0.9``. A
sphere's radius is the distance from its bind-pose centre to the nearest vertex of the bind
mesh (template plus both correctives), per sample and **detached**. At run time the same
``(parent, child, s)`` are applied to the predicted joints. (The original also puts a sphere
on each leaf joint; neither term reads it, so it is not built here.)

* Rigid part: every unordered pair of bones that share no joint as (start, start),
  (start, end) or (end, start) gives ``mean_{a, b} relu(r_a + r_b - |a - b|)``; the term is
  the mean over pairs. Only the predicted joints get a gradient.
* Non-rigid part: for each non-rigid skin segment (thenar ``thumb1`` and palm ``wrist``) and
  the distal bone of each non-thumb finger, ``d_k`` is the distance of sphere ``k`` to the
  nearest vertex of that segment in the posed output mesh (not detached). If some
  ``d_k < r_k``, with ``k0`` the first from parent to child, the term is
  ``|mean_{k >= k0} (d_k - r_k)|``, else 0; the mean over segments x fingers.

``penetration_loss`` returns ``1 * rigid + 5 * non-rigid`` per sample, as the original.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from s2hand.losses._checks import check_shape

STEPS = 10
BONE_STEP = 0.1
RIGID_WEIGHT = 1.0
NON_RIGID_WEIGHT = 5.0


class BoneSpheres(NamedTuple):
    """Sphere layout of a skeleton (index tensors; no geometry).

    bones ``(K, 2)`` (parent, child) joint pairs in depth-first order from the root;
    steps ``(STEPS,)``; rigid_pairs ``(Q, 2)`` bone indices; distal ``(D,)`` bone index of the
    last bone of each non-thumb finger; segments ``(S,)`` non-rigid skin segment joints.
    """

    bones: Tensor
    steps: Tensor
    rigid_pairs: Tensor
    distal: Tensor
    segments: Tensor


def _paths(parents: list[int], root: int) -> list[list[int]]:
    """Root-to-leaf joint paths, depth first, children in index order."""
    children = {j: [c for c in range(len(parents)) if parents[c] == j] for j in range(len(parents))}
    paths, stack = [], [[root]]
    while stack:
        path = stack.pop()
        kids = children[path[-1]]
        if not kids:
            paths.append(path)
        stack.extend(path + [c] for c in reversed(kids))
    return paths


def bone_spheres(parents: np.ndarray | list[int], joint_names: tuple[str, ...] | list[str],
                 segments: tuple[int, ...]) -> BoneSpheres:
    """The sphere layout of a skeleton: bones, rigid pairs, distal bones of non-thumb fingers."""
    parents = [int(p) for p in parents]
    root = parents.index(-1)
    bones, distal = [], []
    for path in _paths(parents, root):
        for start, end in zip(path[:-1], path[1:], strict=True):
            if (start, end) not in bones:
                bones.append((start, end))
        if len(path) > 1 and "thumb" not in joint_names[path[-1]]:
            distal.append(bones.index((path[-2], path[-1])))
    pairs = [(i, k) for i in range(len(bones)) for k in range(i + 1, len(bones))
             if bones[i][0] != bones[k][0] and bones[i][0] != bones[k][1]
             and bones[i][1] != bones[k][0]]
    steps = torch.arange(STEPS, dtype=torch.float64) * BONE_STEP
    return BoneSpheres(torch.tensor(bones), steps, torch.tensor(pairs), torch.tensor(distal),
                       torch.tensor(segments))


def sphere_centres(joints: Tensor, spheres: BoneSpheres) -> Tensor:
    """``(..., J, 3)`` joints -> ``(..., K, STEPS, 3)`` centres along each bone."""
    bones = spheres.bones.to(joints.device)
    start, end = joints[..., bones[:, 0], :], joints[..., bones[:, 1], :]
    step = spheres.steps.to(joints)[:, None]
    return start[..., None, :] + step * (end - start)[..., None, :]


def sphere_radii(bind_joints: Tensor, bind_vertices: Tensor, spheres: BoneSpheres) -> Tensor:
    """Radii ``(B, K, STEPS)``: nearest bind-mesh vertex to each bind centre, detached.

    Args:
        bind_joints: ``(J, 3)`` or ``(B, J, 3)`` the subject's bind skeleton.
        bind_vertices: ``(B, V, 3)`` the subject's bind mesh.
    """
    bind_vertices = bind_vertices.detach()
    centres = sphere_centres(bind_joints.detach(), spheres)
    centres = centres.expand(bind_vertices.shape[0], *centres.shape[-3:])
    b, k = centres.shape[:2]
    dist = torch.cdist(centres.reshape(b, k * STEPS, 3), bind_vertices)
    return dist.min(-1).values.reshape(b, k, STEPS)


def rigid_penetration(joints: Tensor, radii: Tensor, spheres: BoneSpheres) -> Tensor:
    """Sphere overlap between non-adjacent bones: ``(B, J, 3), (B, K, STEPS) -> (B,)``."""
    centres = sphere_centres(joints, spheres)                           # (B, K, S, 3)
    pairs = spheres.rigid_pairs.to(joints.device)
    a, b = centres[:, pairs[:, 0]], centres[:, pairs[:, 1]]             # (B, Q, S, 3)
    dist = torch.linalg.vector_norm(a[:, :, :, None] - b[:, :, None], dim=-1)
    reach = radii[:, pairs[:, 0], :, None] + radii[:, pairs[:, 1], None, :]
    return torch.relu(reach - dist).mean((-1, -2)).sum(-1) / len(pairs)


def non_rigid_penetration(joints: Tensor, vertices: Tensor, segmentation: Tensor,
                          radii: Tensor, spheres: BoneSpheres) -> Tensor:
    """Distal phalanges entering the thenar/palm skin: ``-> (B,)``.

    Args:
        joints: ``(B, J, 3)`` predicted joints; vertices ``(B, V, 3)`` posed output mesh;
        segmentation: ``(V,)`` joint of largest skinning weight per vertex; radii
        ``(B, K, STEPS)`` from :func:`sphere_radii`.
    """
    distal = spheres.distal.to(joints.device)
    centres = sphere_centres(joints, spheres)[:, distal]                # (B, D, S, 3)
    b, d = centres.shape[:2]
    dist = torch.cdist(centres.reshape(b, d * STEPS, 3), vertices)      # (B, D*S, V)
    member = segmentation.to(joints.device)[None] == spheres.segments.to(joints.device)[:, None]
    inf = torch.full((), float("inf"), dtype=dist.dtype, device=dist.device)
    nearest = torch.where(member[None, :, None], dist[:, None], inf).min(-1).values
    gap = nearest.reshape(b, len(member), d, STEPS) - radii[:, distal][:, None]   # (B,S,D,St)
    inside = torch.cumsum((gap < 0).to(gap.dtype), dim=-1) > 0          # k >= k0
    count = inside.sum(-1)
    total = torch.where(inside, gap, torch.zeros_like(gap)).sum(-1)
    term = torch.where(count > 0, total / count.clamp_min(1), torch.zeros_like(total)).abs()
    return term.sum((-1, -2)) / (len(member) * d)


def penetration_loss(joints: Tensor, vertices: Tensor, bind_joints: Tensor,
                     bind_vertices: Tensor, segmentation: Tensor, spheres: BoneSpheres,
                     rigid_weight: float = RIGID_WEIGHT,
                     non_rigid_weight: float = NON_RIGID_WEIGHT) -> Tensor:
    """``rigid_weight * rigid + non_rigid_weight * non_rigid``, per sample ``(B,)``.

    Args:
        joints: ``(B, J, 3)`` predicted joints; vertices ``(B, V, 3)`` posed output mesh;
        bind_joints: ``(J, 3)`` refined bind skeleton (``global_pose_refined[:, :3, 3]``);
        bind_vertices: ``(B, V, 3)`` bind mesh with both correctives (radii; detached here);
        segmentation: ``(V,)`` long.
    """
    check_shape("joints", joints, ("B", "J", 3))
    check_shape("vertices", vertices, (joints.shape[0], "V", 3))
    check_shape("bind_vertices", bind_vertices, tuple(vertices.shape))
    radii = sphere_radii(bind_joints, bind_vertices, spheres)
    return (rigid_weight * rigid_penetration(joints, radii, spheres)
            + non_rigid_weight * non_rigid_penetration(joints, vertices, segmentation, radii,
                                                       spheres))
