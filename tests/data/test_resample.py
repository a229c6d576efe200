"""Anti-aliased crops (HO3D): the original's PIL resized crop filters when shrinking."""

from __future__ import annotations

import numpy as np
import pytest

from s2hand.data.augment import warp_image
from s2hand.data.resample import resample_crop


def _crop(scale: float, tx: float, ty: float) -> np.ndarray:
    return np.array([[scale, 0.0, tx], [0.0, scale, ty], [0.0, 0.0, 1.0]])


@pytest.mark.parametrize("pattern", ["stripes", "checker"])
def test_high_frequency_pattern_shrunk_half_keeps_its_mean(pattern):
    yy, xx = np.mgrid[:480, :640]
    fine = (xx % 2 == 0) if pattern == "stripes" else ((xx + yy) % 2 == 0)
    img = np.repeat((fine * 255).astype(np.uint8)[..., None], 3, axis=2)
    A = _crop(0.5, -50.0, -10.0)                   # footprint inside the frame
    ours = resample_crop(img, A, (224, 224)).astype(np.float64) / 255
    plain = warp_image(img, A, (224, 224)).astype(np.float64) / 255
    assert abs(ours.mean() - 0.5) < 0.005 and ours.std() < 0.01     # flat grey: no aliasing
    assert abs(plain.mean() - 0.5) > 0.4           # point sampling hits one phase only
    # Any sub-pixel phase: still grey.
    shifted = resample_crop(img, _crop(0.5, -50.3, -10.7), (224, 224)) / 255
    assert abs(shifted.mean() - 0.5) < 0.005 and shifted.std() < 0.01


def test_enlarging_equals_bilinear_and_smooth_content_is_kept():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(120, 160, 3)).astype(np.uint8)
    A = _crop(1.7, -20.25, -9.5)
    ours = resample_crop(img, A, (96, 64)).astype(np.int16)
    plain = warp_image(img, A, (96, 64)).astype(np.int16)
    assert np.abs(ours - plain).max() <= 1         # uint8 rounding only
    # A linear ramp shrunk 0.5x stays the same ramp at the mapped positions.
    ramp = np.tile(np.arange(200, dtype=np.float64), (50, 1))
    out = resample_crop(ramp, _crop(0.5, 0.0, 0.0), (90, 20))
    np.testing.assert_allclose(out[5:15, 5:85], np.tile(2.0 * np.arange(5, 85), (10, 1)),
                               atol=1e-4)


def test_outside_the_image_is_black_and_rotation_is_refused():
    img = np.full((40, 40), 200, np.uint8)
    out = resample_crop(img, _crop(0.5, 30.0, 30.0), (60, 60))
    assert out.dtype == np.uint8 and out.shape == (60, 60)
    assert out[40:45, 40:45].max() == 200 and out[:20, :20].max() == 0
    rot = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    with pytest.raises(ValueError, match="isotropic scale"):
        resample_crop(img, rot, (10, 10))
