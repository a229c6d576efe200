"""Noise model of the synthetic OpenPose-style 2D detections.

Starting from the projected GT joints, each detection gets Gaussian pixel noise (larger on
fingertips), a confidence that decreases with its error, occasional misses (``(0, 0)`` with
confidence 0, as OpenPose reports an undetected joint; joints outside the image are always
missed) and occasional gross outliers (a uniformly random image position with a low-to-moderate
confidence). The default is moderate so that training from detections works.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIP_JOINTS = (4, 8, 12, 16, 20)


@dataclass(frozen=True)
class DetectionNoise:
    """Parameters of the detection noise (pixels are in the image the detections refer to).

    sigma_px: std of the Gaussian error per coordinate; tips use ``sigma_px * tip_factor``.
    miss_prob: probability that a joint is not detected (conf 0 at (0, 0)).
    outlier_prob: probability that a detected joint is a gross outlier.
    outlier_conf: range of outlier confidences.
    conf_range: range of the per-image detector quality (the confidence of an exact hit).
    conf_jitter: std of the per-joint confidence noise.
    quantize: round to integer pixels as OpenPose's argmax does.
    """

    sigma_px: float = 2.0
    tip_factor: float = 1.5
    miss_prob: float = 0.02
    outlier_prob: float = 0.01
    outlier_conf: tuple[float, float] = (0.05, 0.4)
    conf_range: tuple[float, float] = (0.5, 0.95)
    conf_jitter: float = 0.05
    quantize: bool = True


def joint_sigma(noise: DetectionNoise, num_joints: int = 21) -> np.ndarray:
    """Per-joint error std ``(num_joints,)`` in pixels."""
    sigma = np.full(num_joints, noise.sigma_px)
    sigma[list(TIP_JOINTS)] *= noise.tip_factor
    return sigma


def noisy_detections(uv: np.ndarray, image_size: tuple[int, int], noise: DetectionNoise,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Detections from GT pixels ``uv (B,21,2)`` in a ``(W,H)`` image.

    Returns ``xy (B,21,2)`` and ``conf (B,21)`` in the OpenPose convention.
    """
    b, j, _ = uv.shape
    sigma = joint_sigma(noise, j)
    err = rng.normal(0.0, 1.0, size=(b, j, 2)) * sigma[None, :, None]
    xy = uv + err
    # A detection 2 sigma off has ~0.6x the confidence of an exact hit.
    dist = np.linalg.norm(err, axis=-1) / (np.sqrt(2) * sigma)
    quality = rng.uniform(*noise.conf_range, size=(b, 1))
    conf = quality * np.exp(-0.125 * dist**2) + rng.normal(0, noise.conf_jitter, size=(b, j))
    conf = np.clip(conf, 0.01, 1.0)
    w, h = image_size
    outlier = rng.random((b, j)) < noise.outlier_prob
    xy[outlier] = rng.uniform(0, 1, size=(int(outlier.sum()), 2)) * [w - 1, h - 1]
    conf[outlier] = rng.uniform(*noise.outlier_conf, size=int(outlier.sum()))
    outside = (uv[..., 0] < 0) | (uv[..., 1] < 0) | (uv[..., 0] > w - 1) | (uv[..., 1] > h - 1)
    missed = (rng.random((b, j)) < noise.miss_prob) | outside
    if noise.quantize:
        xy = np.round(xy)
    xy = np.clip(xy, 0, [w - 1, h - 1])
    xy[missed] = 0.0
    conf[missed] = 0.0
    return xy, conf
