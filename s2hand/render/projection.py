"""Camera stage: neural_renderer's 'projection' mode (spec renderer.md §3.1), and the plain
pinhole projection to pixels used by the network, the datasets and the losses.

Camera-frame points are projected with an OpenCV intrinsic matrix, the image row axis is flipped
(``v <- orig_size - v``) and pixels are mapped to NDC in [-1, 1] with y pointing *up*; the third
coordinate stays the camera-space depth Z. Keeping NR's exact arithmetic (``Z + 1e-9``, the flip,
the NDC map) is what makes our silhouettes line up pixel-for-pixel with the original's.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .errors import RenderInputError

PROJECTION_EPS = 1e-9


def project_points(xyz: Tensor, K: Tensor) -> Tensor:
    """Perspective projection ``(u, v) = (K·X)[:2] / (K·X)[2]`` (the original's ``proj_func``).

    Args:
        xyz: (B,N,3) camera-frame points (OpenCV frame, metres).
        K: (B,3,3) intrinsics in pixels of the image the points project into.

    Returns:
        (B,N,2) pixel coordinates. Points with z = 0 give inf/NaN, as in the original (unlike
        :func:`project_to_ndc`, no epsilon is added).
    """
    uvw = xyz @ K.transpose(1, 2)
    return uvw[..., :2] / uvw[..., 2:3]


def project_to_ndc(vertices: Tensor, K: Tensor, orig_size: float) -> Tensor:
    """Project camera-frame points to NR's NDC.

    Args:
        vertices: (B,V,3) camera-frame points (R = I, t = 0 as S2HAND renders).
        K: (B,3,3) or (1,3,3) OpenCV intrinsics in pixels of an ``orig_size`` square image.
        orig_size: side in pixels of the image K refers to.

    Returns:
        (B,V,3): NDC x (right), NDC y (up), camera-space Z.
    """
    if vertices.dim() != 3 or vertices.shape[-1] != 3:
        raise RenderInputError(f"vertices must have shape (B,V,3); got {tuple(vertices.shape)}.")
    if K.dim() != 3 or K.shape[-2:] != (3, 3):
        raise RenderInputError(f"K must have shape (B,3,3); got {tuple(K.shape)}.")
    if K.shape[0] not in (1, vertices.shape[0]):
        raise RenderInputError(
            f"K has batch size {K.shape[0]} but vertices have batch size {vertices.shape[0]}; "
            "expected the same batch size (or 1 to broadcast)."
        )
    z = vertices[..., 2]
    x = vertices[..., 0] / (z + PROJECTION_EPS)
    y = vertices[..., 1] / (z + PROJECTION_EPS)
    K = K.to(vertices.dtype)
    u = K[:, 0, 0, None] * x + K[:, 0, 1, None] * y + K[:, 0, 2, None]
    v = K[:, 1, 0, None] * x + K[:, 1, 1, None] * y + K[:, 1, 2, None]
    v = orig_size - v
    half = orig_size / 2.0
    return torch.stack(((u - half) / half, (v - half) / half, z), dim=-1)


def ndc_to_pixel(xy: Tensor, size: int) -> Tensor:
    """Map NDC (..., 2) to pixel-index space of a ``size`` square raster whose row 0 is the top.

    Pixel centres land on integers: column ``0.5 (x size + size - 1)`` as in NR, and the row is
    the same formula on ``-y`` because NR flips its output vertically.
    """
    col = 0.5 * (xy[..., 0] * size + size - 1)
    row = 0.5 * (size - 1 - xy[..., 1] * size)
    return torch.stack((col, row), dim=-1)
