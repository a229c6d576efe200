"""Writing one image's results: ``<name>.json``, meshes (``.obj``/``.ply``), overlay PNG.

Every file is written to a temporary name and moved into place, so an interrupted run leaves
no half-written file; ``<name>.json`` is written last and marks the image as done.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import trimesh

from s2hand.data.io import write_image
from s2hand.detect.openpose_file import write_atomic

MESH_FORMATS = ("obj", "ply")


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.stem}.tmp{path.suffix}")


def write_mesh(path: Path, vertices: np.ndarray, faces: np.ndarray) -> Path:
    """One mesh via trimesh (format from the suffix)."""
    mesh = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
    tmp = _tmp(path)
    mesh.export(tmp, file_type=path.suffix[1:])
    os.replace(tmp, path)
    return path


def write_picture(path: Path, rgb: np.ndarray) -> Path:
    tmp = _tmp(path)
    write_image(tmp, rgb)
    os.replace(tmp, path)
    return path


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
    write_atomic(path, json.dumps(_plain(record), indent=1))
    return path
