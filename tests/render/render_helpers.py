"""Shared meshes and an independent brute-force reference rasteriser for the renderer tests."""

from __future__ import annotations

import numpy as np
import torch


def intrinsics(f: float, c: float, batch: int = 1, dtype=torch.float64) -> torch.Tensor:
    """(B,3,3) pinhole K with focal f and principal point (c, c)."""
    K = torch.tensor([[f, 0.0, c], [0.0, f, c], [0.0, 0.0, 1.0]], dtype=dtype)
    return K.expand(batch, 3, 3).clone()


def cube(half: float = 0.05, center=(0.0, 0.0, 0.5), dtype=torch.float64):
    """Axis-aligned cube, faces wound counter-clockwise around outward normals.

    Returns vertices (8,3) and faces (12,3).
    """
    corners = np.array(
        [[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64
    )
    quads = [
        (0, 1, 3, 2),  # x = -1
        (4, 6, 7, 5),  # x = +1
        (0, 4, 5, 1),  # y = -1
        (2, 3, 7, 6),  # y = +1
        (0, 2, 6, 4),  # z = -1
        (1, 5, 7, 3),  # z = +1
    ]
    faces = []
    for a, b, c, d in quads:
        faces += [(a, b, c), (a, c, d)]
    faces = np.array(faces, dtype=np.int64)
    # Make the winding outward-CCW whatever the table above says.
    for i, (a, b, c) in enumerate(faces):
        n = np.cross(corners[b] - corners[a], corners[c] - corners[a])
        if np.dot(n, corners[[a, b, c]].mean(0)) < 0:
            faces[i] = (a, c, b)
    verts = torch.tensor(corners * half + np.array(center), dtype=dtype)
    return verts, torch.tensor(faces)


def icosphere(subdivisions: int = 2, radius: float = 0.05, center=(0.0, 0.0, 0.5),
              dtype=torch.float64):
    """Icosphere with outward-CCW faces: vertices (V,3), faces (F,3)."""
    import trimesh

    mesh = trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)
    verts = torch.tensor(np.asarray(mesh.vertices) + np.array(center), dtype=dtype)
    return verts, torch.tensor(np.asarray(mesh.faces), dtype=torch.int64)


def reference_raster(verts: np.ndarray, faces: np.ndarray, K: np.ndarray, size: int,
                     orig_size: int):
    """Brute-force rasteriser written directly in image pixels (no NDC), for cross-checks.

    Every output pixel (r, c) samples the original-image point ((c+0.5) s, (r+0.5) s) with
    s = orig_size / size; the front-most face containing it (edges included) wins; depth is the
    ray/plane intersection. Returns (silhouette (H,W) bool, depth (H,W)).
    """
    s = orig_size / size
    uv = verts[:, :2] / verts[:, 2:3]
    u = K[0, 0] * uv[:, 0] + K[0, 1] * uv[:, 1] + K[0, 2]
    v = K[1, 1] * uv[:, 1] + K[1, 2]
    cols, rows = np.meshgrid((np.arange(size) + 0.5) * s, (np.arange(size) + 0.5) * s)
    best = np.full((size, size), np.inf)
    for f in faces:
        (ua, ub, uc), (va, vb, vc) = u[f], v[f]
        d = (ub - ua) * (vc - va) - (vb - va) * (uc - ua)
        if d == 0:
            continue
        l1 = ((cols - ua) * (vc - va) - (rows - va) * (uc - ua)) / d
        l2 = ((ub - ua) * (rows - va) - (vb - va) * (cols - ua)) / d
        l0 = 1 - l1 - l2
        inside = (l0 >= 0) & (l1 >= 0) & (l2 >= 0)
        if not inside.any():
            continue
        # Depth by intersecting the pixel ray with the face plane.
        p0, p1, p2 = verts[f]
        n = np.cross(p1 - p0, p2 - p0)
        x = (cols - K[0, 2]) / K[0, 0]
        y = (rows - K[1, 2]) / K[1, 1]
        denom = n[0] * x + n[1] * y + n[2]
        z = np.dot(n, p0) / np.where(denom == 0, np.nan, denom)
        z = np.where(inside & (z > 0), z, np.inf)
        best = np.minimum(best, z)
    sil = np.isfinite(best)
    return sil, np.where(sil, best, 0.0)
