"""Compositing stage: sparse covered-pixel values -> output images, background, anti-aliasing
and the straight-through soft-edge term.

With anti-aliasing the raster is ``factor`` times larger and every output pixel is the mean of
its ``factor x factor`` block of samples, as NR does with a 2x2 average pool. The block mean is
computed by scattering the sparse covered samples straight into the output image
(``index_add``), so no raster-sized image and no raster-sized gradient is ever allocated.
Depth follows NR *after* S2HAND's ``depth * (depth < 1)`` mask: NR averages the background value
``far`` into partially covered pixels, which that mask then zeroes, so a pixel gets a depth only
when all its samples are covered. Images are built as flat ``(B*S*S, C)`` buffers and viewed as
``(B,C,S,S)`` at the end.
"""

from __future__ import annotations

import torch
from torch import Tensor


def output_pixel_ids(pixel_ids: Tensor, raster_size: int, factor: int) -> Tensor:
    """Flat raster pixel ids (M,) -> flat ids (M,) of the output pixel whose block holds them."""
    if factor == 1:
        return pixel_ids
    area = raster_size * raster_size
    batch = torch.div(pixel_ids, area, rounding_mode="floor")
    rem = pixel_ids - batch * area
    row = torch.div(rem, raster_size, rounding_mode="floor")
    col = rem - row * raster_size
    size = raster_size // factor
    return (batch * size + torch.div(row, factor, rounding_mode="floor")) * size + torch.div(
        col, factor, rounding_mode="floor")


def coverage(out_ids: Tensor, batch: int, size: int, factor: int,
             dtype: torch.dtype = torch.float32) -> Tensor:
    """(B*S*S,) fraction of covered samples per output pixel."""
    counts = torch.bincount(out_ids, minlength=batch * size * size)
    return counts.to(dtype) / (factor * factor)


def composite_rgb(colors: Tensor, out_ids: Tensor, alpha: Tensor, background: Tensor,
                  factor: int) -> Tensor:
    """Flat colour image (B*S*S,3): block mean of sample colours over the background.

    Args:
        colors: (M,3) colours of covered samples.
        out_ids: (M,) their output pixel ids.
        alpha: (B*S*S,) coverage fraction from :func:`coverage`.
        background: (B,3) background colour.
        factor: anti-aliasing factor.
    """
    n = alpha.shape[0]
    per_image = n // background.shape[0]
    fg = colors.new_zeros(n, 3).index_add(0, out_ids, colors, alpha=1.0 / (factor * factor))
    bg = background.repeat_interleave(per_image, dim=0) * (1.0 - alpha)[:, None]
    return fg + bg


def composite_depth(depth: Tensor, out_ids: Tensor, alpha: Tensor, factor: int) -> Tensor:
    """Flat depth (B*S*S,): mean sample depth of fully covered output pixels, 0 elsewhere."""
    acc = depth.new_zeros(alpha.shape[0]).index_add(0, out_ids, depth,
                                                    alpha=1.0 / (factor * factor))
    return acc * (alpha >= 1.0)


def add_edge_gradient(image: Tensor, pixel: Tensor, delta: Tensor,
                      edge_color: Tensor | None = None) -> Tensor:
    """Straight-through soft edges on a flat image: ``image[pixel] += edge_color * delta``.

    Args:
        image: (B*S*S,) silhouette or (B*S*S,3) colour image.
        pixel: (P,) flat output ids of boundary pixels.
        delta: (P,) ``soft - soft.detach()`` (zero in value, carries the edge gradient).
        edge_color: (P,3) colour change when coverage goes 0 -> 1, for colour images.
    """
    if edge_color is None:
        return image.index_add(0, pixel, delta)
    return image.index_add(0, pixel, edge_color * delta[:, None])


def to_image(flat: Tensor, batch: int, size: int) -> Tensor:
    """(B*S*S,) -> (B,S,S) or (B*S*S,C) -> (B,C,S,S)."""
    if flat.dim() == 1:
        return flat.reshape(batch, size, size)
    return flat.reshape(batch, size, size, -1).permute(0, 3, 1, 2)
