"""S2HAND's per-joint bounds on the local axis-angle pose (``tsa_pose_loss``, s2hand.md §3.6).

Rows are MANO joints (0 = root with the fixed (pi, 0, 0)), columns the x, y, z axis-angle
components; in MANO's canonical right hand x ~ twist, y ~ splay, z ~ flexion.
"""

from __future__ import annotations

import numpy as np

_FINGER_MCP = ((-5, 5), (-10, 10), (-10, 100))
_FINGER_PIP = ((-5, 5), (-5, 5), (-10, 100))
# Degrees, except the root row below.
_BOUNDS_DEG = (
    None,
    _FINGER_MCP, _FINGER_PIP, _FINGER_PIP,                       # index
    _FINGER_MCP, _FINGER_PIP, _FINGER_PIP,                       # middle
    ((-20, 5), (-10, 20), (-10, 100)), _FINGER_PIP, _FINGER_PIP,  # pinky
    _FINGER_MCP, _FINGER_PIP, _FINGER_PIP,                       # ring
    ((0, 90), (-22.5, 33.75), (-22.5, 22.5)),                    # thumb CMC
    ((-5, 5), (-5, 5), (-22.5, 22.5)),                           # thumb MCP
    ((-5, 5), (-5, 5), (-20, 100)),                              # thumb IP
)


def _table() -> np.ndarray:
    out = np.zeros((16, 3, 2))
    out[0] = ((3.13, 3.15), (-0.01, 0.01), (-0.01, 0.01))
    for j in range(1, 16):
        out[j] = np.deg2rad(np.asarray(_BOUNDS_DEG[j], dtype=np.float64))
    return out


# (16, 3, 2) radians: [joint, axis, (min, max)].
TSA_POSE_BOUNDS: np.ndarray = _table()
TSA_POSE_BOUNDS.setflags(write=False)
# Weights of the x, y, z components in the loss.
TSA_AXIS_WEIGHTS: tuple[float, float, float] = (1.0, 1.0, 2.0)


def bound_violation(pose: np.ndarray) -> np.ndarray:
    """Per-element bound violation in radians: ``(..., 16, 3) -> (..., 16, 3)`` (0 inside)."""
    lo, hi = TSA_POSE_BOUNDS[..., 0], TSA_POSE_BOUNDS[..., 1]
    return np.maximum(pose - hi, 0.0) + np.maximum(lo - pose, 0.0)

