"""Structural similarity (Gaussian window 11, σ = 1.5) and the three SSIM loss terms (spec §3.3).

``ssim`` is the standard form used by the original (``pytorch_ssim``): per-channel grouped
convolution with a normalised 2D Gaussian, zero padding of ``window_size // 2``,
``C1 = 0.01²``, ``C2 = 0.03²`` (images assumed in [0,1]) and the mean of the SSIM map over
batch, channels and pixels. The terms are unweighted by ``texture_con``, as in the original.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from s2hand.losses._checks import LossInputError, check_shape

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_C1 = 0.01**2
SSIM_C2 = 0.03**2


def gaussian_window(
    size: int = SSIM_WINDOW,
    sigma: float = SSIM_SIGMA,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """(size,size) normalised 2D Gaussian: the outer product of a normalised 1D Gaussian."""
    x = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-(x**2) / (2.0 * sigma**2))
    g = g / g.sum()
    return torch.outer(g, g).to(dtype=dtype, device=device)


def ssim(img1: Tensor, img2: Tensor, window_size: int = SSIM_WINDOW,
         sigma: float = SSIM_SIGMA) -> Tensor:
    """Mean SSIM of two (B,C,H,W) image batches → 0-dim tensor (1 for identical images)."""
    check_shape("img1", img1, ("B", "C", "H", "W"))
    check_shape("img2", img2, ("B", "C", "H", "W"))
    if img1.shape != img2.shape:
        raise LossInputError(
            f"ssim: images must have the same shape, got {tuple(img1.shape)} and "
            f"{tuple(img2.shape)}."
        )
    channels = img1.shape[1]
    window = gaussian_window(window_size, sigma, img1.dtype, img1.device)
    window = window.expand(channels, 1, window_size, window_size)
    pad = window_size // 2

    def blur(x: Tensor) -> Tensor:
        return F.conv2d(x, window, padding=pad, groups=channels)

    mu1, mu2 = blur(img1), blur(img2)
    mu1_sq, mu2_sq, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    var1 = blur(img1 * img1) - mu1_sq
    var2 = blur(img2 * img2) - mu2_sq
    cov = blur(img1 * img2) - mu12
    ssim_map = ((2 * mu12 + SSIM_C1) * (2 * cov + SSIM_C2)) / (
        (mu1_sq + mu2_sq + SSIM_C1) * (var1 + var2 + SSIM_C2)
    )
    return ssim_map.mean()


def _depth_as_rgb(rendered_depth: Tensor) -> Tensor:
    check_shape("rendered_depth", rendered_depth, ("B", "H", "W"))
    return rendered_depth.unsqueeze(1).expand(-1, 3, -1, -1)


def ssim_tex_loss(rendered_images: Tensor, masked_images: Tensor) -> Tensor:
    """``1 − SSIM(rendered_images, masked_images)``; both (B,3,H,W)."""
    return 1.0 - ssim(rendered_images, masked_images)


def ssim_tex_depth_loss(rendered_images: Tensor, rendered_depth: Tensor) -> Tensor:
    """``1 − SSIM(rendered_images, depth×3)``; rendered_images (B,3,H,W), rendered_depth
    (B,H,W) repeated to 3 channels."""
    return 1.0 - ssim(rendered_images, _depth_as_rgb(rendered_depth))


def ssim_inrgb_depth_loss(masked_images: Tensor, rendered_depth: Tensor) -> Tensor:
    """``1 − SSIM(masked_images, depth×3)``; masked_images (B,3,H,W), rendered_depth (B,H,W)."""
    return 1.0 - ssim(masked_images, _depth_as_rgb(rendered_depth))
