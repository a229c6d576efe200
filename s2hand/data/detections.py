"""Offline 2D keypoint detections in the S2HAND/OpenPose JSON format (s2hand.md §4.5).

A file holds ``[xy_list, value_list, name_list]``: N x 21 x [x, y] pixels (FreiHAND joint
order), N x 21 x [confidence] (0 = joint not found, then xy = (0, 0)), and N image file names.
The original readers index by position; we map by file name (extension-insensitive) so that a
file with a different order or a missing image is caught instead of silently misaligned.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from s2hand.data.errors import DetectionsError
from s2hand.data.io import load_json

NUM_JOINTS = 21


@dataclass(frozen=True)
class Detections:
    """Detections of one file: ``xy (N,21,2)`` float64 pixels, ``conf (N,21)``, ``names``."""

    xy: np.ndarray
    conf: np.ndarray
    names: list[str]

    def __len__(self) -> int:
        return len(self.names)

    def select(self, names: Sequence[str], source: Path | str = "detections") -> Detections:
        """Rows for ``names`` (matched by file stem), in that order.

        Raises :class:`DetectionsError` naming ``source`` and the first missing names.
        """
        index = {Path(n).stem: i for i, n in enumerate(self.names)}
        rows = [index.get(Path(n).stem, -1) for n in names]
        absent = [n for n, r in zip(names, rows, strict=True) if r < 0]
        if absent:
            raise DetectionsError(
                f"{source}: no detections for {len(absent)} of {len(names)} images (first: "
                f"{', '.join(absent[:5])}); the file has {len(self.names)} entries. Detections "
                "must cover every image of the split, named like the image files.")
        idx = np.asarray(rows, dtype=np.int64)
        return Detections(self.xy[idx], self.conf[idx], [self.names[r] for r in rows])


def parse_detections(data: object, source: Path | str) -> Detections:
    """Validate the decoded JSON ``data`` of a detection file and convert it to arrays."""
    if not (isinstance(data, list) and len(data) == 3 and all(isinstance(d, list) for d in data)):
        raise DetectionsError(f"{source}: expected a JSON list [xy_list, value_list, name_list].")
    xy_list, value_list, names = data
    if not (len(xy_list) == len(value_list) == len(names)):
        raise DetectionsError(
            f"{source}: list lengths differ: {len(xy_list)} xy, {len(value_list)} confidences, "
            f"{len(names)} names; they must be equal (one entry per image).")
    try:
        xy = np.asarray(xy_list, dtype=np.float64).reshape(len(names), -1)
        conf = np.asarray(value_list, dtype=np.float64).reshape(len(names), -1)
    except (ValueError, TypeError) as err:
        raise DetectionsError(f"{source}: xy/confidence entries are not uniform numeric arrays "
                              f"of 21 x [x, y] and 21 x [v] ({err}).") from err
    if len(names) and (xy.shape[1] != 2 * NUM_JOINTS or conf.shape[1] != NUM_JOINTS):
        raise DetectionsError(
            f"{source}: each entry must have 21 x [x, y] and 21 x [v]; got {xy.shape[1]} "
            f"coordinates and {conf.shape[1]} confidences per image.")
    if not all(isinstance(n, str) for n in names):
        raise DetectionsError(f"{source}: name_list must contain file-name strings.")
    stems = [Path(n).stem for n in names]
    if len(set(stems)) != len(stems):
        dup = next(s for s in stems if stems.count(s) > 1)
        raise DetectionsError(f"{source}: image name {dup!r} appears more than once.")
    if not (np.isfinite(xy).all() and np.isfinite(conf).all()):
        raise DetectionsError(f"{source}: contains NaN or infinite coordinates/confidences.")
    return Detections(xy.reshape(-1, NUM_JOINTS, 2), conf, list(names))


def read_detections(path: Path) -> Detections:
    """Read and validate a detection file."""
    return parse_detections(load_json(Path(path), "2D detections [xy, confidences, names]"), path)


def write_detections(path: Path, det: Detections, decimals: int = 2) -> None:
    """Write ``det`` in the OpenPose/S2HAND format (confidences as ``[v]`` one-element lists)."""
    if det.xy.shape != (len(det.names), NUM_JOINTS, 2) or det.conf.shape != (len(det.names),
                                                                              NUM_JOINTS):
        raise DetectionsError(f"{path}: refusing to write detections with xy {det.xy.shape} and "
                              f"conf {det.conf.shape} for {len(det.names)} names.")
    xy = np.round(det.xy, decimals).tolist()
    conf = np.round(det.conf, 4)[..., None].tolist()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # json.dumps uses the C encoder; json.dump to a file does not (10x slower).
    path.write_text(json.dumps([xy, conf, list(det.names)], separators=(",", ":")))
