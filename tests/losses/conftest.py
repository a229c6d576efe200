"""Shared fixtures: a small, realistic network output and normalised batch."""

from __future__ import annotations

import math

import pytest
import torch

from s2hand.data import HandBatch
from s2hand.losses.geometry import project_points

IMG = 24  # image side of the fake renders: small keeps the SSIM/photometric tests fast


def grid_mesh(n: int = 4, size: float = 0.05) -> tuple[torch.Tensor, torch.Tensor]:
    """Planar n×n vertex grid in the z = 0 plane, two triangles per cell.

    Returns (vertices (n*n,3) float64, faces (2(n-1)^2,3) long).
    """
    xs = torch.linspace(0, size, n, dtype=torch.float64)
    yy, xx = torch.meshgrid(xs, xs, indexing="ij")
    verts = torch.stack([xx.reshape(-1), yy.reshape(-1), torch.zeros(n * n, dtype=torch.float64)],
                        dim=1)
    faces = []
    for r in range(n - 1):
        for c in range(n - 1):
            a, b, d, e = r * n + c, r * n + c + 1, (r + 1) * n + c, (r + 1) * n + c + 1
            faces += [(a, b, e), (a, e, d)]
    return verts, torch.tensor(faces, dtype=torch.long)


def _make(batch_size: int = 2, seed: int = 0, requires_grad: bool = False):
    g = torch.Generator().manual_seed(seed)
    B = batch_size

    def rnd(*shape, scale=1.0, offset=0.0):
        t = torch.randn(*shape, generator=g, dtype=torch.float64) * scale + offset
        return t.requires_grad_(requires_grad)

    K = torch.tensor([[60.0, 0.0, IMG / 2], [0.0, 60.0, IMG / 2], [0.0, 0.0, 1.0]],
                     dtype=torch.float64).expand(B, 3, 3).clone()
    joints = rnd(B, 21, 3, scale=0.03)
    with torch.no_grad():
        joints[..., 2] += 0.6
    j2d = project_points(joints, K)
    verts, faces = grid_mesh()
    vertices = (verts.expand(B, -1, -1) + torch.randn(B, verts.shape[0], 3, generator=g,
                                                      dtype=torch.float64) * 0.003)
    vertices = vertices.clone().requires_grad_(requires_grad)
    tsa = torch.zeros(B, 16, 3, dtype=torch.float64)
    tsa[:, 0, 0] = math.pi
    tsa = (tsa + torch.randn(B, 16, 3, generator=g, dtype=torch.float64) * 0.3)
    tsa = tsa.requires_grad_(requires_grad)
    output = {
        "heatmap_joints_2d": [rnd(B, 21, 2, scale=3.0, offset=IMG / 2) for _ in range(2)],
        "joints": joints,
        "joints_2d": j2d,
        "vertices": vertices,
        "faces": faces,
        "betas": rnd(B, 10, scale=0.1),
        "tsa_poses": tsa,
        "texture_logits": rnd(B, faces.shape[0], 3, scale=0.3, offset=0.7),
        "rendered_rgb": torch.rand(B, 3, IMG, IMG, generator=g, dtype=torch.float64)
        .requires_grad_(requires_grad),
        "rendered_depth": torch.rand(B, IMG, IMG, generator=g, dtype=torch.float64)
        .requires_grad_(requires_grad),
        "rendered_silhouette": torch.rand(B, IMG, IMG, generator=g, dtype=torch.float64)
        .requires_grad_(requires_grad),
        "masked_images": torch.rand(B, 3, IMG, IMG, generator=g, dtype=torch.float64)
        .requires_grad_(requires_grad),
    }
    con = torch.rand(B, 21, generator=g, dtype=torch.float64)
    batch = HandBatch(**{
        "images": torch.zeros(B, 3, IMG, IMG, dtype=torch.float64),
        "intrinsics": K,
        "detections": j2d.detach() + torch.randn(B, 21, 2, generator=g, dtype=torch.float64) * 6,
        "detection_conf": con,
        "texture_weight": con.mean(1),
        "gt_joints_2d": j2d.detach() + torch.randn(B, 21, 2, generator=g, dtype=torch.float64),
        "gt_joints": joints.detach()
        + torch.randn(B, 21, 3, generator=g, dtype=torch.float64) * 0.01,
        "gt_masks": (torch.rand(B, 1, IMG, IMG, generator=g) > 0.5).double(),
        "gt_bone_scale": torch.full((B,), 0.03, dtype=torch.float64),
        "sample_ids": torch.arange(B),
        "dataset": ["FreiHand"] * B,
        # consecutive frames of one video (temporal_smooth)
        "sequence_ids": torch.zeros(B, dtype=torch.long),
        "frame_index": torch.arange(B),
    })
    return output, batch


@pytest.fixture
def make_output():
    """Factory ``(batch_size=2, seed=0, requires_grad=False) -> (output_dict, batch)``."""
    return _make


@pytest.fixture
def planar_grid():
    """Factory ``(n=4, size=0.05) -> (vertices (n*n,3), faces)`` of a planar regular grid."""
    return grid_mesh
