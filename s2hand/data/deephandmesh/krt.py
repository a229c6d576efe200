"""DeepHandMesh's camera file ``annotations/KRT_512`` (deephandmesh.md §3, §8).

Repeated blocks of: a camera-name line; three lines of the 3x3 intrinsic ``K``; one line of
distortion coefficients (read, ignored by the original); three lines of the 3x4 extrinsic
``[R | t]`` (world -> camera, mm); one blank line (optional after the last block). Intrinsics
are for the 512x334 (H x W) images.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from s2hand.data.errors import DataError, missing
from s2hand.data.finite import require_finite


@dataclass(frozen=True)
class KRTCamera:
    """One camera: ``K (3, 3)``, ``dist (N,)``, ``R (3, 3)``, ``t (3,)``, float64."""

    name: str
    K: np.ndarray
    dist: np.ndarray
    R: np.ndarray
    t: np.ndarray

    @property
    def focal(self) -> np.ndarray:
        """``(fx, fy)``."""
        return np.array([self.K[0, 0], self.K[1, 1]])

    @property
    def princpt(self) -> np.ndarray:
        """``(cx, cy)``."""
        return self.K[:2, 2].copy()

    @property
    def campos(self) -> np.ndarray:
        """Camera centre in world mm, ``-R^T t``."""
        return -self.R.T @ self.t

    def project(self, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` world mm -> ``(N, 2)`` pixels (pinhole, no distortion, as the original)."""
        cam = (points - self.campos) @ self.R.T
        return cam[:, :2] / cam[:, 2:3] * self.focal + self.princpt


def _numbers(path: Path, lineno: int, line: str, count: int, what: str) -> list[float]:
    tokens = line.split()
    if len(tokens) != count:
        raise DataError(f"{path}, line {lineno}: expected {count} numbers ({what}), got "
                        f"{len(tokens)}: {line.strip()!r}.")
    try:
        return [float(t) for t in tokens]
    except ValueError:
        raise DataError(f"{path}, line {lineno}: expected {count} numbers ({what}), got "
                        f"{line.strip()!r}.") from None


def read_krt(path: str | Path) -> dict[str, KRTCamera]:
    """All cameras of a KRT file, by name, in file order.

    Raises :class:`DataError` naming the file and line for a malformed block or a repeated
    camera name.
    """
    path = Path(path)
    if not path.is_file():
        raise missing(path, "the DeepHandMesh camera file KRT_512")
    lines = path.read_text().splitlines()
    cameras: dict[str, KRTCamera] = {}
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        name, start = lines[i].strip(), i + 1
        if len(lines) < start + 7:
            raise DataError(f"{path}, line {start}: camera {name!r} is cut short; a block is "
                            "a name line, 3 lines of K, 1 of distortion, 3 of [R|t].")
        k = [_numbers(path, start + 1 + r, lines[start + r], 3, "a row of K") for r in range(3)]
        dist_tokens = lines[start + 3].split()
        dist = _numbers(path, start + 4, lines[start + 3], max(len(dist_tokens), 1),
                        "distortion coefficients")
        rt = [_numbers(path, start + 5 + r, lines[start + 4 + r], 4, "a row of [R|t]")
              for r in range(3)]
        if name in cameras:
            raise DataError(f"{path}, line {start}: camera {name!r} appears twice.")
        rt_arr = require_finite(np.asarray(rt), path, "the extrinsic [R|t]", key=name)
        cameras[name] = KRTCamera(name, require_finite(np.asarray(k), path, "K", key=name),
                                  np.asarray(dist), rt_arr[:, :3], rt_arr[:, 3])
        i = start + 7
        if i < len(lines) and lines[i].strip():
            raise DataError(f"{path}, line {i + 1}: expected a blank line after camera "
                            f"{name!r}, got {lines[i].strip()!r}.")
    if not cameras:
        raise DataError(f"{path}: no camera blocks found.")
    return cameras


def format_krt(cameras: list[KRTCamera]) -> str:
    """Text of a KRT file for ``cameras`` (exact ``repr`` of each number)."""
    out = []
    for cam in cameras:
        out.append(cam.name)
        out += [" ".join(repr(float(x)) for x in row) for row in cam.K]
        out.append(" ".join(repr(float(x)) for x in cam.dist))
        rt = np.concatenate([cam.R, cam.t[:, None]], axis=1)
        out += [" ".join(repr(float(x)) for x in row) for row in rt]
        out.append("")
    return "\n".join(out) + "\n"
