"""Writing detection files in the original detector's format, resumably.

Format (s2hand.md §4.5), as the original OpenPose step wrote it: ``[xy_list, confidence_list,
name_list]`` with ``xy_list`` N x 21 x [x, y] pixels (FreiHAND order), ``confidence_list``
N x 21 x [v] and ``name_list`` N x [file name] (each name a one-element list). An image without
a hand gets 21 joints at (0, 0) with confidence 0, so the lists stay as long as the image list.

A long run appends each image's result to ``<file>.partial.jsonl`` (one JSON line per image,
after a header naming the backend) and writes the final file atomically when every image is
done; a rerun resumes from the partial file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from s2hand.data.detections import Detections, write_detections
from s2hand.data.errors import DetectionsError
from s2hand.outputs.atomic import atomic_write_text

PARTIAL_SUFFIX = ".partial.jsonl"


def write_openpose(path: Path, names: Sequence[str], xy: np.ndarray, conf: np.ndarray) -> None:
    """Write one detection file with the loader's own (atomic) writer."""
    write_detections(Path(path), Detections(np.asarray(xy, np.float64),
                                            np.asarray(conf, np.float64), list(names)))


class PartialResults:
    """The per-image results of an unfinished detection file, kept on disk line by line.

    ``header`` (e.g. the backend and its options) is the first line; resuming with a different
    header is refused so that one file never mixes two detectors.
    """

    def __init__(self, final_path: Path, header: dict):
        self.path = Path(str(final_path) + PARTIAL_SUFFIX)
        self.header = header
        self.done: dict[str, tuple[list, list]] = {}
        if self.path.is_file():
            self._load()

    def _load(self) -> None:
        lines = self.path.read_text().splitlines()
        try:
            header = json.loads(lines[0]) if lines else None
        except json.JSONDecodeError:
            header = None
        if header != self.header:
            raise DetectionsError(
                f"{self.path}: an unfinished run with different settings ({header}) is there; "
                f"this run uses {self.header}. Delete the file to start over, or rerun with "
                "the same backend options to resume.")
        for line in lines[1:]:
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                break  # the last line of an interrupted run may be cut short
            self.done[item["name"]] = (item["xy"], item["conf"])
        # Rewrite without a cut-off last line so that appends start on a fresh line.
        self._rewrite()

    def _rewrite(self) -> None:
        rows = [json.dumps(self.header)] + [
            json.dumps({"name": n, "xy": xy, "conf": c}) for n, (xy, c) in self.done.items()]
        atomic_write_text(self.path, "\n".join(rows) + "\n")

    def add(self, name: str, xy: np.ndarray, conf: np.ndarray) -> None:
        """Record one image (flushed at once)."""
        entry = (np.round(xy, 2).tolist(), np.round(conf, 4).tolist())
        self.done[name] = entry
        if not self.path.is_file():
            self._rewrite()
            return
        with self.path.open("a") as f:
            f.write(json.dumps({"name": name, "xy": entry[0], "conf": entry[1]}) + "\n")

    def arrays(self, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``xy (N,21,2)`` and ``conf (N,21)`` for ``names`` (all must be done)."""
        xy = np.array([self.done[n][0] for n in names], dtype=np.float64).reshape(-1, 21, 2)
        conf = np.array([self.done[n][1] for n in names], dtype=np.float64).reshape(-1, 21)
        return xy, conf

    def finish(self, final_path: Path, names: Sequence[str]) -> None:
        """Write the final file and remove the partial one."""
        xy, conf = self.arrays(names)
        write_openpose(final_path, names, xy, conf)
        self.path.unlink(missing_ok=True)
