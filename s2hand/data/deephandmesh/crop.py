"""DeepHandMesh's crops (deephandmesh.md §8): box from the projected ground-truth joints,
widened x1.5 in width and height independently, clipped to the image, warped to 256x256
without keeping the aspect ratio (``cv2.warpAffine``, bilinear, zero border)."""

from __future__ import annotations

import cv2
import numpy as np

CROP_SIZE = 256
BOX_SCALE = 1.5


def joint_bbox(uv: np.ndarray, image_hw: tuple[int, int], scale: float = BOX_SCALE
               ) -> np.ndarray:
    """``(N, 2)`` projected valid joints -> ``[x, y, w, h]`` float64: the tight box scaled
    about its centre by ``scale`` in each direction, then clipped to ``[0, W-1] x [0, H-1]``.

    Raises ``ValueError`` when no point is given or the clipped box is empty.
    """
    if uv.ndim != 2 or uv.shape[1] != 2 or len(uv) == 0:
        raise ValueError(f"joint_bbox needs at least one (u, v) point, got shape {uv.shape}")
    lo, hi = uv.min(0), uv.max(0)
    centre, half = (lo + hi) / 2, (hi - lo) / 2 * scale
    height, width = image_hw
    x0, y0 = max(centre[0] - half[0], 0.0), max(centre[1] - half[1], 0.0)
    x1, y1 = min(centre[0] + half[0], width - 1.0), min(centre[1] + half[1], height - 1.0)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"the joints' box {[*lo, *hi]} does not overlap the {width}x{height} "
                         "image")
    return np.array([x0, y0, x1 - x0, y1 - y0])


def bbox_affine(bbox: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """``(2, 3)`` affine from image pixels to the ``size`` crop: box centre -> crop centre,
    width and height each scaled to ``size`` (the original's ``gen_trans_from_patch_cv``
    with no rotation and scale 1)."""
    x, y, w, h = (float(v) for v in bbox)
    sx, sy = size / w, size / h
    return np.array([[sx, 0.0, size / 2 - sx * (x + w / 2)],
                     [0.0, sy, size / 2 - sy * (y + h / 2)]])


def warp(image: np.ndarray, affine: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """Bilinear ``cv2.warpAffine`` of an ``(H, W)`` or ``(H, W, C)`` array into ``size``²."""
    return cv2.warpAffine(image, affine, (size, size), flags=cv2.INTER_LINEAR)
