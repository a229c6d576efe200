"""DeepHandMesh's training objective (deephandmesh.md §7):
``L = mean(joint) + mean(depth) + mean(penet) + 5 mean(lap)``.

Each term is first computed unreduced by its pure function; :func:`total_loss` takes the mean
of each over all its entries (masked and invalid ones included, as the original's
``train.py``) and sums them with the Laplacian weight.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from s2hand.hand.deephandmesh.kinematics import skin_vertices
from s2hand.losses.deephandmesh.depth import depth_map_loss, render_crop_depth
from s2hand.losses.deephandmesh.joint import joint_l1_loss
from s2hand.losses.deephandmesh.laplacian import uniform_laplacian_loss
from s2hand.losses.deephandmesh.penetration import (
    NON_RIGID_WEIGHT,
    RIGID_WEIGHT,
    BoneSpheres,
    penetration_loss,
)

LAPLACIAN_WEIGHT = 5.0
TERM_NAMES = ("joint", "depth", "penet", "lap")
CAMERA_KEYS = ("camrot", "campos", "focal", "princpt", "affine")


def bind_mesh(vertices: Tensor, weights: Tensor, global_pose_refined: Tensor,
              global_pose_inv: Tensor) -> Tensor:
    """The subject's mesh in bind pose (the original's ``mesh_refined_v``).

    ``(B, V, 3)`` template plus both correctives, skinned with
    ``global_pose_refined (J, 4, 4) @ global_pose_inv (J, 4, 4)`` -> ``(B, V, 3)``.
    """
    transforms = (global_pose_refined @ global_pose_inv).expand(vertices.shape[0], -1, -1, -1)
    return skin_vertices(vertices, weights, transforms)


def render_views(vertices: Tensor, faces: Tensor, cameras: Mapping[str, Tensor],
                 size: int) -> Tensor:
    """Depth of ``(B, V, 3)`` in ``N`` views -> ``(B, N, size, size)``.

    ``cameras``: camrot ``(B, N, 3, 3)``, campos ``(B, N, 3)``, focal, princpt ``(B, N, 2)``,
    affine ``(B, N, 2, 3)``. All views are rendered in one batch of ``B * N``.
    """
    b, n = cameras["camrot"].shape[:2]
    flat = {k: cameras[k].reshape(b * n, *cameras[k].shape[2:]) for k in CAMERA_KEYS}
    repeated = vertices.repeat_interleave(n, dim=0)
    depth = render_crop_depth(repeated, faces, flat["camrot"], flat["campos"], flat["focal"],
                              flat["princpt"], flat["affine"], size)
    return depth.reshape(b, n, size, size)


def loss_terms(joints: Tensor, mesh: Tensor, bind_joints: Tensor, bind_vertices: Tensor,
               faces: Tensor, segmentation: Tensor, gt_joints: Tensor, valid: Tensor,
               gt_depth: Tensor, cameras: Mapping[str, Tensor], spheres: BoneSpheres,
               laplacian: Tensor, rigid_weight: float = RIGID_WEIGHT,
               non_rigid_weight: float = NON_RIGID_WEIGHT) -> dict[str, Tensor]:
    """The four unreduced terms of one training batch.

    Args:
        joints ``(B, J, 3)``, mesh ``(B, V, 3)``: train-mode outputs (world mm);
        bind_joints ``(J, 3)``, bind_vertices ``(B, V, 3)``: see :func:`bind_mesh`;
        gt_joints ``(B, J, 3)``, valid ``(B, J, 1)``; gt_depth ``(B, N, S, S)`` cropped depth
        maps of the ``N`` views; cameras as :func:`render_views`;
        rigid_weight, non_rigid_weight: of the penetration parts (original 1 and 5).
    Returns:
        ``joint (B, J, 3)``, ``depth (B, 1, S, S)``, ``penet (B,)``, ``lap (B, V)``.
    """
    rendered = render_views(mesh, faces, cameras, gt_depth.shape[-1])
    return {
        "joint": joint_l1_loss(joints, gt_joints, valid),
        "depth": depth_map_loss(rendered, gt_depth),
        "penet": penetration_loss(joints, mesh, bind_joints, bind_vertices, segmentation,
                                  spheres, rigid_weight, non_rigid_weight),
        "lap": uniform_laplacian_loss(mesh, laplacian),
    }


def total_loss(terms: Mapping[str, Tensor], laplacian_weight: float = LAPLACIAN_WEIGHT,
               joint_weight: float = 1.0,
               depth_weight: float = 1.0) -> tuple[Tensor, dict[str, Tensor]]:
    """``(L, {name: mean})`` from :func:`loss_terms`' output (the means are the logged values,
    before their weights). The original weighs joint and depth by 1 and the Laplacian by 5."""
    means = {name: terms[name].mean() for name in TERM_NAMES}
    weights = {"joint": joint_weight, "depth": depth_weight, "penet": 1.0,
               "lap": laplacian_weight}
    return torch.stack([weights[n] * means[n] for n in TERM_NAMES]).sum(), means
