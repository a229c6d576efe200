"""Readers and writers of DeepHandMesh's text files: skeleton, skinning weights, pose files.

Formats as the original parsers read them (deephandmesh.md §2). Every line is split on single
spaces (so two spaces make an empty field, which is an error); lines starting with ``#`` are
comments. Quirks kept:

* ``skinning_weight.txt``: ``vertex_idx name w name w ... <trailing>``; the last token is always
  dropped (the original's ``split(' ')[:-1]``), so a line must end with a space (or any extra
  token); a line without it loses its last weight and is rejected here.
* ``*_pose.txt``: ``joint_name m00 m01 ... m33 <trailing>``, 16 row-major numbers between the
  name and a dropped last token.
* ``skeleton.txt``: ``joint_name joint_id parent_id``, parent ``-1`` for the root.

Only one leniency: blank lines are skipped (the original's handling of them is not known).
The writers emit exactly these layouts, so the original parsers read their output back.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from s2hand.hand.deephandmesh.errors import HandModelFileError
from s2hand.hand.deephandmesh.skeleton import kinematic_tree
from s2hand.outputs import atomic_write_text

WEIGHT_SUM_TOLERANCE = 1e-3


def data_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """``(line number, tokens)`` of the non-comment, non-blank lines of a text file."""
    if not path.is_file():
        raise HandModelFileError(path, "file not found")
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.startswith("#") or not line.strip():
                continue
            yield number, line.rstrip("\n").split(" ")


def parse_float(path: Path, line: int, token: str, what: str) -> float:
    """A finite float, or an error naming file, line and token."""
    try:
        value = float(token)
    except ValueError:
        raise HandModelFileError(path, f"{what} {token!r} is not a number", line) from None
    if not math.isfinite(value):
        raise HandModelFileError(path, f"{what} {token!r} is not finite", line)
    return value


def parse_int(path: Path, line: int, token: str, what: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise HandModelFileError(path, f"{what} {token!r} is not an integer", line) from None


def read_skeleton(path: str | Path, num_joints: int = 22) -> tuple[tuple[str, ...], np.ndarray]:
    """``skeleton.txt`` -> ``(joint names (J,), parents (J,) int64)``, indexed by joint id."""
    path = Path(path)
    names: dict[int, str] = {}
    parents: dict[int, int] = {}
    lines: dict[str, int] = {}
    for number, tokens in data_lines(path):
        if len(tokens) < 3 or any(t.strip() for t in tokens[3:]):
            raise HandModelFileError(path, f"expected 'joint_name joint_id parent_id', found "
                                     f"{len(tokens)} fields {' '.join(tokens)!r}", number)
        name = tokens[0]
        joint = parse_int(path, number, tokens[1], "joint id")
        parent = parse_int(path, number, tokens[2], "parent id")
        if not 0 <= joint < num_joints:
            raise HandModelFileError(path, f"joint id {joint} of {name!r} is outside "
                                     f"0..{num_joints - 1}", number)
        if joint in names:
            raise HandModelFileError(path, f"joint id {joint} given twice ({names[joint]!r} "
                                     f"and {name!r})", number)
        if name in lines:
            raise HandModelFileError(path, f"joint name {name!r} given twice (also on line "
                                     f"{lines[name]})", number)
        names[joint], parents[joint], lines[name] = name, parent, number
    if len(names) != num_joints:
        missing = sorted(set(range(num_joints)) - set(names))
        raise HandModelFileError(path, f"found {len(names)} joints, expected {num_joints} "
                                 f"(missing ids {missing})")
    parent_arr = np.asarray([parents[j] for j in range(num_joints)], dtype=np.int64)
    try:
        kinematic_tree(parent_arr)
    except ValueError as err:
        raise HandModelFileError(path, f"bad parent ids: {err}") from None
    return tuple(names[j] for j in range(num_joints)), parent_arr


def write_skeleton(path: str | Path, names: Sequence[str], parents: np.ndarray) -> None:
    lines = [f"{name} {j} {int(p)}\n" for j, (name, p) in enumerate(zip(names, parents,
                                                                         strict=True))]
    write_text(Path(path), "".join(lines))


def read_skinning_weights(path: str | Path, names: Sequence[str],
                          num_vertices: int) -> np.ndarray:
    """``skinning_weight.txt`` -> ``(V, J)`` weights; each vertex once, rows summing to ~1."""
    path = Path(path)
    index = {name: j for j, name in enumerate(names)}
    weights = np.zeros((num_vertices, len(names)))
    seen: dict[int, int] = {}
    for number, tokens in data_lines(path):
        fields = tokens[:-1]                                  # the original drops the last
        if len(fields) % 2 == 0:
            raise HandModelFileError(path, "expected 'vertex_idx name weight ... ' with a "
                                     "trailing space (the last token is dropped), found "
                                     f"{' '.join(tokens)!r}", number)
        vertex = parse_int(path, number, fields[0], "vertex index")
        if not 0 <= vertex < num_vertices:
            raise HandModelFileError(path, f"vertex index {vertex} is outside "
                                     f"0..{num_vertices - 1} (hand.obj has {num_vertices} "
                                     "vertices)", number)
        if vertex in seen:
            raise HandModelFileError(path, f"vertex {vertex} given twice (also on line "
                                     f"{seen[vertex]})", number)
        seen[vertex] = number
        for name, token in zip(fields[1::2], fields[2::2], strict=True):
            if name not in index:
                raise HandModelFileError(path, f"joint {name!r} is not in skeleton.txt", number)
            if weights[vertex, index[name]] != 0:
                raise HandModelFileError(path, f"joint {name!r} given twice for vertex "
                                         f"{vertex}", number)
            weights[vertex, index[name]] = parse_float(path, number, token, f"weight of {name}")
        total = weights[vertex].sum()
        if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            raise HandModelFileError(path, f"weights of vertex {vertex} sum to {total:.6g}, "
                                     f"expected 1 (within {WEIGHT_SUM_TOLERANCE})", number)
    if len(seen) != num_vertices:
        missing = sorted(set(range(num_vertices)) - set(seen))
        raise HandModelFileError(path, f"weights given for {len(seen)} of {num_vertices} "
                                 f"vertices; missing e.g. {missing[:5]}")
    return weights


def write_skinning_weights(path: str | Path, names: Sequence[str], weights: np.ndarray,
                           digits: int | None = None) -> None:
    """Only non-zero weights are listed; ``digits`` significant digits (``None``: exact).

    With ``digits``, each row's largest weight is written exactly as one minus the others as
    they will be read, so rows that summed to one still do (linear blend skinning with
    weights that do not sum to one scales the mesh).
    """
    out = []
    for vertex, row in enumerate(weights):
        nonzero = np.flatnonzero(row)
        text = {j: format_number(row[j], digits) for j in nonzero}
        if digits is not None and len(nonzero) and abs(row.sum() - 1.0) < 1e-9:
            big = nonzero[np.argmax(row[nonzero])]
            rest = sum(float(text[j]) for j in nonzero if j != big)
            text[big] = format_number(1.0 - rest, None)
        pairs = "".join(f" {names[j]} {text[j]}" for j in nonzero)
        out.append(f"{vertex}{pairs} \n")
    write_text(Path(path), "".join(out))


def read_pose_file(path: str | Path, names: Sequence[str]) -> np.ndarray:
    """``local_pose.txt`` / ``global_pose.txt`` / ``global_pose_inv.txt`` -> ``(J, 4, 4)``."""
    path = Path(path)
    index = {name: j for j, name in enumerate(names)}
    poses = np.zeros((len(names), 4, 4))
    seen: dict[str, int] = {}
    for number, tokens in data_lines(path):
        name, values = tokens[0], tokens[1:-1]                # the last token is dropped
        if len(values) != 16:
            raise HandModelFileError(path, f"expected a joint name, 16 numbers and a trailing "
                                     f"space, found {len(values)} numbers for {name!r}", number)
        if name not in index:
            raise HandModelFileError(path, f"joint {name!r} is not in skeleton.txt", number)
        if name in seen:
            raise HandModelFileError(path, f"joint {name!r} given twice (also on line "
                                     f"{seen[name]})", number)
        seen[name] = number
        poses[index[name]] = np.reshape(
            [parse_float(path, number, t, f"matrix entry of {name}") for t in values], (4, 4))
    missing = [n for n in names if n not in seen]
    if missing:
        raise HandModelFileError(path, f"no matrix for joints {missing}")
    return poses


def write_pose_file(path: str | Path, names: Sequence[str], poses: np.ndarray,
                    digits: int | None = None) -> None:
    lines = [name + "".join(f" {format_number(x, digits)}" for x in pose.ravel()) + " \n"
             for name, pose in zip(names, poses, strict=True)]
    write_text(Path(path), "".join(lines))


def format_number(value: float, digits: int | None) -> str:
    """``repr`` (exact round trip) or ``digits`` significant digits; ``-0`` becomes ``0``."""
    value = float(value) + 0.0
    return repr(value) if digits is None else f"{value:.{digits}g}"


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (never half-written; see ``s2hand.outputs``)."""
    atomic_write_text(path, text)
