"""3D error of a checkpoint on a Folder config's held-out images, against GT kept aside.

The Folder dataset has no labels; for a folder written by ``make_shifted_folder.py`` the GT
JSON (``{image name: {"joints", "verts"}}``, camera frame, metres) measures what adaptation did.
The held-out split is built exactly as the training run builds it (same config, same cache,
same detections and crops); predictions of mirrored (left) crops are mirrored back. ``--out``
(replaced if it exists) is written whole. Exit status: 0 done, 1 a bad checkpoint, GT file or
dataset, 2 a bad config or option, 130 / 143 after Ctrl-C / SIGTERM.

    python scripts/folder/measure_3d.py --config configs/folder/demo-adapt.json \
        --checkpoint outputs/folder/demo-adapt/model/latest.t7 --gt data/folder_shifted/gt.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from s2hand.cli.errors import run_reporting_errors
from s2hand.cli.interrupts import KEPT_WHOLE_FILES, run_interruptible
from s2hand.config import ConfigError, load_config
from s2hand.data.errors import DataError
from s2hand.data.hand_crop import unmirror_points
from s2hand.engine.checkpoint import CheckpointError
from s2hand.evaluation import evaluate_predictions
from s2hand.experiment.data import build_eval_splits
from s2hand.experiment.method import build_method
from s2hand.outputs import atomic_write_text

PROG = "measure_3d"

KEYS = {"xyz_mean3d": "MPJPE (cm)", "xyz_al_mean3d": "PA-MPJPE (cm)",
        "mesh_al_mean3d": "PA-MPVPE (cm)"}


def read_gt(path: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(N, 21, 3)`` joints and ``(N, V, 3)`` vertices of ``names`` from a GT JSON written by
    ``make_shifted_folder.py``; :class:`DataError` names the file, the image and the key."""
    try:
        gt = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError(f"{path}: cannot read it as JSON ({err}); expected the GT file "
                        "make_shifted_folder.py wrote (--gt)") from None
    if not isinstance(gt, dict):
        raise DataError(f"{path}: holds a JSON {type(gt).__name__}; expected an object "
                        "{image name: {\"joints\", \"verts\"}}")
    if not names:
        raise DataError(f"{path}: the config's held-out split has no images to measure")
    absent = [n for n in names if n not in gt]
    if absent:
        raise DataError(f"{path}: no GT for {len(absent)} held-out images (first: "
                        f"{absent[0]}); is it the GT of this folder?")
    joints = np.stack([_points(path, n, gt[n], "joints", 21) for n in names])
    first = _points(path, names[0], gt[names[0]], "verts", None)
    verts = np.stack([_points(path, n, gt[n], "verts", len(first)) for n in names])
    return joints, verts


def _points(path: Path, name: str, entry: object, key: str, count: int | None) -> np.ndarray:
    """``entry[key]`` as ``(count, 3)`` finite floats (any count when None)."""
    try:
        points = np.asarray(entry[key], dtype=np.float64)
    except (TypeError, KeyError, IndexError, ValueError):
        points = None
    if (points is None or points.ndim != 2 or points.shape[1] != 3
            or (count is not None and len(points) != count)):
        raise DataError(f"{path}: image {name!r}, key {key!r}: expected a list of "
                        f"{count or 'V'} [x, y, z] points (metres)")
    if not np.isfinite(points).all():
        raise DataError(f"{path}: image {name!r}, key {key!r}: holds NaN or infinite numbers; "
                        "expected finite [x, y, z] points (metres)")
    return points


@torch.no_grad()
def measure(config_path: Path, checkpoint: Path, gt_path: Path,
            overrides: list[str]) -> dict[str, float]:
    """Official FreiHAND scores of ``checkpoint`` on the held-out split of the config."""
    config = load_config(config_path, [*overrides, f"pretrain_model={checkpoint}",
                                       "val_datasets=[\"Folder\"]"], check_paths=False)
    method = build_method(config)
    model = method.build_model()
    method.load_pretrained(model)
    model.eval()
    split = build_eval_splits(config)["Folder"]
    dataset = split.loader.dataset
    gt_xyz, gt_verts = read_gt(gt_path, list(dataset.names))
    xyz, verts = [], []
    for batch in split.loader:
        out = model(batch.images, batch.intrinsics, requires=("joints", "verts"))
        xyz.append(out.joints.double().numpy())
        verts.append(out.vertices.double().numpy())
    xyz_a, verts_a = np.concatenate(xyz), np.concatenate(verts)
    for k, mirrored in enumerate(dataset.mirrored):
        xyz_a[k] = unmirror_points(xyz_a[k], bool(mirrored))
        verts_a[k] = unmirror_points(verts_a[k], bool(mirrored))
    if gt_verts.shape[1] != verts_a.shape[1]:
        raise DataError(f"{gt_path}: {gt_verts.shape[1]} vertices per hand, the model's mesh "
                        f"has {verts_a.shape[1]}; is it the GT of a folder made with this hand "
                        "model?")
    scores = evaluate_predictions(xyz_a, verts_a, gt_xyz, gt_verts, dataset="freihand")
    return {"held_out_images": len(dataset), **{k: float(scores[k]) for k in KEYS}}


def _run(args: argparse.Namespace) -> int:
    scores = measure(args.config, args.checkpoint, args.gt, args.set)
    print(json.dumps(scores))
    for key, label in KEYS.items():
        print(f"{label}: {scores[key]:.3f}")
    if args.out is not None:
        atomic_write_text(args.out, json.dumps(scores, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--checkpoint", type=Path, required=True)
    p.add_argument("--gt", type=Path, required=True)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--out", type=Path, default=None, help="also write the scores as JSON")
    args = p.parse_args(argv)
    # A bad config or --set is bad usage (2); a bad checkpoint, GT file or image folder, or a
    # failed write, is bad data (1).
    return run_interruptible(PROG, lambda: run_reporting_errors(
        PROG, _run, args, (ConfigError,), (CheckpointError, DataError, OSError)),
        KEPT_WHOLE_FILES)


if __name__ == "__main__":
    sys.exit(main())
