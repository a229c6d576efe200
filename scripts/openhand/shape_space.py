"""OpenHand shape space: PCA of meshes generated from random anatomical parameters."""

from __future__ import annotations

import dataclasses

import numpy as np

from openhand.geometry import HandShapeParams, build_geometry

# Relative (log-normal) standard deviation of each scalar parameter; ``spread_deg`` is additive.
PARAM_STD: dict[str, float] = {
    "scale": 0.07, "palm_length": 0.04, "palm_width": 0.05, "palm_thickness": 0.08,
    "wrist_width": 0.05, "wrist_thickness": 0.06, "finger_length": 0.05,
    "finger_radius": 0.08, "finger_taper": 0.04, "finger_flatness": 0.04,
    "thumb_length": 0.06, "thumb_radius": 0.08,
}
SPREAD_STD_DEG = 1.0
PER_FINGER_LENGTH_STD = 0.03
PER_FINGER_RADIUS_STD = 0.04


def sample_shape_params(rng: np.random.Generator, base: HandShapeParams) -> HandShapeParams:
    """One random hand around ``base``."""
    changes: dict[str, object] = {
        k: getattr(base, k) * float(np.exp(rng.normal(0.0, std))) for k, std in PARAM_STD.items()
    }
    changes["spread_deg"] = base.spread_deg + float(rng.normal(0.0, SPREAD_STD_DEG))
    changes["finger_factors"] = tuple(
        f * float(np.exp(rng.normal(0.0, PER_FINGER_LENGTH_STD))) for f in base.finger_factors)
    changes["radius_factors"] = tuple(
        f * float(np.exp(rng.normal(0.0, PER_FINGER_RADIUS_STD))) for f in base.radius_factors)
    return dataclasses.replace(base, **changes)


def fit_shape_space(rng: np.random.Generator, num_betas: int = 10, num_samples: int = 300,
                    base: HandShapeParams | None = None) -> np.ndarray:
    """Shape directions ``(V, 3, num_betas)`` around ``base``'s mesh.

    Principal directions of the vertex displacements of ``num_samples`` random hands, scaled by
    their standard deviation (betas ~ N(0, 1) reproduce the sampled variation) and signed so
    that positive beta 0 enlarges the hand.
    """
    base = base or HandShapeParams()
    template = build_geometry(base).vertices
    disp = np.stack([build_geometry(sample_shape_params(rng, base)).vertices - template
                     for _ in range(num_samples)]).reshape(num_samples, -1)
    # Principal directions from the small (samples x samples) Gram matrix: disp = U S V^T.
    eigval, eigvec = np.linalg.eigh(disp @ disp.T)
    order = np.argsort(eigval)[::-1][:num_betas]
    sing = np.sqrt(np.maximum(eigval[order], 0.0))
    vt = (eigvec[:, order].T @ disp) / sing[:, None]
    std = sing / np.sqrt(num_samples)
    dirs = (vt * std[:, None]).reshape(num_betas, -1, 3)
    centred = template - template.mean(axis=0)
    for k in range(num_betas):
        if k == 0 and np.sum(dirs[k] * centred) < 0:
            dirs[k] *= -1.0
        elif k > 0:
            flat = dirs[k].reshape(-1)
            dirs[k] *= np.sign(flat[np.abs(flat).argmax()])
    return dirs.transpose(1, 2, 0)
