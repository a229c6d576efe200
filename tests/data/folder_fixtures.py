"""Tiny Folder datasets for the tests: images whose red channel says whether a "hand" is in
them, and a registered fake detector backend reading that back (fast, deterministic)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from s2hand.detect import HandDetection, register_backend

FAKE_BACKEND = "test-folder-fake"
HAND_CENTRE = np.array([60.0, 40.0])


def fake_keypoints(centre: np.ndarray = HAND_CENTRE, radius: float = 15.0) -> np.ndarray:
    """21 keypoints ``(21,2)`` on a circle around ``centre``."""
    angles = np.linspace(0, 2 * np.pi, 21, endpoint=False)
    return centre + radius * np.stack([np.cos(angles), np.sin(angles)], 1)


def _fake_detector(**_):
    def detect(images):
        out = []
        for img in images:
            red, green = img[..., 0].mean(), img[..., 1].mean()
            if red < 128:
                out.append([])
                continue
            side = "left" if green > 128 else "right"
            out.append([HandDetection(fake_keypoints(), np.full(21, 0.9), side, 0.9)])
        return out

    return detect


register_backend(FAKE_BACKEND, _fake_detector)


def write_image(path: Path, hand: bool, left: bool = False, size: tuple[int, int] = (120, 90),
                ext: str = ".png") -> Path:
    """An image (RGB ``size``): red >= 128 when it shows a "hand", green >= 128 for a left."""
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = 200 if hand else 30
    img[..., 1] = 200 if left else 30
    img[..., 2] = np.arange(w, dtype=np.uint8)[None, :]
    path = path.with_suffix(ext)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return path


def write_video(path: Path, frames: int, hand: bool = True) -> Path:
    """An MJPG ``.avi`` of ``frames`` frames showing a "hand"."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (120, 90))
    for k in range(frames):
        img = np.zeros((90, 120, 3), np.uint8)
        img[..., 2] = 200 if hand else 30  # BGR: red
        img[..., 0] = k
        writer.write(img)
    writer.release()
    return path


def make_folder(root: Path, with_hand: int = 6, without: int = 2, left: int = 2) -> Path:
    """``with_hand`` right-hand images (``left`` more of them left hands, in ``sub/``) and
    ``without`` images without a hand."""
    for k in range(with_hand):
        write_image(root / f"img_{k:02d}", hand=True)
    for k in range(left):
        write_image(root / "sub" / f"left_{k:02d}", hand=True, left=True, ext=".jpg")
    for k in range(without):
        write_image(root / f"empty_{k:02d}", hand=False)
    return root
