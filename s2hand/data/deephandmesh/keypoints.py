"""DeepHandMesh's 3D keypoint files ``keypoints{frame:04d}.pts`` (deephandmesh.md §8).

Each line is ``joint_idx x y z score_sum num_view`` (world mm). Indices 0-20 are the right
hand, 21-41 the left; only the right hand is read, mapped by name onto the skeleton's joints
(:data:`PTS_JOINT_NAMES` gives the names of indices 0-20 in file order). A joint missing from
the file keeps ``(1, 1, 1)`` with valid 0, as the original; ``thumb0`` never has one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from s2hand.data.errors import DataError, missing

PTS_JOINT_NAMES: tuple[str, ...] = tuple(
    [f"b_r_{finger}{k}" for finger in ("thumb", "index", "middle", "ring", "pinky")
     for k in ("_null", "3", "2", "1")] + ["b_r_wrist"])
NUM_HAND_KEYPOINTS = 21
NUM_FILE_KEYPOINTS = 42
MISSING_VALUE = 1.0


def read_pts(path: str | Path, joint_names: tuple[str, ...] | list[str]
             ) -> tuple[np.ndarray, np.ndarray]:
    """Right-hand keypoints of a ``.pts`` file in the skeleton's joint order.

    Returns ``world (J, 3)`` float64 mm and ``valid (J, 1)`` float64. Raises
    :class:`DataError` naming the file and line for a malformed line, an index outside 0..41,
    a repeated index, or non-finite coordinates; and naming a file keypoint whose joint is not
    in ``joint_names``.
    """
    path = Path(path)
    if not path.is_file():
        raise missing(path, "a DeepHandMesh keypoint file (.pts)")
    slot = {name: j for j, name in enumerate(joint_names)}
    absent = [n for n in PTS_JOINT_NAMES if n not in slot]
    if absent:
        raise DataError(f"{path}: the skeleton has no joint named {', '.join(absent)}; the .pts "
                        f"right hand needs {', '.join(PTS_JOINT_NAMES)}.")
    world = np.full((len(joint_names), 3), MISSING_VALUE)
    valid = np.zeros((len(joint_names), 1))
    seen: dict[int, int] = {}
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) != 6:
            raise DataError(f"{path}, line {lineno}: expected 6 values 'joint_idx x y z "
                            f"score_sum num_view', got {len(tokens)}: {line.strip()!r}.")
        try:
            idx = int(tokens[0])
            xyz = np.array([float(t) for t in tokens[1:4]])
            float(tokens[4]), float(tokens[5])        # unused, but must be numbers
        except ValueError:
            raise DataError(f"{path}, line {lineno}: expected an integer joint index and five "
                            f"numbers, got {line.strip()!r}.") from None
        if not 0 <= idx < NUM_FILE_KEYPOINTS:
            raise DataError(f"{path}, line {lineno}: joint index {idx} outside 0..41 "
                            "(0-20 right hand, 21-41 left hand).")
        if idx in seen:
            raise DataError(f"{path}, line {lineno}: joint index {idx} already given on line "
                            f"{seen[idx]}.")
        seen[idx] = lineno
        if not np.isfinite(xyz).all():
            raise DataError(f"{path}, line {lineno}: non-finite coordinates {tokens[1:4]}.")
        if idx < NUM_HAND_KEYPOINTS:
            j = slot[PTS_JOINT_NAMES[idx]]
            world[j], valid[j] = xyz, 1.0
    return world, valid


def format_pts(right: np.ndarray, left: np.ndarray | None = None, num_view: int = 1) -> str:
    """Text of a ``.pts`` file for ``right (21, 3)`` in file order (and ``left``, or the right
    hand again as a placeholder when ``None``)."""
    left = right if left is None else left
    rows = [f"{i} {x!r} {y!r} {z!r} {float(num_view)!r} {num_view}"
            for i, (x, y, z) in enumerate(np.concatenate([right, left]).astype(float).tolist())]
    return "\n".join(rows) + "\n"
