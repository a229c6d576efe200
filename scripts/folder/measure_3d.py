"""3D error of a checkpoint on a Folder config's held-out images, against GT kept aside.

The Folder dataset has no labels; for a folder written by ``make_shifted_folder.py`` the GT
JSON (``{image name: {"joints", "verts"}}``, camera frame, metres) measures what adaptation did.
The held-out split is built exactly as the training run builds it (same config, same cache,
same detections and crops); predictions of mirrored (left) crops are mirrored back.

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

from s2hand.config import ConfigError, load_config
from s2hand.data.errors import DataError
from s2hand.data.hand_crop import unmirror_points
from s2hand.engine.checkpoint import CheckpointError
from s2hand.evaluation import evaluate_predictions
from s2hand.experiment.data import build_eval_splits
from s2hand.experiment.method import build_method

KEYS = {"xyz_mean3d": "MPJPE (cm)", "xyz_al_mean3d": "PA-MPJPE (cm)",
        "mesh_al_mean3d": "PA-MPVPE (cm)"}


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
    gt = json.loads(Path(gt_path).read_text())
    absent = [n for n in dataset.names if n not in gt]
    if absent:
        raise DataError(f"{gt_path}: no GT for {len(absent)} held-out images (first: "
                        f"{absent[0]}); is it the GT of this folder?")
    xyz, verts = [], []
    for batch in split.loader:
        out = model(batch.images, batch.intrinsics, requires=("joints", "verts"))
        xyz.append(out.joints.double().numpy())
        verts.append(out.vertices.double().numpy())
    xyz_a, verts_a = np.concatenate(xyz), np.concatenate(verts)
    for k, mirrored in enumerate(dataset.mirrored):
        xyz_a[k] = unmirror_points(xyz_a[k], bool(mirrored))
        verts_a[k] = unmirror_points(verts_a[k], bool(mirrored))
    gt_xyz = np.array([gt[n]["joints"] for n in dataset.names])
    gt_verts = np.array([gt[n]["verts"] for n in dataset.names])
    scores = evaluate_predictions(xyz_a, verts_a, gt_xyz, gt_verts, dataset="freihand")
    return {"held_out_images": len(dataset), **{k: float(scores[k]) for k in KEYS}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--checkpoint", type=Path, required=True)
    p.add_argument("--gt", type=Path, required=True)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--out", type=Path, default=None, help="also write the scores as JSON")
    args = p.parse_args(argv)
    try:
        scores = measure(args.config, args.checkpoint, args.gt, args.set)
    except (ConfigError, CheckpointError) as err:
        print(f"measure_3d: error: {err}", file=sys.stderr)
        return 2
    except (DataError, OSError, json.JSONDecodeError, KeyError) as err:
        print(f"measure_3d: error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(scores))
    for key, label in KEYS.items():
        print(f"{label}: {scores[key]:.3f}")
    if args.out is not None:
        args.out.write_text(json.dumps(scores, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
