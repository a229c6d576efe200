"""Named hand poses as ``(22, 3)`` Euler angles (radians) for the original joint order."""

from __future__ import annotations

import math

import numpy as np

from s2hand.hand.deephandmesh.skeleton import JOINT_NAMES, MCP_JOINTS, NUM_JOINTS


def _pose(angles: dict[str, tuple[float, float, float]]) -> np.ndarray:
    euler = np.zeros((NUM_JOINTS, 3))
    for name, value in angles.items():
        euler[JOINT_NAMES.index(f"b_r_{name}")] = value
    return euler


def _curl(finger: str, mcp: float, pip: float, dip: float) -> dict[str, tuple]:
    return {f"{finger}1": (0.0, 0.0, mcp), f"{finger}2": (0.0, 0.0, pip),
            f"{finger}3": (0.0, 0.0, dip)}


def _fist() -> np.ndarray:
    """The original demo: pi/2 about z at the four MCP joints (8, 12, 16, 20)."""
    euler = np.zeros((NUM_JOINTS, 3))
    euler[list(MCP_JOINTS), 2] = math.pi / 2
    return euler


PRESETS: dict[str, np.ndarray] = {
    "flat": np.zeros((NUM_JOINTS, 3)),
    "fist": _fist(),
    # Thumb and index tips about 10 mm apart on the shipped model (tuned by gradient descent
    # on that distance through ``decode``).
    "pinch": _pose({**_curl("index", 0.75, 0.85, 0.55), **_curl("middle", 0.3, 0.3, 0.0),
                    **_curl("ring", 0.35, 0.35, 0.0), **_curl("pinky", 0.4, 0.4, 0.0),
                    "thumb1": (0.0, 0.6, 0.45), "thumb2": (0.0, 0.0, 0.2),
                    "thumb3": (0.0, 0.0, 0.3)}),
    "point": _pose({**_curl("middle", 1.45, 1.6, 0.9), **_curl("ring", 1.45, 1.6, 0.9),
                    **_curl("pinky", 1.45, 1.6, 0.9),
                    "thumb1": (0.0, 0.6, 0.6), "thumb2": (0.0, 0.0, 0.5),
                    "thumb3": (0.0, 0.0, 0.6)}),
}


def preset_pose(name: str) -> np.ndarray:
    """A copy of the named preset; ``KeyError`` lists the names."""
    if name not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; choose one of {', '.join(sorted(PRESETS))}")
    return PRESETS[name].copy()
