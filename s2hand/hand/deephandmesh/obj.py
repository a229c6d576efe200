"""DeepHandMesh's OBJ subset: ``v``, ``vt`` and triangle ``f a/at b/bt c/ct`` lines.

Reading (deephandmesh.md §2, ``Mesh.load_obj``): lines are split on single spaces; ``v`` takes
its first three numbers (**times** ``scale``: the model's ``hand.obj`` is in cm and the original
multiplies by 10 to get mm), ``vt`` its first two; each face corner must carry a vertex and a
texture index (``a/at`` or ``a/at/an``; the normal index is ignored), 1-based. Other line types
(``vn``, ``o``, ``g``, ``s``, ``usemtl``, comments) are ignored, as there. Stricter than the
original: faces must be triangles with indices in range (it would misread anything else).

Writing (``Mesh.save_obj``): ``v`` (divided by ``scale``), ``vt``, ``f a/at b/bt c/ct``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from s2hand.hand.deephandmesh.errors import HandModelFileError
from s2hand.hand.deephandmesh.text_files import (
    data_lines,
    format_number,
    parse_float,
    parse_int,
    write_text,
)

CM_TO_MM = 10.0


def read_obj(path: str | Path, scale: float = CM_TO_MM
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(vertices (V,3) * scale, uvs (Vt,2), faces (F,3), uv_faces (F,3))``, 0-based int64."""
    path = Path(path)
    verts, uvs, faces, uv_faces = [], [], [], []
    for number, tokens in data_lines(path):
        while len(tokens) > 1 and not tokens[-1].strip():   # trailing spaces
            tokens = tokens[:-1]
        kind, values = tokens[0], tokens[1:]
        if kind == "v":
            if len(values) < 3:
                raise HandModelFileError(path, f"vertex needs 3 coordinates, found {values}",
                                         number)
            verts.append([parse_float(path, number, t, "vertex coordinate") for t in values[:3]])
        elif kind == "vt":
            if len(values) < 2:
                raise HandModelFileError(path, f"texture coordinate needs 2 numbers, found "
                                         f"{values}", number)
            uvs.append([parse_float(path, number, t, "texture coordinate") for t in values[:2]])
        elif kind == "f":
            if len(values) != 3:
                raise HandModelFileError(path, f"faces must be triangles, found {len(values)} "
                                         f"corners {values}", number)
            corner = [_corner(path, number, t) for t in values]
            faces.append([c[0] for c in corner])
            uv_faces.append([c[1] for c in corner])
    if not verts or not faces:
        raise HandModelFileError(path, f"found {len(verts)} 'v' and {len(faces)} 'f' lines; "
                                 "expected a mesh with vertices, texture coordinates and faces")
    v = np.asarray(verts) * scale
    f = np.asarray(faces, dtype=np.int64)
    vt = np.asarray(uvs, dtype=np.float64).reshape(-1, 2)
    ft = np.asarray(uv_faces, dtype=np.int64)
    for name, idx, count in (("vertex", f, len(v)), ("texture", ft, len(vt))):
        if idx.min() < 0 or idx.max() >= count:
            bad = int(idx.max() if idx.max() >= count else idx.min()) + 1
            raise HandModelFileError(path, f"face {name} index {bad} is outside 1..{count}")
    return v, vt, f, ft


def _corner(path: Path, line: int, token: str) -> tuple[int, int]:
    parts = token.split("/")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise HandModelFileError(path, f"face corner {token!r} must be 'v/vt' (a vertex and a "
                                 "texture index)", line)
    return (parse_int(path, line, parts[0], "face vertex index") - 1,
            parse_int(path, line, parts[1], "face texture index") - 1)


def write_obj(path: str | Path, vertices: np.ndarray, uvs: np.ndarray, faces: np.ndarray,
              uv_faces: np.ndarray, scale: float = CM_TO_MM, digits: int | None = None) -> None:
    """Write ``vertices / scale`` (``scale=1`` writes them as given, like the original's
    ``save_obj`` for its mm outputs), ``uvs`` and 1-based faces; ``digits`` as in
    :func:`format_number`."""
    lines = ["v " + " ".join(format_number(x / scale, digits) for x in p) + "\n"
             for p in np.asarray(vertices, dtype=np.float64)]
    lines += ["vt " + " ".join(format_number(x, digits) for x in p) + "\n"
              for p in np.asarray(uvs, dtype=np.float64)]
    lines += ["f " + " ".join(f"{a + 1}/{b + 1}" for a, b in zip(f, ft, strict=True)) + "\n"
              for f, ft in zip(np.asarray(faces), np.asarray(uv_faces), strict=True)]
    write_text(Path(path), "".join(lines))
