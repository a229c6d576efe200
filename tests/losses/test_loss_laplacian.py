"""Cotangent Laplacian: planar-grid zero, dense reference, gradients, degenerate faces."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from s2hand.losses import (
    LossInputError,
    apply_laplacian,
    cotangent_laplacian,
    cotangent_weights,
    triangle_loss,
)


def dense_reference(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """The original's construction, written out densely: Heron area with A = 2·area,
    C = (l_i² + l_j² − l_k²) / A / 4 per corner, L = C + Cᵀ − diag(rowsum)."""
    n = vertices.shape[0]
    W = np.zeros((n, n))
    for f in faces:
        v1, v2, v3 = vertices[f]
        l1 = np.linalg.norm(v2 - v3)
        l2 = np.linalg.norm(v3 - v1)
        l3 = np.linalg.norm(v1 - v2)
        sp = (l1 + l2 + l3) / 2
        A = 2 * math.sqrt(sp * (sp - l1) * (sp - l2) * (sp - l3))
        cots = [(l2**2 + l3**2 - l1**2), (l1**2 + l3**2 - l2**2), (l1**2 + l2**2 - l3**2)]
        rows = [f[1], f[2], f[0]]
        cols = [f[2], f[0], f[1]]
        for c, r, k in zip(cots, rows, cols, strict=True):
            W[r, k] += c / A / 4
    W = W + W.T
    return W - np.diag(W.sum(1))


def bumpy_grid(planar_grid, seed=0):
    verts, faces = planar_grid(5, 0.1)
    g = torch.Generator().manual_seed(seed)
    verts = verts.clone()
    verts[:, 2] = torch.rand(verts.shape[0], generator=g, dtype=torch.float64) * 0.02
    verts[:, :2] += torch.randn(verts.shape[0], 2, generator=g, dtype=torch.float64) * 0.003
    return verts, faces


def test_planar_grid_interior_is_zero(planar_grid):
    verts, faces = planar_grid(5, 0.1)
    L = cotangent_laplacian(verts, faces)
    lv = apply_laplacian(L, verts[None])[0]
    interior = [r * 5 + c for r in range(1, 4) for c in range(1, 4)]
    boundary = sorted(set(range(25)) - set(interior))
    torch.testing.assert_close(lv[interior], torch.zeros(9, 3, dtype=torch.float64),
                               atol=1e-14, rtol=0)
    assert lv[boundary].abs().sum() > 1e-3  # the boundary is not minimal: this can fail


def test_matches_dense_reference(planar_grid):
    verts, faces = bumpy_grid(planar_grid)
    L = cotangent_laplacian(verts, faces)
    assert L.is_sparse and L.shape == (25, 25)
    ref = dense_reference(verts.numpy(), faces.numpy())
    np.testing.assert_allclose(L.to_dense().numpy(), ref, rtol=1e-10, atol=1e-12)
    # Symmetric, rows sum to zero (constant functions are in the kernel).
    dense = L.to_dense()
    torch.testing.assert_close(dense, dense.T)
    torch.testing.assert_close(dense.sum(1), torch.zeros(25, dtype=torch.float64), atol=1e-12,
                               rtol=0)


def test_half_cotangent_of_right_isoceles_triangle():
    verts = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    w = cotangent_weights(verts, torch.tensor([[0, 1, 2]]))
    # Angles 90, 45, 45 degrees -> half cotangents 0, 0.5, 0.5.
    torch.testing.assert_close(w, torch.tensor([[0.0, 0.5, 0.5]]), atol=1e-7, rtol=0)


def test_triangle_loss_value_and_gradient_match_dense(planar_grid):
    verts, faces = bumpy_grid(planar_grid)
    batch = torch.stack([verts, verts * 1.1 + 0.01, verts.flip(1)]).requires_grad_(True)
    loss = triangle_loss(batch, faces)
    loss.backward()
    L = torch.from_numpy(dense_reference(verts.numpy(), faces.numpy()))
    batch_ref = batch.detach().clone().requires_grad_(True)
    ref = torch.linalg.vector_norm(torch.einsum("ij,bjc->bic", L, batch_ref), dim=-1).mean()
    ref.backward()
    torch.testing.assert_close(loss, ref)
    torch.testing.assert_close(batch.grad, batch_ref.grad)


def test_weights_come_from_the_first_mesh_detached(planar_grid):
    verts, faces = bumpy_grid(planar_grid)
    other, _ = bumpy_grid(planar_grid, seed=1)
    a = triangle_loss(torch.stack([verts, other]), faces)
    L0 = cotangent_laplacian(verts, faces)
    expected = torch.linalg.vector_norm(apply_laplacian(L0, torch.stack([verts, other])),
                                        dim=-1).mean()
    torch.testing.assert_close(a, expected)
    # An explicit reference (e.g. the template) replaces the first mesh.
    b = triangle_loss(torch.stack([verts, other]), faces, reference=other)
    L1 = cotangent_laplacian(other, faces)
    torch.testing.assert_close(
        b, torch.linalg.vector_norm(apply_laplacian(L1, torch.stack([verts, other])), dim=-1)
        .mean())
    assert not torch.allclose(a, b)


def test_batch_of_one_and_batched_faces(planar_grid):
    verts, faces = bumpy_grid(planar_grid)
    one = triangle_loss(verts[None], faces)
    same = triangle_loss(verts[None], faces[None].expand(4, -1, -1))
    torch.testing.assert_close(one, same)
    assert one.dim() == 0 and one.item() > 0


def test_degenerate_face_stays_finite():
    verts = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
                         requires_grad=True)
    faces = torch.tensor([[0, 1, 2], [0, 1, 3]])
    loss = triangle_loss(verts[None], faces)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(verts.grad).all()
    collapsed = torch.zeros(1, 4, 3, requires_grad=True)  # |scale| -> 0: every face degenerate
    loss = triangle_loss(collapsed, faces)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(collapsed.grad).all()


def test_bad_faces_are_rejected():
    verts = torch.zeros(1, 3, 3)
    with pytest.raises(LossInputError, match="indices"):
        triangle_loss(verts, torch.tensor([[0, 1, 3]]))
    with pytest.raises(LossInputError, match="integer"):
        triangle_loss(verts, torch.tensor([[0.0, 1.0, 2.0]]))
