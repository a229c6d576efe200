"""What ``s2hand-predict`` reads: image files, folders, videos, and an optional hands JSON.

Hands JSON (``--hands``): ``{"<image file name>": {"K": [[...3x3...]] (optional),
"hands": [{"side": "right"|"left", "box": [x0, y0, x1, y1]} or {"side": ...,
"keypoints": [[x, y] x 21], "conf": [21 values] (optional)}]}}``; keypoints in FreiHAND order,
full-image pixels. Video frames are named ``<video stem>_<frame:06d>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")


class InputError(ValueError):
    """Bad command-line input (missing path, malformed hands JSON): exit status 2."""


@dataclass(frozen=True)
class Source:
    """One input: an image file, or a video (``frames`` read lazily)."""

    path: Path
    is_video: bool


def collect_sources(paths: list[str]) -> list[Source]:
    """Image files, videos and the images of folders (sorted) among ``paths``."""
    sources = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise InputError(f"{path}: folder without images ({', '.join(IMAGE_SUFFIXES)})")
            sources += [Source(p, False) for p in found]
        elif path.is_file():
            sources.append(Source(path, path.suffix.lower() in VIDEO_SUFFIXES))
        else:
            raise InputError(f"{path}: no such file or folder (expected images, a folder of "
                             "images or a video)")
    return sources


def video_frames(path: Path, every: int = 1) -> Iterator[tuple[str, np.ndarray, float]]:
    """``(name, RGB frame, fps)`` of every ``every``-th frame."""
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise InputError(f"{path}: cannot be opened as a video")
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    index = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if index % every == 0:
                yield f"{path.stem}_{index:06d}", cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), fps
            index += 1
    finally:
        cap.release()


@dataclass(frozen=True)
class GivenHand:
    """A hand from the hands JSON: ``side``, and ``box (4,)`` or ``keypoints (21,2)``+``conf``."""

    side: str
    box: np.ndarray | None
    keypoints: np.ndarray | None
    conf: np.ndarray | None


def read_hands_json(path: Path) -> dict[str, tuple[np.ndarray | None, list[GivenHand]]]:
    """``{image name: (K or None, hands)}``; every problem raises :class:`InputError` naming
    the key."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: cannot be read as JSON ({err})") from err
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected an object {{image name: {{'hands': [...]}}}}")
    out = {}
    for name, entry in data.items():
        where = f"{path}: [{name!r}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("hands", []), list):
            raise InputError(f"{where}: expected {{'K': 3x3 (optional), 'hands': [...]}}")
        K = _array(entry["K"], (3, 3), f"{where}['K']") if "K" in entry else None
        hands = [_hand(h, f"{where}['hands'][{i}]") for i, h in enumerate(entry.get("hands", []))]
        out[name] = (K, hands)
    return out


def _hand(entry: object, where: str) -> GivenHand:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected an object with 'side' and 'box' or 'keypoints'")
    side = entry.get("side", "right")
    if side not in ("right", "left"):
        raise InputError(f"{where}['side']: expected 'right' or 'left', got {side!r}")
    if "keypoints" in entry:
        kp = _array(entry["keypoints"], (21, 2), f"{where}['keypoints']")
        conf = (_array(entry["conf"], (21,), f"{where}['conf']") if "conf" in entry
                else np.ones(21))
        return GivenHand(side, None, kp, conf)
    if "box" in entry:
        box = _array(entry["box"], (4,), f"{where}['box']")
        if not (box[2] > box[0] and box[3] > box[1]):
            raise InputError(f"{where}['box']: expected [x0, y0, x1, y1] with x1 > x0 and "
                             f"y1 > y0, got {box.tolist()}")
        return GivenHand(side, box, None, None)
    raise InputError(f"{where}: needs 'box' [x0, y0, x1, y1] or 'keypoints' (21 x [x, y])")


def _array(value: object, shape: tuple[int, ...], where: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != shape or not np.isfinite(arr).all():
        raise InputError(f"{where}: expected finite numbers of shape {shape}")
    return arr
