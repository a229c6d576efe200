#!/usr/bin/env python
"""Generate the open DeepHandMesh hand model from OpenHand and write its six files.

Default output: the shipped ``s2hand/hand/assets/deephandmesh_open/`` (replaced: regenerating it
is what the tool is for). Another ``--out`` folder that already holds hand-model files (e.g.
the original DeepHandMesh model) is refused unless ``--overwrite`` is given. The build is
deterministic: the same OpenHand file gives byte-identical files; the six are written
together (a stop waits until the last is written), so the folder holds one build. ``--figure
PATH`` also renders the bind pose (coloured by skin segment) and the demo presets from three
views (the named PNG is replaced). Exit status: 0 done, 1 an unreadable ``--open-hand`` or a
failed write, 2 bad usage, 130 / 143 after Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from s2hand.cli.dhm_demo import save_views_figure
from s2hand.cli.errors import UsageError, run_reporting_errors
from s2hand.cli.interrupts import KEPT_WHOLE_FILES, run_interruptible
from s2hand.hand import load_hand_model
from s2hand.hand.deephandmesh.hand_model import (
    FILE_NAMES,
    default_dhm_hand_model_dir,
    load_dhm_hand_model,
    save_dhm_hand_model,
)
from s2hand.hand.deephandmesh.open_model import build_open_dhm_hand_model
from s2hand.hand.deephandmesh.presets import PRESETS
from s2hand.models.deephandmesh.model import DeepHandMesh
from s2hand.stopping import hold_stop_signals

PROG = "make_dhm_hand_model"

# Significant digits of the OBJ (cm) and the weights: 1e-4 mm and 1e-7, a small file.
DIGITS = 7


def segment_colors(segmentation: np.ndarray, num_joints: int) -> torch.Tensor:
    """A distinct colour per joint (HSV wheel), per vertex by its segment: ``(V, 3)``."""
    import matplotlib.colors

    hues = (np.arange(num_joints) * 0.618034) % 1.0
    palette = matplotlib.colors.hsv_to_rgb(np.stack([hues, np.full(num_joints, 0.55),
                                                     np.full(num_joints, 0.95)], axis=1))
    return torch.as_tensor(palette[segmentation], dtype=torch.float32)


def render_figure(directory: Path, path: Path) -> Path:
    hand = load_dhm_hand_model(directory)
    model = DeepHandMesh(hand, backbone=False).zero_correctives_()
    names = ["flat", "fist", "pinch", "point"]
    euler = torch.as_tensor(np.stack([np.zeros((hand.num_joints, 3))]
                                     + [PRESETS[n] for n in names]), dtype=torch.float32)
    with torch.no_grad():
        meshes = model.decode(euler).mesh
    colors = torch.cat([segment_colors(hand.segmentation, hand.num_joints)[None],
                        torch.tensor((0.87, 0.64, 0.55)).expand(len(names), hand.num_vertices,
                                                                3)])
    rows = {"segments": meshes[:1], **{n: meshes[i + 1:i + 2] for i, n in enumerate(names)}}
    return save_views_figure(rows, model.faces, path, image_size=200, colors=colors)


def _run(args: argparse.Namespace) -> int:
    out = default_dhm_hand_model_dir() if args.out is None else args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; expected a folder for the six hand-model "
                         "files")
    existing = [name for name in FILE_NAMES if (out / name).exists()]
    if existing and args.out is not None and not args.overwrite:
        raise UsageError(f"--out {out} already holds {', '.join(existing)} (a hand model this "
                         "tool may not have written); choose another --out, or pass "
                         "--overwrite to replace them")
    model = build_open_dhm_hand_model(load_hand_model(args.open_hand))
    with hold_stop_signals():
        save_dhm_hand_model(model, out, overwrite=True, digits=DIGITS)
    print(f"wrote {out}: {model.num_vertices} vertices, {len(model.faces)} faces, "
          f"{len(model.uvs)} texture coordinates, {model.num_joints} joints, "
          f"{int(model.dof.sum())} DoF")
    if args.figure:
        print(f"wrote {render_figure(out, args.figure)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--open-hand", type=Path, default=None,
                        help="OpenHand .npz to start from (default: the shipped one)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"output folder (default: the shipped {default_dhm_hand_model_dir()})")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the hand-model files already in --out")
    parser.add_argument("--figure", type=Path, default=None, help="also render a PNG here")
    args = parser.parse_args(argv)
    # An unreadable or unsuitable --open-hand (ValueError) or a failed write is bad data (1).
    return run_interruptible(PROG, lambda: run_reporting_errors(
        PROG, _run, args, (UsageError,), (ValueError, OSError)), KEPT_WHOLE_FILES)


if __name__ == "__main__":
    sys.exit(main())
