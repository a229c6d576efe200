"""Integral (soft-argmax) 2D keypoints from heat-map logits (§2.10, §6 Q22).

As the original ``compute_uv_from_integral``: bilinear upsampling (align_corners=True) of the
64x64 logits to the 256x256 padded input frame, one softmax over all 65,536 pixels per joint,
and the expected pixel *index* (0..255, not pixel centres). Because the input was padded only on
the right and bottom, these coordinates are also pixels of the unpadded 224x224 image.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def integral_uv(heatmaps: Tensor, size: tuple[int, int] = (256, 256)) -> Tensor:
    """Soft-argmax keypoints.

    Args:
        heatmaps: ``(B,J,h,w)`` logits.
        size: ``(H,W)`` of the frame the keypoints are expressed in.

    Returns:
        ``(B,J,2)`` ``(u, v)`` = expected column and row index in the ``(H,W)`` frame.
    """
    b, j = heatmaps.shape[:2]
    height, width = size
    up = F.interpolate(heatmaps, size=(height, width), mode="bilinear", align_corners=True)
    prob = torch.softmax(up.reshape(b, j, height * width), dim=-1).reshape(b, j, height, width)
    xs = torch.arange(width, dtype=prob.dtype, device=prob.device)
    ys = torch.arange(height, dtype=prob.dtype, device=prob.device)
    # Marginals first: sum over rows/columns, then one small dot product per axis.
    u = prob.sum(dim=2) @ xs
    v = prob.sum(dim=3) @ ys
    return torch.stack((u, v), dim=-1)
