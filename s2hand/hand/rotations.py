"""Numerically safe axis-angle -> rotation matrix (Rodrigues), with finite gradients at zero."""

from __future__ import annotations

import torch

# Below this squared angle, sin(t)/t, cos(t) and (1-cos t)/t^2 come from their Taylor series:
# the closed forms divide by t (NaN gradients at t=0) and lose precision long before that.
_SMALL_ANGLE_SQ = 1e-6


def rodrigues(axis_angle: torch.Tensor) -> torch.Tensor:
    """Rotation matrices from axis-angle vectors.

    ``R = cos(t) I + sin(t)/t [r]x + (1 - cos t)/t^2 r r^T`` with ``t = |r|``.

    Args:
        axis_angle: ``(..., 3)`` rotation vectors (radians).
    Returns:
        ``(..., 3, 3)`` rotation matrices, same dtype/device. Value and gradient are finite for
        every input, including exactly zero.
    """
    x, y, z = axis_angle.unbind(-1)
    t2 = x * x + y * y + z * z
    small = t2 < _SMALL_ANGLE_SQ
    # The double-where keeps the unused branch finite, so its gradient is not NaN at t=0.
    t2_safe = torch.where(small, torch.ones_like(t2), t2)
    t = torch.sqrt(t2_safe)
    cos_t = torch.where(small, 1.0 - t2 / 2.0 + t2 * t2 / 24.0, torch.cos(t))
    sinc = torch.where(small, 1.0 - t2 / 6.0 + t2 * t2 / 120.0, torch.sin(t) / t)
    cosc = torch.where(small, 0.5 - t2 / 24.0 + t2 * t2 / 720.0, (1.0 - torch.cos(t)) / t2_safe)
    bxy, bxz, byz = cosc * x * y, cosc * x * z, cosc * y * z
    ax, ay, az = sinc * x, sinc * y, sinc * z
    rows = (
        cos_t + cosc * x * x, bxy - az, bxz + ay,
        bxy + az, cos_t + cosc * y * y, byz - ax,
        bxz - ay, byz + ax, cos_t + cosc * z * z,
    )
    return torch.stack(rows, dim=-1).reshape(*axis_angle.shape[:-1], 3, 3)
