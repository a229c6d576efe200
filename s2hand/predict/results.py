"""Writing one image's results: ``<name>.json``, meshes (``.obj``/``.ply``), overlay PNG; and
a video's overlay ``.mp4``.

Every file is written to a temporary name and moved into place, so an interrupted run leaves
no half-written file; ``<name>.json`` is written last and marks the image as done.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import trimesh

from s2hand.data.errors import DataError
from s2hand.outputs.atomic import atomic_write_bytes, atomic_write_text

MESH_FORMATS = ("obj", "ply")


def write_mesh(path: Path, vertices: np.ndarray, faces: np.ndarray) -> Path:
    """One mesh via trimesh (format from the suffix)."""
    mesh = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
    data = mesh.export(file_type=path.suffix[1:])
    return atomic_write_bytes(path, data.encode() if isinstance(data, str) else data)


def write_picture(path: Path, rgb: np.ndarray) -> Path:
    """An RGB uint8 picture as PNG."""
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise DataError(f"{path}: OpenCV could not encode the overlay picture")
    return atomic_write_bytes(path, encoded.tobytes())


def _plain(value: object) -> object:
    if isinstance(value, np.ndarray):
        return np.round(value.astype(np.float64), 6).tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_record(path: Path, record: dict) -> Path:
    """``record`` (numpy arrays allowed) as indented JSON."""
    return atomic_write_text(path, json.dumps(_plain(record), indent=1))


@contextmanager
def video_writer(path: Path) -> Iterator[Callable[[np.ndarray, float], None]]:
    """``write(bgr_frame, fps)`` into an ``.mp4`` (at the first frame's fps) that appears at
    ``path`` only complete: the frames go to a temporary file beside it, moved over ``path``
    when the block ends without an error and removed otherwise. No frame written, no file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")
    writer: cv2.VideoWriter | None = None

    def write(frame: np.ndarray, fps: float) -> None:
        nonlocal writer
        if writer is None:
            writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps,
                                     frame.shape[1::-1])
        writer.write(frame)

    try:
        yield write
    except BaseException:
        if writer is not None:
            writer.release()
            tmp.unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.release()
        os.replace(tmp, path)
