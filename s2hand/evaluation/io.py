"""Reading and writing ``pred.json`` submissions, ground truth and score files.

Submission format (evaluation.md §1.6, §2.5): JSON ``[xyz_list, verts_list]``, one entry per
evaluation sample in index order, metres. FreiHAND: joints in FreiHAND order, OpenCV camera
frame. HO3D (v2 and v3): joints in **HO3D order** and joints **and** vertices in the **OpenGL**
frame (y and z negated); S2HAND left the vertices in OpenCV (s2hand.md §6 Q4), fixed here.
Internally (model outputs, refinement) joints are FreiHAND order in the OpenCV frame.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from s2hand.evaluation.evaluate import (
    EvaluationInputError,
    EvaluationResult,
    evaluate_predictions,
)
from s2hand.evaluation.point_json import parse_point_lists
from s2hand.hand.joint_orders import FREI_TO_HO3D, HO3D_TO_FREI
from s2hand.outputs import atomic_write_text

# diag(1,-1,-1): OpenCV <-> OpenGL (its own inverse).
OPENGL_FLIP = np.array([1.0, -1.0, -1.0])
# Official evaluation split sizes (fh_utils.db_size / HO3D vis_utils.db_size).
EVAL_SIZES = {("freihand", None): 3960, ("ho3d", "v2"): 11524, ("ho3d", "v3"): 20137}
GT_FILES = ("evaluation_xyz.json", "evaluation_verts.json")


def to_submission_frame(xyz: np.ndarray, verts: np.ndarray, dataset: str
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Internal (FreiHAND order, OpenCV) -> the dataset's submission convention.

    xyz: (N,21,3), verts: (N,V,3). ``"ho3d"``: reorder joints to HO3D and flip y, z of joints
    and vertices; ``"freihand"``: unchanged.
    """
    xyz, verts = np.asarray(xyz, np.float64), np.asarray(verts, np.float64)
    if dataset == "freihand":
        return xyz, verts
    if dataset == "ho3d":
        return xyz[:, list(FREI_TO_HO3D)] * OPENGL_FLIP, verts * OPENGL_FLIP
    raise EvaluationInputError(f"dataset: expected 'freihand' or 'ho3d', got {dataset!r}")


def from_submission_frame(xyz: np.ndarray, verts: np.ndarray, dataset: str
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`to_submission_frame`."""
    xyz, verts = np.asarray(xyz, np.float64), np.asarray(verts, np.float64)
    if dataset == "freihand":
        return xyz, verts
    if dataset == "ho3d":
        return (xyz * OPENGL_FLIP)[:, list(HO3D_TO_FREI)], verts * OPENGL_FLIP
    raise EvaluationInputError(f"dataset: expected 'freihand' or 'ho3d', got {dataset!r}")


def write_pred_json(path: str | Path, xyz: object, verts: object, dataset: str = "freihand",
                    decimals: int | None = 7) -> Path:
    """Write a submission file from internal predictions.

    xyz: (N,21,3) FreiHAND order, verts: (N,V,3), both OpenCV camera frame, metres (numpy or
    torch). Converted with :func:`to_submission_frame`. ``decimals`` rounds the metres (7 =
    0.1 um, about float32 resolution; keeps the file small and fast to write); None keeps
    full precision.
    """
    xyz_np, verts_np = _as_points(xyz, "xyz", 21), _as_points(verts, "verts", None)
    if xyz_np.shape[0] != verts_np.shape[0]:
        raise EvaluationInputError(
            f"write_pred_json: {xyz_np.shape[0]} joint sets but {verts_np.shape[0]} meshes")
    xyz_np, verts_np = to_submission_frame(xyz_np, verts_np, dataset)
    if decimals is not None:
        # +0.0 turns -0.0 into 0.0 so the file does not carry meaningless signs.
        xyz_np, verts_np = np.round(xyz_np, decimals) + 0.0, np.round(verts_np, decimals) + 0.0
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # json.dumps uses the C encoder; json.dump (streaming) falls back to pure Python.
    atomic_write_text(path, json.dumps([xyz_np.tolist(), verts_np.tolist()]))
    return path


def _as_points(x: object, name: str, num_points: int | None) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().double().numpy()
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise EvaluationInputError(
            f"{name}: not a rectangular numeric array (every sample must have the same number "
            f"of points): {err}") from err
    if arr.ndim != 3 or arr.shape[-1] != 3 or (num_points and arr.shape[1] != num_points):
        want = f"(N,{num_points},3)" if num_points else "(N,V,3)"
        raise EvaluationInputError(f"{name}: expected shape {want}, got {arr.shape}")
    return arr


def _load_points(path: Path, what: str) -> object:
    """Numeric point lists from a JSON file: the fast parser when the file has the expected
    structure, else ``json`` (which also produces the error messages)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise EvaluationInputError(f"{what} file {path} does not exist") from err
    fast = parse_point_lists(raw)
    if fast is not None:
        return fast[0] if len(fast) == 1 else fast
    return _load_json(path, what)


def _load_json(path: Path, what: str) -> object:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError as err:
        raise EvaluationInputError(f"{what} file {path} does not exist") from err
    except UnicodeDecodeError as err:
        raise EvaluationInputError(
            f"{what} file {path} is not text (byte {err.start} is not UTF-8); expected a JSON "
            "file of point lists") from err
    except json.JSONDecodeError as err:
        raise EvaluationInputError(f"{what} file {path} is not valid JSON: {err}") from err


def read_pred_json(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read ``[xyz_list, verts_list]`` as stored (no frame or order conversion).

    Returns ``xyz (N,21,3)`` and ``verts (N,V,3)`` float64.
    """
    path = Path(path)
    data = _load_points(path, "prediction")
    if not isinstance(data, list) or len(data) != 2:
        raise EvaluationInputError(
            f"prediction file {path}: expected a JSON list [xyz_list, verts_list] with 2 "
            f"entries, got a {type(data).__name__}"
            + (f" of length {len(data)}" if isinstance(data, list) else ""))
    xyz = _as_points(data[0], f"{path}[0] (joints)", 21)
    verts = _as_points(data[1], f"{path}[1] (vertices)", None)
    if xyz.shape[0] != verts.shape[0]:
        raise EvaluationInputError(
            f"prediction file {path}: {xyz.shape[0]} joint entries but {verts.shape[0]} "
            "vertex entries; both lists need one entry per evaluation sample")
    return xyz, verts


def find_gt_files(gt: str | Path) -> tuple[Path, Path] | Path:
    """Locate the GT: a directory holding ``evaluation_xyz.json`` and
    ``evaluation_verts.json`` (the dataset root, or its official ``ref/`` sub-folder), or a
    single JSON file ``[xyz_list, verts_list]``."""
    gt = Path(gt)
    if gt.is_file():
        return gt
    for folder in (gt, gt / "ref"):
        files = tuple(folder / name for name in GT_FILES)
        if all(f.is_file() for f in files):
            return files
    raise EvaluationInputError(
        f"ground truth {gt}: expected a directory containing {GT_FILES[0]} and {GT_FILES[1]} "
        "(the dataset root or its ref/ folder) or a JSON file [xyz_list, verts_list]")


def read_gt(gt: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the evaluation GT (see :func:`find_gt_files`): ``xyz (N,21,3)``, ``verts (N,V,3)``."""
    found = find_gt_files(gt)
    if isinstance(found, Path):
        return read_pred_json(found)
    xyz = _as_points(_load_points(found[0], "GT joints"), str(found[0]), 21)
    verts = _as_points(_load_points(found[1], "GT vertices"), str(found[1]), None)
    if xyz.shape[0] != verts.shape[0]:
        raise EvaluationInputError(
            f"ground truth: {found[0]} has {xyz.shape[0]} samples, {found[1]} {verts.shape[0]}")
    return xyz, verts


def format_scores_txt(scores: dict[str, float]) -> str:
    """The official ``scores.txt`` body: one ``key: %f`` line per score, in order."""
    return "".join(f"{key}: {value:f}\n" for key, value in scores.items())


def official_lines(result: EvaluationResult) -> list[str]:
    """The lines the official ``eval.py`` prints, for this result."""
    s = result.scores
    blocks = [("3D KP", "xyz", "kp3d")]
    if result.dataset == "freihand":
        blocks.append(("3D KP ALIGNED", "xyz_al", "kp3d"))
    else:
        blocks += [("3D KP PROCRUSTES ALIGNED", "xyz_procrustes_al", "kp3d"),
                   ("3D KP SCALE-TRANSLATION ALIGNED", "xyz_scale_trans_al", "kp3d")]
    if result.shape_is_mano:
        blocks += [("3D MESH", "mesh", "vert3d"), ("3D MESH ALIGNED", "mesh_al", "vert3d")]
    lines = []
    for title, key, unit in blocks:
        lines.append(f"Evaluation {title} results:")
        lines.append(f"auc={s[key + '_auc3d']:.3f}, mean_{unit}_avg={s[key + '_mean3d']:.2f} cm")
    lines.append("F-scores")
    for mm in (5, 15):
        lines.append(f"F@{mm:.1f}mm = {s[f'f_score_{mm}']:.3f} \t"
                     f"F_aligned@{mm:.1f}mm = {s[f'f_al_score_{mm}']:.3f}")
    return lines


def write_scores(out_dir: str | Path, result: EvaluationResult,
                 meta: dict[str, object] | None = None) -> dict[str, Path]:
    """Write ``scores.txt`` (official keys/format), ``scores.json`` (scores, curves, metadata)
    and ``pck_data.json`` (official curve dump, written to ``out_dir`` rather than the CWD)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"txt": out / "scores.txt", "json": out / "scores.json", "pck": out / "pck_data.json"}
    atomic_write_text(paths["txt"], format_scores_txt(result.scores))
    curves = {name: [thr.tolist(), pck.tolist()] for name, (thr, pck) in result.curves.items()}
    payload = {"dataset": result.dataset, "num_samples": result.num_samples,
               "shape_is_mano": result.shape_is_mano, "scores": _json_safe(result.scores),
               "curves": curves, **(meta or {})}
    atomic_write_text(paths["json"], json.dumps(payload, indent=1))
    atomic_write_text(paths["pck"], json.dumps(curves))
    return paths


def _json_safe(scores: dict[str, float]) -> dict[str, float | None]:
    """NaN is not valid JSON; store it as null."""
    return {k: (None if np.isnan(v) else v) for k, v in scores.items()}


def read_scores(path: str | Path) -> dict[str, float]:
    """Read ``scores.txt`` or ``scores.json`` (as written by :func:`write_scores` or the
    official script) into ``{key: value}``; a directory means ``<dir>/scores.json`` or
    ``<dir>/scores.txt``."""
    path = Path(path)
    if path.is_dir():
        for name in ("scores.json", "scores.txt"):
            if (path / name).is_file():
                return read_scores(path / name)
        raise EvaluationInputError(f"{path}: no scores.json or scores.txt inside")
    if path.suffix == ".json":
        data = _load_json(path, "scores")
        scores = data.get("scores", data) if isinstance(data, dict) else None
        if not isinstance(scores, dict):
            raise EvaluationInputError(f"{path}: expected an object with a 'scores' mapping")
        # Non-numeric entries (names, paths in a flat summary) are not scores.
        return {k: (float("nan") if v is None else float(v)) for k, v in scores.items()
                if v is None or (isinstance(v, int | float) and not isinstance(v, bool))}
    out = {}
    try:
        text = path.read_text()
    except FileNotFoundError as err:
        raise EvaluationInputError(f"scores file {path} does not exist") from err
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        try:
            out[key.strip()] = float(value)
        except ValueError as err:
            raise EvaluationInputError(
                f"{path}:{n}: expected 'key: number', got {line!r}") from err
        if not sep:
            raise EvaluationInputError(f"{path}:{n}: expected 'key: number', got {line!r}")
    return out


def evaluate_internal(pred_xyz: object, pred_verts: object, gt_xyz: object, gt_verts: object,
                      dataset: str = "freihand") -> dict[str, float]:
    """:func:`evaluate_predictions` for arrays in the internal convention (FreiHAND joint
    order, OpenCV frame, e.g. model outputs and normalised batches): both sides are converted
    to the dataset's file convention first, so HO3D's scale-translation alignment sees its
    own joint order (joint 4 = middle MCP)."""
    pred = to_submission_frame(_as_points(pred_xyz, "pred_xyz", 21),
                               _as_points(pred_verts, "pred_verts", None), dataset)
    gt = to_submission_frame(_as_points(gt_xyz, "gt_xyz", 21),
                             _as_points(gt_verts, "gt_verts", None), dataset)
    return evaluate_predictions(pred[0], pred[1], gt[0], gt[1], dataset=dataset)
