"""Appearance of the synthetic images: skin colours, lights, cluttered backgrounds, compositing.

All functions are numpy/cv2 on ``float32`` images in [0, 1] (``(H,W,3)``), driven by an explicit
``np.random.Generator`` so that generation is deterministic by seed.
"""

from __future__ import annotations

import cv2
import numpy as np

# Light and dark ends of the sampled skin tones (linear RGB in [0, 1]).
_SKIN_LIGHT = np.array([0.93, 0.76, 0.65])
_SKIN_DARK = np.array([0.45, 0.3, 0.22])


def skin_colors(rng: np.random.Generator, rest_verts: np.ndarray) -> np.ndarray:
    """Per-vertex colours ``(B,V,3)`` for rest-pose vertices ``(B,V,3)``: a random skin tone
    with a smooth low-frequency variation over the hand (so the texture is not flat)."""
    b = len(rest_verts)
    t = rng.uniform(0.0, 1.0, size=(b, 1))
    base = _SKIN_LIGHT * (1 - t) + _SKIN_DARK * t
    base = base * rng.uniform(0.92, 1.08, size=(b, 3))
    freq = rng.normal(0.0, 40.0, size=(b, 3, 3))
    phase = rng.uniform(0, 2 * np.pi, size=(b, 1, 3))
    wave = np.sin(np.einsum("bvi,bij->bvj", rest_verts, freq) + phase).mean(-1, keepdims=True)
    return np.clip(base[:, None, :] * (1.0 + 0.12 * wave), 0.0, 1.0)


def random_lights(rng: np.random.Generator, n: int) -> np.ndarray:
    """S2HAND light vectors ``(n,11)`` = ``[Ia, Id, Ca(3), Cd(3), dir(3)]``, lit from the
    camera side (visible faces have normals towards -z)."""
    ia = rng.uniform(0.55, 0.8, size=(n, 1))
    idir = rng.uniform(0.25, 0.55, size=(n, 1))
    ca = rng.uniform(0.9, 1.1, size=(n, 3))
    cd = rng.uniform(0.9, 1.1, size=(n, 3))
    d = np.concatenate([rng.normal(0, 0.6, size=(n, 2)), -np.ones((n, 1))], 1)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return np.concatenate([ia, idir, ca, cd, d], 1)


def random_background(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A cluttered textured background ``(H,W,3)``: gradient + smooth colour noise + random
    shapes and lines + fine noise."""
    w, h = size
    c0, c1 = rng.uniform(0, 1, size=(2, 3))
    ramp = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    if rng.random() < 0.5:
        ramp = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = (c0 * (1 - ramp) + c1 * ramp).astype(np.float32) * np.ones((h, w, 3), np.float32)
    cells = rng.uniform(0, 1, size=(int(rng.integers(2, 7)), int(rng.integers(2, 7)), 3))
    img = 0.6 * img + 0.4 * cv2.resize(cells.astype(np.float32), (w, h),
                                       interpolation=cv2.INTER_CUBIC)
    scale = max(w, h) / 224
    for _ in range(int(rng.integers(4, 14))):
        color = tuple(float(c) for c in rng.uniform(0, 1, 3))
        x, y = (int(v) for v in rng.integers(0, (w, h)))
        kind = rng.integers(0, 3)
        if kind == 0:
            dx, dy = (int(v) for v in rng.integers(5, 70, size=2) * scale)
            cv2.rectangle(img, (x - dx, y - dy), (x + dx, y + dy), color, -1, cv2.LINE_AA)
        elif kind == 1:
            cv2.circle(img, (x, y), int(rng.integers(4, 50) * scale), color, -1, cv2.LINE_AA)
        else:
            x2, y2 = (int(v) for v in rng.integers(0, (w, h)))
            cv2.line(img, (x, y), (x2, y2), color, int(rng.integers(1, 6) * scale), cv2.LINE_AA)
    img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(rng.uniform(0.0, 0.04))
    return np.clip(img, 0.0, 1.0)


def composite(rgb: np.ndarray, alpha: np.ndarray, background: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """Put the rendered hand ``rgb (H,W,3)`` with hard coverage ``alpha (H,W)`` over
    ``background``; edges are softened with a small blur confined to a band around the
    silhouette (cheap anti-aliasing), then sensor noise is added. Returns ``uint8 (H,W,3)``."""
    a = alpha[..., None]
    img = a * rgb + (1 - a) * background
    band = cv2.dilate(alpha, np.ones((3, 3), np.uint8)) - cv2.erode(alpha, np.ones((3, 3),
                                                                                   np.uint8))
    if band.any():
        soft = cv2.GaussianBlur(img, (3, 3), 0.7)
        img = np.where(band[..., None] > 0, soft, img)
    img = img + rng.standard_normal(img.shape, dtype=np.float32) * np.float32(0.01)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
