"""Hard rasterisation stage: exact z-buffer visibility with NR's rules (spec renderer.md §5.2).

Visibility is decided without autograd on candidate (face, pixel) pairs from the faces' bounding
boxes; the z-buffer is one ``scatter_reduce('amin')`` on a 64-bit key ``(depth bits, face rank)``
so that ties go to the lower face index exactly as NR's strict ``<`` does. Only afterwards, for
the winning face of every covered pixel, are barycentrics and depth evaluated *with* autograd
(from per-face plane coefficients), which gives NR's depth gradient at O(covered pixels) cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .binning import DEFAULT_MAX_PAIRS, bbox_pixel_bounds
from .errors import RenderInputError
from .planes import (
    IZ0,
    IZX,
    IZY,
    X0,
    Y0,
    evaluate_inverse_depth,
    evaluate_planes,
    face_planes,
    gather_columns,
)
from .projection import ndc_to_pixel
from .spans import chunk_bounds, face_spans

_EMPTY_KEY = torch.iinfo(torch.int64).max


@dataclass
class Fragments:
    """Per-pixel result of rasterisation at a ``size`` x ``size`` raster (row 0 = top).

    Covered pixels are kept sparse (M of them over the whole batch) so that shading only touches
    pixels that show a face.

    Attributes:
        size: raster side in pixels.
        face_index: (B,size,size) long, winning face in [0,F) or -1 on background.
        front: (B,F) bool, face is counter-clockwise in NDC (NR keeps these without fill_back;
            with fill_back the others are drawn as their reversed copy with a flipped normal).
        drawable: (B,F) bool, face takes part in rasterisation (finite, in front of the camera,
            not culled).
        pixel_ids: (M,) long, flat index ``b*size*size + row*size + col`` of covered pixels.
        face_ids: (M,) long, flat index ``b*F + f`` of the face shown there.
        bary: (M,3) screen-space barycentrics of the pixel centre (differentiable), or None.
        depth: (M,) perspective-correct camera depth (differentiable), or None.
        corner_depth: (M,3) camera depth of the shown face's corners (for perspective-correct
            attribute interpolation), or None.
    """

    size: int
    face_index: Tensor
    front: Tensor
    drawable: Tensor
    pixel_ids: Tensor
    face_ids: Tensor
    bary: Tensor | None = None
    depth: Tensor | None = None
    corner_depth: Tensor | None = None


def signed_area(face_ndc: Tensor) -> Tensor:
    """(B,F) twice the signed NDC area, positive for counter-clockwise faces."""
    x, y = face_ndc[..., 0], face_ndc[..., 1]
    return (x[..., 1] - x[..., 0]) * (y[..., 2] - y[..., 0]) - (y[..., 1] - y[..., 0]) * (
        x[..., 2] - x[..., 0]
    )


def faces_to_pixels(face_ndc: Tensor, size: int) -> Tensor:
    """(B,F,3,3) NDC corners -> (B*F,3,3) corners as (col, row, z) of a ``size`` raster."""
    pix = ndc_to_pixel(face_ndc[..., :2], size)
    return torch.cat((pix, face_ndc[..., 2:]), dim=-1).reshape(-1, 3, 3)


def rasterize(
    face_ndc: Tensor,
    size: int,
    near: float = 0.1,
    far: float = 100.0,
    cull_backfaces: bool = False,
    with_geometry: bool = True,
    with_bary: bool = False,
    max_pairs: int = DEFAULT_MAX_PAIRS,
) -> Fragments:
    """Rasterise faces given in NR's NDC.

    Args:
        face_ndc: (B,F,3,3) corners (NDC x, NDC y up, camera z).
        size: raster side in pixels.
        near, far: a pixel is drawn only where ``near < z < far`` (NR's rule).
        cull_backfaces: drop clockwise faces (NR with ``fill_back=False``).
        with_geometry: also return differentiable depth (and corner depths) of covered pixels.
        with_bary: also return differentiable barycentrics (implies ``with_geometry``).
        max_pairs: chunk size of candidate pairs (bounds peak memory).

    Returns:
        :class:`Fragments`.
    """
    if face_ndc.dim() != 4 or face_ndc.shape[-2:] != (3, 3):
        raise RenderInputError(f"face_ndc must have shape (B,F,3,3); got {tuple(face_ndc.shape)}.")
    B, F = face_ndc.shape[:2]
    device = face_ndc.device
    with torch.no_grad():
        ndc = face_ndc.detach()
        area = signed_area(ndc)
        front = area >= 0
        verts = faces_to_pixels(ndc.to(torch.float64), size)
        # Zero-area faces cover nothing (their plane equations are undefined).
        drawable = torch.isfinite(verts).all(dim=(1, 2)) & (verts[:, :, 2] > 0).all(dim=1)
        drawable &= area.reshape(-1) != 0
        if cull_backfaces:
            drawable &= front.reshape(-1)
        lo, hi = bbox_pixel_bounds(torch.nan_to_num(verts[:, :, :2]).clamp(-1e6, 1e6), size)
        hi = torch.where(drawable[:, None], hi, lo - 1)
        planes = face_planes(verts)
        spans = face_spans(planes, lo, hi)
        # Per span, pixel = arange + offset and 1/z = iz_base + izx * pixel (float64 keeps the
        # large flat pixel ids exact enough), so each pair needs only repeated span constants.
        x0, y0, iz0, izx, izy = gather_columns(planes, spans.face, (X0, Y0, IZ0, IZX, IZY))
        base = (torch.div(spans.face, F, rounding_mode="floor") * size + spans.row) * size
        iz_base = iz0 + izy * (spans.row - y0) - izx * (x0 + base)
        # NR's z-buffer order: faces 0..F-1, then the reversed fill_back copies F..2F-1.
        rank = torch.arange(F, device=device).repeat(B) + F * (~front.reshape(-1)).long()
        span_rank = rank.index_select(0, spans.face)
        key = torch.full((B * size * size,), _EMPTY_KEY, dtype=torch.int64, device=device)
        for begin, end in chunk_bounds(spans.count, max_pairs):
            count = spans.count[begin:end]
            total = int(count.sum())
            first = torch.cumsum(count, 0) - count
            offset = base[begin:end] + spans.col_min[begin:end] - first
            pixel = torch.arange(total, device=device) + torch.repeat_interleave(
                offset, count, output_size=total)
            inv_z = torch.repeat_interleave(iz_base[begin:end], count, output_size=total)
            inv_z += torch.repeat_interleave(izx[begin:end], count, output_size=total) * pixel
            z_bits = inv_z.reciprocal().to(torch.float32).view(torch.int32).to(torch.int64)
            pair_key = (z_bits << 32) | torch.repeat_interleave(span_rank[begin:end], count,
                                                                output_size=total)
            ok = (inv_z * near < 1) & (inv_z * far > 1)
            key.scatter_reduce_(0, pixel, torch.where(ok, pair_key, _EMPTY_KEY), reduce="amin")
        pixel_ids = torch.nonzero(key != _EMPTY_KEY).squeeze(1)
        face_in_image = (key[pixel_ids] & 0xFFFFFFFF) % F
        batch = torch.div(pixel_ids, size * size, rounding_mode="floor")
        face_ids = batch * F + face_in_image
        face_index = torch.full((B * size * size,), -1, dtype=torch.int64, device=device)
        face_index[pixel_ids] = face_in_image
        face_index = face_index.reshape(B, size, size)
    frags = Fragments(size, face_index, front, drawable.reshape(B, F), pixel_ids, face_ids)
    if with_geometry or with_bary:
        frags.bary, frags.depth, frags.corner_depth = _geometry(face_ndc, frags, with_bary)
    return frags


def _geometry(face_ndc: Tensor, frags: Fragments,
              with_bary: bool) -> tuple[Tensor | None, Tensor, Tensor]:
    """Differentiable barycentrics (M,3) or None, depth (M,) and corner depths (M,3) at covered
    pixels.

    NR clamps barycentrics to [0,1]; that is inactive for pixels inside their face, so the
    plane evaluation is used as is.
    """
    size = frags.size
    verts = faces_to_pixels(face_ndc, size)
    rem = frags.pixel_ids % (size * size)
    row = torch.div(rem, size, rounding_mode="floor")
    col = rem - row * size
    planes = face_planes(verts)
    corner_z = verts[:, :, 2].index_select(0, frags.face_ids)
    if with_bary:
        w, inv_z = evaluate_planes(planes, frags.face_ids, col, row)
        return w.t(), 1.0 / inv_z, corner_z
    return None, 1.0 / evaluate_inverse_depth(planes, frags.face_ids, col, row), corner_z
