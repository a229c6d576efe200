"""The network-input crop of one hand, as the training data is cropped, with its K.

The crop is the HO3D evaluation crop of :func:`s2hand.data.crop.crop_affine` (deterministic,
box of the keypoints or the given box, side 4x the half extent, zoom 0.85), a pixel affine
``A`` with ``K_crop = A K``, so 3D results are in the camera frame of the full image. Left hands
are mirrored (``u -> out - 1 - u``) so that the right-hand model and network apply; 3D results
come back through :func:`unmirror_points`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from s2hand.data.crop import CropParams, crop_affine

MIRROR_3D = np.diag([-1.0, 1.0, 1.0])
# Points closer to the image edge than this share of the longer side: "hand at the border".
BORDER_FRACTION = 0.01


class CropError(ValueError):
    """A hand cannot be cropped (box outside the image, no points)."""


@dataclass(frozen=True)
class HandCrop:
    """``image (S,S,3)`` uint8, ``K (3,3)`` of it, ``affine (3,3)`` full image -> crop pixels
    (mirror included), ``keypoints (21,2)`` in crop pixels (None without keypoints), ``conf``,
    ``mirrored`` (a left hand), ``at_border`` (the hand touches the image edge)."""

    image: np.ndarray
    K: np.ndarray
    affine: np.ndarray
    keypoints: np.ndarray | None
    conf: np.ndarray | None
    mirrored: bool
    at_border: bool


def crop_hand(image: np.ndarray, K: np.ndarray, points: np.ndarray, mirrored: bool,
              keypoints: np.ndarray | None = None, conf: np.ndarray | None = None,
              params: CropParams = CropParams(),
              rng: np.random.Generator | None = None) -> HandCrop:
    """Crop around ``points (N,2)`` (found keypoints or box corners) of the RGB ``image``;
    ``rng`` draws the training crop's centre noise and zoom (None: the deterministic crop)."""
    h, w = image.shape[:2]
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if not len(points):
        raise CropError("no keypoints or box to place the crop")
    lo, hi = points.min(0), points.max(0)
    if hi[0] < 0 or hi[1] < 0 or lo[0] > w - 1 or lo[1] > h - 1:
        raise CropError(f"the hand box [{lo[0]:.0f}, {lo[1]:.0f}, {hi[0]:.0f}, {hi[1]:.0f}] lies "
                        f"outside the {w}x{h} image")
    A = crop_affine(points, (w, h), params, rng)
    size = params.out_size
    if mirrored:
        A = np.array([[-1.0, 0.0, size - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]) @ A
    crop = cv2.warpAffine(image, A[:2], (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    # Keypoints (or a box) touching the edge mean the hand is likely cut off there.
    edge = max(2.0, BORDER_FRACTION * max(w, h))
    at_border = bool((lo < edge).any() or (hi > np.array([w - 1, h - 1]) - edge).any())
    K_crop = A @ K @ (MIRROR_3D if mirrored else np.eye(3))
    kp = None if keypoints is None else _apply(A, keypoints)
    return HandCrop(crop, K_crop, A, kp, conf, mirrored, at_border)


def _apply(A: np.ndarray, uv: np.ndarray) -> np.ndarray:
    return uv @ A[:2, :2].T + A[:2, 2]


def unmirror_points(points: np.ndarray, mirrored: bool) -> np.ndarray:
    """3D points ``(...,3)`` predicted on a (mirrored) crop -> the camera frame of the image."""
    return points * np.diag(MIRROR_3D) if mirrored else points
