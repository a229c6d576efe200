"""Anti-aliased resampling of axis-aligned crops (scale and translation, no rotation).

HO3D crops shrink the 640x480 frame by 0.4-0.8x. Plain bilinear ``warpAffine`` then samples the
source at isolated points and aliases fine texture; the original (torchvision's PIL resized
crop) filters over each output pixel's footprint. This does the same: a separable triangle
(tent) filter whose support widens to ``1/scale`` source pixels when shrinking, i.e. PIL's
bilinear reduction. Out-of-image pixels are black and count in each pixel's normalisation, as
the black padding of a crop reaching past the border does.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse


def tent_weights(out_size: int, src_size: int, scale: float,
                 offset: float) -> scipy.sparse.csr_matrix:
    """Sparse resampling matrix ``(out_size, src_size)`` along one axis.

    Output pixel ``o`` (centres at integers, OpenCV's convention) samples the source at
    ``x = (o - offset) / scale``; the tent's half-width is ``max(1, 1/scale)`` source pixels.
    Rows are normalised over the whole pixel lattice, so source pixels outside the image
    contribute black.
    """
    support = max(1.0, 1.0 / scale)
    x = (np.arange(out_size) - offset) / scale                        # (out,) source positions
    taps = np.floor(x - support)[:, None] + 1 + np.arange(int(np.ceil(2 * support)) + 1)
    w = np.maximum(0.0, 1.0 - np.abs(taps - x[:, None]) / support)   # (out, taps)
    w /= np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
    inside = (taps >= 0) & (taps < src_size) & (w > 0)
    rows = np.broadcast_to(np.arange(out_size)[:, None], taps.shape)
    return scipy.sparse.csr_matrix(
        (w[inside].astype(np.float32), (rows[inside], taps[inside].astype(np.int64))),
        shape=(out_size, src_size))


def resample_crop(img: np.ndarray, A: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Crop ``img (H,W[,C])`` uint8/float with the pixel affine ``A (3,3)`` =
    ``[[s,0,tx],[0,s,ty],[0,0,1]]`` (source pixel -> crop pixel) into ``size = (W, H)``.

    Returns the input's dtype (uint8 rounded, as PIL's), anti-aliased when ``s < 1`` and equal
    to bilinear interpolation when ``s >= 1``.
    """
    if abs(A[0, 1]) > 1e-12 or abs(A[1, 0]) > 1e-12 or abs(A[0, 0] - A[1, 1]) > 1e-9 * A[0, 0]:
        raise ValueError(f"resample_crop needs an isotropic scale + translation, got A = {A}")
    scale = float(A[0, 0])
    wx = tent_weights(size[0], img.shape[1], scale, float(A[0, 2]))
    wy = tent_weights(size[1], img.shape[0], scale, float(A[1, 2]))
    # Only the source rows/columns under the crop's footprint take part.
    cols, rows = np.unique(wx.indices), np.unique(wy.indices)
    out_shape = (size[1], size[0]) + img.shape[2:]
    if len(cols) == 0 or len(rows) == 0:
        return np.zeros(out_shape, dtype=img.dtype)
    c0, c1, r0, r1 = cols[0], cols[-1] + 1, rows[0], rows[-1] + 1
    src = img[r0:r1, c0:c1].astype(np.float32).reshape(r1 - r0, c1 - c0, -1)
    channels = src.shape[2]
    # The tents are a few taps wide: sparse products cost ~taps, not the footprint, per pixel.
    wy, wx = wy[:, r0:r1], wx[:, c0:c1]
    rows_done = (wy @ src.reshape(r1 - r0, -1)).reshape(size[1], c1 - c0, channels)
    cols_first = rows_done.transpose(1, 0, 2).reshape(c1 - c0, -1)             # (w, H_out*C)
    out = (wx @ cols_first).reshape(size[0], size[1], channels).transpose(1, 0, 2)
    out = np.ascontiguousarray(out).reshape(out_shape)
    if img.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out.astype(img.dtype, copy=False)
