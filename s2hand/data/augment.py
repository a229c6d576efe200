"""Geometric and photometric augmentation that keeps image, 2D points, 3D points and K consistent.

An in-plane image rotation by ``angle`` about the principal point ``c`` maps a pixel ``p`` to
``A p`` with ``A = T(c + shift) · s·R(angle) · T(-c)`` (3x3 homogeneous). The matching 3D change
is the camera-z rotation ``Rz(angle)`` of every camera-frame point, and the new intrinsics are
``K' = A · K · Rz^T``, so that ``proj(Rz X, K') = A proj(X, K)`` holds exactly for any K (for
``fx == fy``, ``s = 1`` and no shift, ``K' = K``). This replaces the original's rotation about the
image centre with unchanged K, int-truncated detections and nearest-neighbour resampling
(s2hand.md §6 Q6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class AugmentParams:
    """Ranges of the random augmentation; the defaults reproduce the original's U(-π, π) rotation.

    ``scale_jitter``: scale factor drawn from ``[1 - j, 1 + j]``; ``shift_jitter``: translation in
    pixels drawn from ``[-j, j]`` per axis; ``color_jitter``: brightness/contrast/saturation factors
    drawn from ``[1 - j, 1 + j]``.
    """

    max_rotation: float = math.pi
    scale_jitter: float = 0.0
    shift_jitter: float = 0.0
    color_jitter: float = 0.0


@dataclass(frozen=True)
class Affine:
    """One sampled transform: pixel affine ``A (3,3)``, 3D rotation ``R (3,3)`` and its angle."""

    A: np.ndarray
    R: np.ndarray
    angle: float
    color: tuple[float, float, float] = (1.0, 1.0, 1.0)


def rot_z(angle: float) -> np.ndarray:
    """Rotation ``(3,3)`` about the camera z axis (x towards y in image coordinates)."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rotation_affine(K: np.ndarray, angle: float, scale: float = 1.0,
                    shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Pixel affine ``(3,3)`` rotating by ``angle`` and zooming by ``scale`` about K's principal
    point, then shifting by ``shift`` pixels."""
    cx, cy = float(K[0, 2]), float(K[1, 2])
    A = scale * rot_z(angle)
    A[2, 2] = 1.0
    A[:2, 2] = np.array([cx + shift[0], cy + shift[1]]) - A[:2, :2] @ np.array([cx, cy])
    return A


def sample_affine(K: np.ndarray, params: AugmentParams, rng: np.random.Generator) -> Affine:
    """Draw one augmentation for an image with intrinsics ``K (3,3)``."""
    angle = float(rng.uniform(-params.max_rotation, params.max_rotation))
    scale = float(rng.uniform(1 - params.scale_jitter, 1 + params.scale_jitter))
    shift = rng.uniform(-params.shift_jitter, params.shift_jitter, size=2)
    color = tuple(float(v) for v in rng.uniform(1 - params.color_jitter,
                                                1 + params.color_jitter, size=3))
    return Affine(rotation_affine(K, angle, scale, (float(shift[0]), float(shift[1]))),
                  rot_z(angle), angle, color)


def identity_affine() -> Affine:
    """The no-op transform."""
    return Affine(np.eye(3), np.eye(3), 0.0)


def transform_K(aff: Affine, K: np.ndarray) -> np.ndarray:
    """Intrinsics ``(3,3)`` of the warped image for points rotated by ``aff.R``: ``A K R^T``."""
    return aff.A @ K @ aff.R.T


def transform_points3d(aff: Affine, X: np.ndarray) -> np.ndarray:
    """Rotate camera-frame points ``(N,3)`` with the 3D part of ``aff``."""
    return X @ aff.R.T


def transform_points2d(A: np.ndarray, uv: np.ndarray, conf: np.ndarray | None = None
                       ) -> np.ndarray:
    """Apply the pixel affine ``A (3,3)`` to ``uv (N,2)`` (sub-pixel, no rounding).

    Points with ``conf == 0`` (missed detections) stay at (0, 0), the format's "not found" value.
    """
    out = uv @ A[:2, :2].T + A[:2, 2]
    if conf is not None:
        out[conf <= 0] = 0.0
    return out


def warp_image(img: np.ndarray, A: np.ndarray, size: tuple[int, int],
               interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """Warp ``img (H,W[,C])`` with pixel affine ``A (3,3)`` into ``size = (W, H)``; black fill."""
    return cv2.warpAffine(img, A[:2], size, flags=interpolation, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=0)


def color_jitter(img: np.ndarray, factors: tuple[float, float, float]) -> np.ndarray:
    """Brightness, contrast and saturation jitter of a float RGB image ``(H,W,3)`` in [0, 1]."""
    brightness, contrast, saturation = factors
    if factors == (1.0, 1.0, 1.0):
        return img
    out = img * brightness
    out = (out - out.mean()) * contrast + out.mean()
    grey = out @ np.array([0.299, 0.587, 0.114], dtype=out.dtype)
    out = (out - grey[..., None]) * saturation + grey[..., None]
    return np.clip(out, 0.0, 1.0)
