"""Compositing stage: sparse covered-pixel values -> images, background, anti-aliasing, and the
straight-through soft-edge term.

With anti-aliasing the raster is ``factor`` times larger and every output is the mean of its
``factor x factor`` block, as NR does with a 2x2 average pool. Depth follows NR *after* S2HAND's
``depth * (depth < 1)`` mask: NR averages the background value ``far`` into partially covered
pixels, which that mask then zeroes, so a pixel gets a depth only when all its samples are covered.
"""

from __future__ import annotations

import torch.nn.functional as Fn
from torch import Tensor


def scatter_pixels(values: Tensor, pixel_ids: Tensor, batch: int, size: int) -> Tensor:
    """(M,C) values at flat pixel ids -> (B,C,size,size) image, zero elsewhere (differentiable)."""
    channels = values.shape[1]
    flat = values.new_zeros(batch * size * size, channels).index_put((pixel_ids,), values)
    return flat.reshape(batch, size, size, channels).permute(0, 3, 1, 2)


def downsample(image: Tensor, factor: int) -> Tensor:
    """(B,C,H,W) -> (B,C,H/f,W/f) block mean; identity for factor 1."""
    if factor == 1:
        return image
    if factor == 2:
        # Same as avg_pool2d(2) but without its thread-pool start-up cost on small images.
        blocks = image[..., 0::2, 0::2] + image[..., 1::2, 0::2]
        return (blocks + image[..., 0::2, 1::2] + image[..., 1::2, 1::2]) * 0.25
    return Fn.avg_pool2d(image, factor)


def composite_rgb(
    colors: Tensor,
    pixel_ids: Tensor,
    coverage: Tensor,
    background: Tensor,
    factor: int,
) -> Tensor:
    """Colour image over a background, averaged to the output size.

    Args:
        colors: (M,3) colours of covered raster pixels.
        pixel_ids: (M,) their flat ids in the raster.
        coverage: (B,R,R) raster coverage in {0,1}.
        background: (B,3) background colour.
        factor: anti-aliasing factor (R = factor * output size).

    Returns:
        (B,3,R/factor,R/factor).
    """
    B, R = coverage.shape[0], coverage.shape[-1]
    fg = scatter_pixels(colors, pixel_ids, B, R)
    bg = background[:, :, None, None] * (1.0 - coverage[:, None])
    return downsample(fg + bg, factor)


def composite_depth(depth: Tensor, pixel_ids: Tensor, coverage: Tensor, factor: int) -> Tensor:
    """(B,R/f,R/f) mean depth of fully covered output pixels, 0 elsewhere.

    Args:
        depth: (M,) depth of covered raster pixels.
        pixel_ids: (M,) their flat ids.
        coverage: (B,R,R) raster coverage in {0,1}.
        factor: anti-aliasing factor.
    """
    B, R = coverage.shape[0], coverage.shape[-1]
    dense = scatter_pixels(depth[:, None], pixel_ids, B, R)
    if factor == 1:
        return dense[:, 0]
    full = downsample(coverage[:, None], factor) >= 1.0
    return (downsample(dense, factor) * full)[:, 0]


def add_edge_gradient(image: Tensor, delta: Tensor, edge_color: Tensor | None = None) -> Tensor:
    """Straight-through soft edges: ``image + edge_color * delta`` (delta is zero in value).

    Args:
        image: (B,H,W) silhouette or (B,3,H,W) colour image.
        delta: (B,H,W) ``soft - soft.detach()``.
        edge_color: for colour images, (B,3,H,W) colour change when coverage goes 0 -> 1
            (face colour minus background).
    """
    if edge_color is None:
        return image + delta
    return image + edge_color * delta[:, None]
