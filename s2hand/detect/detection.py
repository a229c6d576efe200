"""What a detector returns for one hand, and the detector callable's type."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

NUM_JOINTS = 21


class DetectorError(RuntimeError):
    """A backend cannot be built or run (missing package, bad option); the message says why."""


@dataclass(frozen=True)
class HandDetection:
    """One detected hand in the pixels of the full image.

    xy: ``(21,2)`` float64, FreiHAND joint order (OpenCV pixel centres on integers).
    conf: ``(21,)`` per-joint confidence in [0,1]; 0 = joint not found (then xy = (0,0)).
    side: ``"right"`` or ``"left"`` (the person's hand, not the detector's label).
    score: the backend's score for the hand as a whole.
    """

    xy: np.ndarray
    conf: np.ndarray
    side: str
    score: float

    def box(self) -> np.ndarray:
        """``[x_min, y_min, x_max, y_max]`` of the found joints."""
        found = self.xy[self.conf > 0]
        if not len(found):
            return np.zeros(4)
        return np.concatenate([found.min(0), found.max(0)])


# images: RGB uint8 (H,W,3) each; returns the hands found in each image.
Detector = Callable[[Sequence[np.ndarray]], list[list[HandDetection]]]


def best_hand(hands: Sequence[HandDetection], side: str | None = None) -> HandDetection | None:
    """The highest-scoring hand (of ``side`` when given), or None."""
    pool = [h for h in hands if side is None or h.side == side]
    return max(pool, key=lambda h: h.score) if pool else None


def missing_hand() -> tuple[np.ndarray, np.ndarray]:
    """``xy (21,2)`` and ``conf (21,)`` of an image without a hand: zeros, as OpenPose writes."""
    return np.zeros((NUM_JOINTS, 2)), np.zeros(NUM_JOINTS)
