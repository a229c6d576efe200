"""Cotangent mesh Laplacian as a torch sparse operator, and the ``triangle`` smoothness loss.

Spec §3.5 / Q10. The operator is built with torch ops on the vertices' device (no CPU/numpy
round trip) and applied with ``torch.sparse.mm``, so autograd gives ``Lᵀ·g = L·g`` for free.

Where the weights come from: like the original, ``triangle_loss`` computes the cotangent
weights from the **first predicted mesh of the batch, detached** (no gradient through the
weights) and applies that one operator to every mesh of the batch. Pass ``reference=`` (e.g.
the hand model's template) to use fixed weights instead; see docs/losses.md.
"""

from __future__ import annotations

import torch
from torch import Tensor

from s2hand.losses._checks import LossInputError, check_shape

#: Relative floor on twice the face area, in units of the face's summed squared edge lengths:
#: keeps degenerate (zero-area) faces finite where Heron's formula gives inf/NaN.
DEGENERATE_REL_EPS = 1e-12


def _check_faces(faces: Tensor, num_vertices: int) -> Tensor:
    if faces.dim() == 3:
        faces = faces[0]
    check_shape("faces", faces, ("F", 3))
    if faces.dtype.is_floating_point or faces.dtype == torch.bool:
        raise LossInputError(f"loss input 'faces': expected an integer tensor, got {faces.dtype}.")
    if faces.numel() and (int(faces.min()) < 0 or int(faces.max()) >= num_vertices):
        raise LossInputError(
            f"loss input 'faces': indices must lie in [0, {num_vertices}), "
            f"got range [{int(faces.min())}, {int(faces.max())}]."
        )
    return faces.long()


def cotangent_weights(vertices: Tensor, faces: Tensor) -> Tensor:
    """Half cotangents of each face's three corner angles.

    For a face (a, b, c), column 0 is ``½·cot`` of the angle at ``a`` (the weight of the
    opposite edge b–c), column 1 at ``b`` (edge c–a), column 2 at ``c`` (edge a–b). Computed as
    ``(e₁·e₂) / (2‖e₁×e₂‖)``, which equals the original's ``(l_i²+l_j²−l_k²)/(4·2·area)``
    (Heron form) but stays finite for degenerate faces.

    Args:
        vertices: (V,3).
        faces: (F,3) integer indices.

    Returns:
        (F,3) weights, same dtype as ``vertices``.
    """
    check_shape("vertices", vertices, ("V", 3))
    faces = _check_faces(faces, vertices.shape[0]).to(vertices.device)
    corners = vertices[faces]  # (F,3,3): corner k of each face
    cols = []
    for k in range(3):
        e1 = corners[:, (k + 1) % 3] - corners[:, k]
        e2 = corners[:, (k + 2) % 3] - corners[:, k]
        dot = (e1 * e2).sum(-1)
        cross = torch.linalg.vector_norm(torch.linalg.cross(e1, e2), dim=-1)
        floor = DEGENERATE_REL_EPS * ((e1 * e1).sum(-1) + (e2 * e2).sum(-1))
        floor = floor.clamp_min(torch.finfo(vertices.dtype).tiny)
        cols.append(dot / (2.0 * torch.maximum(cross, floor)))
    return torch.stack(cols, dim=1)


def cotangent_laplacian(vertices: Tensor, faces: Tensor) -> Tensor:
    """Sparse cotangent Laplacian ``L = W − diag(W·1)`` with ``W_ij = ½(cot α_ij + cot β_ij)``.

    ``(L·X)_i = Σ_j W_ij (x_j − x_i)``, i.e. the negative of the usual positive-semidefinite
    convention, as in the original (cmr / gptoolbox). The weights carry no gradient.

    Args:
        vertices: (V,3) mesh the weights are computed from.
        faces: (F,3) integer indices (a (B,F,3) tensor uses its first entry).

    Returns:
        Coalesced sparse COO tensor (V,V) on ``vertices.device``.
    """
    vertices = vertices.detach()
    check_shape("vertices", vertices, ("V", 3))
    num_v = vertices.shape[0]
    faces = _check_faces(faces, num_v).to(vertices.device)
    w = cotangent_weights(vertices, faces)  # (F,3)
    # Corner k's weight belongs to the edge between the two other corners.
    i = torch.cat([faces[:, 1], faces[:, 2], faces[:, 0]])
    j = torch.cat([faces[:, 2], faces[:, 0], faces[:, 1]])
    wk = torch.cat([w[:, 0], w[:, 1], w[:, 2]])
    row_sum = torch.zeros(num_v, dtype=w.dtype, device=w.device)
    row_sum.index_add_(0, i, wk)
    row_sum.index_add_(0, j, wk)
    diag = torch.arange(num_v, device=w.device)
    rows = torch.cat([i, j, diag])
    cols = torch.cat([j, i, diag])
    values = torch.cat([wk, wk, -row_sum])
    return torch.sparse_coo_tensor(
        torch.stack([rows, cols]), values, (num_v, num_v), check_invariants=False
    ).coalesce()


def apply_laplacian(L: Tensor, vertices: Tensor) -> Tensor:
    """Apply one (V,V) sparse operator to every mesh: (B,V,3) → (B,V,3), differentiable."""
    check_shape("vertices", vertices, ("B", L.shape[0], 3))
    b, v, _ = vertices.shape
    flat = vertices.permute(1, 0, 2).reshape(v, b * 3)
    out = torch.sparse.mm(L.to(vertices.dtype), flat)
    return out.reshape(v, b, 3).permute(1, 0, 2)


def triangle_loss(vertices: Tensor, faces: Tensor, reference: Tensor | None = None) -> Tensor:
    """Laplacian smoothness ``mean_{b,v} ‖(L·V_b)_v‖₂`` (the ``triangle`` term).

    Args:
        vertices: (B,V,3) meshes (camera-frame metres).
        faces: (F,3) integer indices.
        reference: (V,3) mesh for the cotangent weights; None (default, as the original)
            means the first mesh of the batch, detached.

    Returns:
        0-dim tensor (metres).
    """
    check_shape("vertices", vertices, ("B", "V", 3))
    ref = vertices[0] if reference is None else reference.to(vertices.device, vertices.dtype)
    L = cotangent_laplacian(ref, faces)
    return torch.linalg.vector_norm(apply_laplacian(L, vertices), dim=-1).mean()
