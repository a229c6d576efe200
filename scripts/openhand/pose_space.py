"""A plausible distribution of right-hand poses (MANO local axis-angle) and its PCA.

Poses come from a small generative model of hand articulation: a grasp closure shared by all
fingers with per-finger deviations (more curl towards the little finger), occasional
"gesture" poses with fingers independently extended or curled, coupled PIP/DIP flexion,
finger spread that shrinks as the hand closes, thumb opposition correlated with closure, and
small independent noise on every joint (so all 45 PCA directions have non-zero variance).
Every sample is clipped to S2HAND's pose bounds (s2hand.md §3.6), in MANO's axis convention:
local z = flexion, y = splay (positive towards the thumb), x = twist.
"""

from __future__ import annotations

import numpy as np

from s2hand.hand.pose_bounds import TSA_POSE_BOUNDS

# MANO base joint of index, middle, pinky, ring; spread direction (+ towards the thumb);
# extra curl of the ulnar fingers.
_FINGERS = ((1, 1.0, 0.00), (4, 0.15, 0.02), (7, -1.25, 0.08), (10, -0.7, 0.05))
_THUMB = 13


def sample_hand_poses(num: int, rng: np.random.Generator) -> np.ndarray:
    """``num`` finger poses ``(num, 15, 3)`` in radians (joints 1..15 of MANO)."""
    deg = np.zeros((num, 16, 3))
    kind = rng.choice(3, size=num, p=(0.35, 0.40, 0.25))
    grasp = np.where(kind == 0, rng.beta(1.2, 3.0, num),
                     np.where(kind == 1, rng.beta(2.0, 2.0, num), rng.beta(3.0, 1.2, num)))
    gesture = rng.random(num) < 0.25
    spread = rng.uniform(-0.2, 1.0, num) * (1.0 - 0.7 * grasp)
    for base, splay_dir, ulnar in _FINGERS:
        curl = np.clip(grasp * (1.0 + ulnar) + rng.normal(0.0, 0.12, num), 0.0, 1.0)
        extended = rng.random(num) < 0.5
        curl = np.where(gesture, np.where(extended, rng.uniform(0.0, 0.1, num),
                                          rng.uniform(0.8, 1.0, num)), curl)
        pip = -2.0 + 95.0 * curl + rng.normal(0.0, 6.0, num)
        deg[:, base, 2] = -5.0 + 90.0 * curl + rng.normal(0.0, 5.0, num)
        deg[:, base + 1, 2] = pip
        deg[:, base + 2, 2] = 0.75 * pip + rng.normal(0.0, 5.0, num)
        deg[:, base, 1] = 8.0 * splay_dir * spread + rng.normal(0.0, 2.0, num)
        deg[:, base, 0] = rng.normal(0.0, 2.0, num)
        if base == 7:  # the little finger rotates about its axis as it curls
            deg[:, base, 0] += -12.0 * curl
        deg[:, base + 1:base + 3, :2] = rng.normal(0.0, 1.5, (num, 2, 2))
    opposition = np.clip(0.6 * grasp + 0.4 * rng.random(num) + rng.normal(0.0, 0.1, num),
                         0.0, 1.0)
    deg[:, _THUMB, 0] = 5.0 + 70.0 * opposition + rng.normal(0.0, 6.0, num)
    deg[:, _THUMB, 1] = 5.0 - 15.0 * opposition + rng.normal(0.0, 7.0, num)
    deg[:, _THUMB, 2] = rng.normal(0.0, 7.0, num)
    deg[:, _THUMB + 1, 2] = 15.0 * grasp + rng.normal(0.0, 5.0, num)
    deg[:, _THUMB + 2, 2] = 5.0 + 55.0 * grasp + rng.normal(0.0, 10.0, num)
    deg[:, _THUMB + 1:, :2] = rng.normal(0.0, 1.5, (num, 2, 2))
    rad = np.clip(np.deg2rad(deg), TSA_POSE_BOUNDS[..., 0], TSA_POSE_BOUNDS[..., 1])
    return rad[:, 1:]


def fit_pose_pca(poses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MANO-style pose PCA of ``(N, 15, 3)`` samples.

    Returns:
        ``(hands_components (45, 45), hands_mean (45,))``: rows are principal directions
        ordered by variance and scaled by their standard deviation, so coefficients drawn from
        N(0, 1) reproduce the distribution's covariance (MANO's rows are likewise not unit norm).
    """
    flat = poses.reshape(len(poses), 45)
    mean = flat.mean(axis=0)
    eigval, eigvec = np.linalg.eigh(np.cov(flat, rowvar=False))
    order = np.argsort(eigval)[::-1]
    std = np.sqrt(np.maximum(eigval[order], 0.0))
    vt = eigvec[:, order].T
    # SVD signs are arbitrary; fix them so that each row's largest entry is positive.
    signs = np.sign(vt[np.arange(45), np.abs(vt).argmax(axis=1)])
    return vt * (signs * std)[:, None], mean
