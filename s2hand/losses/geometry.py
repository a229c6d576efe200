"""Pinhole projection shared by the 2D losses and test-time refinement (spec §2.7)."""

from __future__ import annotations

from torch import Tensor

from s2hand.losses._checks import check_same_batch, check_shape
from s2hand.render.projection import project_points as _pinhole


def project_points(xyz: Tensor, K: Tensor) -> Tensor:
    """:func:`s2hand.render.project_points` with the losses' input checks
    (:class:`LossInputError` on bad shapes).

    Args:
        xyz: (B,N,3) camera-frame points (OpenCV frame, metres).
        K: (B,3,3) intrinsics in pixels.

    Returns:
        (B,N,2) pixel coordinates. Points with z = 0 give inf/NaN, as in the original; the
        network's translation head starts at z = 0.65 m so this does not happen in practice.
    """
    check_shape("xyz", xyz, ("B", "N", 3))
    check_shape("K", K, ("B", 3, 3))
    check_same_batch(xyz=xyz, K=K)
    return _pinhole(xyz, K)
