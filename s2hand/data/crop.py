"""HO3D hand crop (s2hand.md §4.3) with the crop folded into K.

The crop is a pixel affine ``A = [[s, 0, o/2 - s cx], [0, s, o/2 - s cy], [0, 0, 1]]`` mapping
the 640x480 frame to the ``o x o`` network input, so ``K_crop = A K`` and
``uv_crop = A uv`` hold exactly (the original floors the crop corner and is off by up to a pixel).
At evaluation the crop is deterministic (no centre noise, the mean of the scale factor range),
fixing §6 Q3; training keeps the original jitter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CropParams:
    """Crop policy. Defaults follow the original: ±10 px margin, box side ×4 of the half extent,
    side clamped to [50, 640] px, zoom factor U(0.8, 0.9], centre noise σ = 5 px (training only)."""

    out_size: int = 224
    margin: float = 10.0
    min_size: float = 50.0
    max_size: float = 640.0
    center_std: float = 5.0
    scale_range: tuple[float, float] = (0.8, 0.9)


def crop_affine(uv: np.ndarray, image_size: tuple[int, int], params: CropParams = CropParams(),
                rng: np.random.Generator | None = None) -> np.ndarray:
    """Crop affine ``(3,3)`` around points ``uv (N,2)`` in an image of ``(W, H)`` pixels.

    ``rng=None`` gives the deterministic evaluation crop.
    """
    if uv.ndim != 2 or uv.shape[1] != 2 or len(uv) == 0:
        raise ValueError(f"crop_affine needs at least one (u, v) point, got shape {uv.shape}")
    lo, hi = uv.min(0), uv.max(0)
    center = (lo + hi) / 2
    if rng is not None:
        center = center + rng.normal(0.0, params.center_std, size=2)
    size_wh = np.asarray(image_size, dtype=np.float64)
    min_uv = np.maximum(lo, 0.0) - params.margin
    max_uv = np.minimum(hi, size_wh) + params.margin
    half = np.maximum(max_uv - center, center - min_uv).max()
    side = float(np.clip(4.0 * half, params.min_size, params.max_size))
    lo_f, hi_f = params.scale_range
    factor = (lo_f + hi_f) / 2 if rng is None else float(hi_f - (hi_f - lo_f) * rng.random())
    s = min(params.out_size / side, 10.0) * factor
    half_out = params.out_size / 2
    return np.array([[s, 0.0, half_out - s * center[0]],
                     [0.0, s, half_out - s * center[1]],
                     [0.0, 0.0, 1.0]])


def bbox_corners(box: np.ndarray) -> np.ndarray:
    """``[x_min, y_min, x_max, y_max]`` → the two corners ``(2,2)`` (HO3D ``handBoundingBox``)."""
    box = np.asarray(box, dtype=np.float64).reshape(4)
    return box.reshape(2, 2)
