"""Intrinsics of an input image: given per image, from ``--focal``, or a default field of view."""

from __future__ import annotations

import math

import numpy as np

# Horizontal-ish field of view of a typical phone/webcam main camera, over the longer side.
DEFAULT_FOV_DEG = 60.0


def image_intrinsics(width: int, height: int, focal: float | None = None,
                     fov_deg: float = DEFAULT_FOV_DEG) -> tuple[np.ndarray, str]:
    """``K (3,3)`` with the principal point at the image centre, and a note of where ``f``
    came from (written into the outputs). ``focal`` in pixels wins over ``fov_deg``, which
    spans the longer side."""
    if focal is not None:
        if not focal > 0:
            raise ValueError(f"--focal must be > 0 pixels, got {focal}")
        f, source = float(focal), f"--focal {focal:g} px"
    else:
        if not 1.0 < fov_deg < 179.0:
            raise ValueError(f"--fov must be in (1, 179) degrees, got {fov_deg}")
        f = 0.5 * max(width, height) / math.tan(math.radians(fov_deg) / 2)
        source = f"default field of view {fov_deg:g} deg over the longer side (f = {f:.1f} px)"
    K = np.array([[f, 0.0, (width - 1) / 2], [0.0, f, (height - 1) / 2], [0.0, 0.0, 1.0]])
    return K, source
