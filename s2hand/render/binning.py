"""Enumerate (face, pixel) candidate pairs from per-face screen bounding boxes.

This is what keeps the rasteriser's cost proportional to the pixels each face covers instead of
pixels x faces: every face only meets the pixel centres inside its own bounding box. The pairs
are produced in chunks of bounded size so that a few huge faces (a mesh right in front of the
camera) cannot blow up memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

DEFAULT_MAX_PAIRS = 1 << 21


@dataclass(frozen=True)
class PixelPairs:
    """One chunk of candidate pairs; all fields are (P,) long tensors."""

    face: Tensor
    col: Tensor
    row: Tensor


def bbox_pixel_bounds(pix: Tensor, size: int, margin: float = 0.0) -> tuple[Tensor, Tensor]:
    """Inclusive integer pixel bounds of each face's screen box, clipped to the image.

    Args:
        pix: (N,3,2) face corners in pixel-index space (col, row), pixel centres on integers.
        size: raster side in pixels.
        margin: extra pixels added on every side (for soft, distance-based terms).

    Returns:
        lo, hi: (N,2) long (col, row); a face with ``hi < lo`` on any axis is empty.
    """
    # A small slack so that a corner lying exactly on a pixel centre is not lost to rounding;
    # the exact inside test runs later on the pairs.
    slack = 1e-4 + margin
    lo = torch.ceil(pix.amin(dim=1) - slack).clamp(-1, size)
    hi = torch.floor(pix.amax(dim=1) + slack).clamp(-1, size)
    return lo.clamp(min=0).long(), hi.clamp(max=size - 1).long()


def enumerate_pairs(
    lo: Tensor, hi: Tensor, max_pairs: int = DEFAULT_MAX_PAIRS
) -> Iterator[PixelPairs]:
    """Yield every (face, col, row) with the pixel inside the face's box, in bounded chunks.

    Args:
        lo, hi: (N,2) long inclusive bounds from :func:`bbox_pixel_bounds`.
        max_pairs: soft bound on the pairs per chunk (a chunk may exceed it by one face's box).

    Yields:
        :class:`PixelPairs` whose ``face`` indexes the N faces.
    """
    width = (hi[:, 0] - lo[:, 0] + 1).clamp(min=0)
    height = (hi[:, 1] - lo[:, 1] + 1).clamp(min=0)
    counts = width * height
    faces = torch.nonzero(counts > 0).squeeze(1)
    if faces.numel() == 0:
        return
    counts = counts[faces]
    starts = torch.cumsum(counts, 0) - counts
    chunk_of_face = torch.div(starts, max_pairs, rounding_mode="floor")
    _, faces_per_chunk = torch.unique_consecutive(chunk_of_face, return_counts=True)
    begin = 0
    for n in faces_per_chunk.tolist():
        sel = faces[begin : begin + n]
        cnt = counts[begin : begin + n]
        first = starts[begin]
        begin += n
        total = int(cnt.sum())
        local = torch.repeat_interleave(torch.arange(n, device=lo.device), cnt, output_size=total)
        offset = torch.arange(total, device=lo.device) - (starts[begin - n : begin] - first)[local]
        face = sel[local]
        w = width[face]
        row_off = torch.div(offset, w, rounding_mode="floor")
        col = lo[face, 0] + offset - row_off * w
        yield PixelPairs(face=face, col=col, row=lo[face, 1] + row_off)
