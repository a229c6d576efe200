"""Offline 2D keypoint detections in the S2HAND/OpenPose JSON format (s2hand.md §4.5).

A file holds ``[xy_list, value_list, name_list]``: N x 21 x [x, y] pixels (FreiHAND joint
order), N x 21 x [confidence] (0 = joint not found, then xy = (0, 0)), and N image file names.
The original detector writes each name as a one-element list (``["00000000.jpg"]``), and a file
may hold only ``[xy_list, value_list]``: both are accepted. The original readers index by
position; when names are present we map by file name (extension-insensitive), so that a file in
another order or without an image is caught instead of silently misaligned. Without names, row
``k`` is the image whose file stem is the number ``k`` (FreiHAND ``%08d``, HO3D ``int(FRAMEID)``),
as the original reads it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from s2hand.data.errors import DetectionsError
from s2hand.data.io import load_json
from s2hand.outputs.atomic import atomic_write_text

NUM_JOINTS = 21


@dataclass(frozen=True)
class Detections:
    """Detections of one file: ``xy (N,21,2)`` float64 pixels, ``conf (N,21)``, ``names``
    (N file names, or ``None`` for a file without a name list: rows are then by position)."""

    xy: np.ndarray
    conf: np.ndarray
    names: list[str] | None
    _stem_rows: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rows = {} if self.names is None else {Path(n).stem: i for i, n in enumerate(self.names)}
        object.__setattr__(self, "_stem_rows", rows)     # frozen: derived once, here

    def __len__(self) -> int:
        return len(self.xy)

    def row_of(self, name: str) -> int:
        """The row of image ``name``, matched by file stem, or for an unnamed file by the
        stem's number (``00000012.jpg`` and ``0012`` are row 12); -1 when absent."""
        stem = Path(name).stem
        if self.names is None:
            return int(stem) if stem.isdigit() and int(stem) < len(self) else -1
        return self._stem_rows.get(stem, -1)

    def select(self, names: Sequence[str], source: Path | str = "detections") -> Detections:
        """Rows for ``names`` (see :meth:`row_of`), in that order.

        Raises :class:`DetectionsError` naming ``source`` and the first missing names.
        """
        rows = [self.row_of(n) for n in names]
        how = ("by position (the file has no name list, so row k is image number k)"
               if self.names is None else "named like the image files")
        absent = [n for n, r in zip(names, rows, strict=True) if r < 0]
        if absent:
            raise DetectionsError(
                f"{source}: no detections for {len(absent)} of {len(names)} images (first: "
                f"{', '.join(absent[:5])}); the file has {len(self)} entries. Detections "
                f"must cover every image of the split, {how}.")
        idx = np.asarray(rows, dtype=np.int64)
        picked = None if self.names is None else [self.names[r] for r in rows]
        return Detections(self.xy[idx], self.conf[idx], picked)


def parse_detections(data: object, source: Path | str) -> Detections:
    """Validate the decoded JSON ``data`` of a detection file and convert it to arrays.

    Accepts ``[xy_list, value_list, name_list]`` (names as strings or one-element lists, as the
    original detector writes them) and ``[xy_list, value_list]``.
    """
    if not (isinstance(data, list) and len(data) in (2, 3)
            and all(isinstance(d, list) for d in data)):
        raise DetectionsError(f"{source}: expected a JSON list [xy_list, value_list, name_list] "
                              "or [xy_list, value_list].")
    xy_list, value_list = data[:2]
    names = _names(data[2], source) if len(data) == 3 else None
    lengths = [len(xy_list), len(value_list)] + ([] if names is None else [len(names)])
    if len(set(lengths)) != 1:
        raise DetectionsError(
            f"{source}: list lengths differ: {len(xy_list)} xy, {len(value_list)} confidences"
            + ("" if names is None else f", {len(names)} names")
            + "; they must be equal (one entry per image).")
    n = len(xy_list)
    try:
        xy = np.asarray(xy_list, dtype=np.float64).reshape(n, -1)
        conf = np.asarray(value_list, dtype=np.float64).reshape(n, -1)
    except (ValueError, TypeError) as err:
        raise DetectionsError(f"{source}: xy/confidence entries are not uniform numeric arrays "
                              f"of 21 x [x, y] and 21 x [v] ({err}).") from err
    if n and (xy.shape[1] != 2 * NUM_JOINTS or conf.shape[1] != NUM_JOINTS):
        raise DetectionsError(
            f"{source}: each entry must have 21 x [x, y] and 21 x [v]; got {xy.shape[1]} "
            f"coordinates and {conf.shape[1]} confidences per image.")
    if not (np.isfinite(xy).all() and np.isfinite(conf).all()):
        raise DetectionsError(f"{source}: contains NaN or infinite coordinates/confidences.")
    return Detections(xy.reshape(-1, NUM_JOINTS, 2), conf, names)


def _names(name_list: list, source: Path | str) -> list[str]:
    """File names from ``name_list``: strings, or one-element lists of a string."""
    names = []
    for k, entry in enumerate(name_list):
        if isinstance(entry, list) and len(entry) == 1:
            entry = entry[0]
        if not isinstance(entry, str):
            raise DetectionsError(
                f"{source}: name_list entry {k} is {json.dumps(entry)[:60]}; expected a file "
                'name ("00000000.jpg") or a one-element list of one (["00000000.jpg"]).')
        names.append(entry)
    stems = [Path(n).stem for n in names]
    if len(set(stems)) != len(stems):
        dup = next(s for s in stems if stems.count(s) > 1)
        raise DetectionsError(f"{source}: image name {dup!r} appears more than once.")
    return names


def read_detections(path: Path) -> Detections:
    """Read and validate a detection file."""
    return parse_detections(load_json(Path(path), "2D detections [xy, confidences, names]"), path)


def write_detections(path: Path, det: Detections, decimals: int = 2) -> None:
    """Write ``det`` atomically in the original detector's format: ``[xy_list, value_list,
    name_list]`` with confidences as ``[v]`` and names as ``["name"]`` one-element lists."""
    if det.names is None or det.xy.shape != (len(det.names), NUM_JOINTS, 2) or (
            det.conf.shape != (len(det.names), NUM_JOINTS)):
        raise DetectionsError(f"{path}: refusing to write detections with xy {det.xy.shape} and "
                              f"conf {det.conf.shape} for "
                              f"{'no' if det.names is None else len(det.names)} names.")
    xy = np.round(det.xy, decimals).tolist()
    conf = np.round(det.conf, 4)[..., None].tolist()
    # json.dumps uses the C encoder; json.dump to a file does not (10x slower). Atomic: a
    # reader never sees half a file, and a failed write leaves the previous one.
    atomic_write_text(path, json.dumps([xy, conf, [[n] for n in det.names]],
                                       separators=(",", ":")))
