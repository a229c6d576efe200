"""DeepHandMesh's uniform Laplacian loss (deephandmesh.md §7.4) with a sparse operator.

The original builds a dense ``V x V`` matrix: ``-1`` per edge, the degree on the diagonal,
each row divided by ``degree + 1e-8``. The same entries are kept here as a sparse COO tensor,
so ``(L x)_i = (deg_i x_i - sum_{j in N(i)} x_j) / (deg_i + 1e-8)``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from s2hand.losses._checks import check_shape
from s2hand.losses.laplacian import apply_laplacian

DEGREE_EPS = 1e-8


def mesh_edges(faces: Tensor) -> Tensor:
    """``(F, 3)`` triangles -> ``(E, 2)`` unique undirected edges, ``i < j``."""
    check_shape("faces", faces, ("F", 3))
    faces = faces.long()
    pairs = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    pairs = torch.sort(pairs, dim=1).values
    return torch.unique(pairs[pairs[:, 0] != pairs[:, 1]], dim=0)


def uniform_laplacian(faces: Tensor, num_vertices: int,
                      dtype: torch.dtype = torch.float32) -> Tensor:
    """The original's row-normalised umbrella operator as a coalesced sparse ``(V, V)`` tensor
    on ``faces.device`` (vertices in no face get an all-zero row)."""
    edges = mesh_edges(faces)
    both = torch.cat([edges, edges.flip(1)])
    degree = torch.bincount(both[:, 0], minlength=num_vertices).to(dtype)
    scale = 1.0 / (degree + DEGREE_EPS)
    diag = torch.arange(num_vertices, device=faces.device)
    rows = torch.cat([both[:, 0], diag])
    cols = torch.cat([both[:, 1], diag])
    values = torch.cat([-scale[both[:, 0]], degree * scale])
    return torch.sparse_coo_tensor(torch.stack([rows, cols]), values,
                                   (num_vertices, num_vertices), check_invariants=False).coalesce()


def uniform_laplacian_loss(vertices: Tensor, laplacian: Tensor) -> Tensor:
    """Squared norm of the Laplacian of each posed vertex, unreduced.

    Args:
        vertices: ``(B, V, 3)`` posed output mesh (mm; the original applies it to the posed
            mesh, not to the correctives).
        laplacian: ``(V, V)`` sparse, from :func:`uniform_laplacian`.
    Returns:
        ``(B, V)`` ``||(L x)_i||^2``; the total takes its mean times 5.
    """
    check_shape("vertices", vertices, ("B", laplacian.shape[0], 3))
    return apply_laplacian(laplacian, vertices).pow(2).sum(-1)
