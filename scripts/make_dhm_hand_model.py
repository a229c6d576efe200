#!/usr/bin/env python
"""Generate the open DeepHandMesh hand model from OpenHand and write its six files.

Default output: the shipped ``s2hand/hand/assets/deephandmesh_open/`` (replaced). The build is
deterministic: the same OpenHand file gives byte-identical files. ``--figure PATH`` also renders
the bind pose (coloured by skin segment) and the demo presets from three views.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from s2hand.cli.dhm_demo import save_views_figure
from s2hand.hand import load_hand_model
from s2hand.hand.deephandmesh.hand_model import (
    default_dhm_hand_model_dir,
    load_dhm_hand_model,
    save_dhm_hand_model,
)
from s2hand.hand.deephandmesh.open_model import build_open_dhm_hand_model
from s2hand.hand.deephandmesh.presets import PRESETS
from s2hand.models.deephandmesh.model import DeepHandMesh

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open-hand", type=Path, default=None,
                        help="OpenHand .npz to start from (default: the shipped one)")
    parser.add_argument("--out", type=Path, default=default_dhm_hand_model_dir(),
                        help="output folder (default: %(default)s)")
    parser.add_argument("--figure", type=Path, default=None, help="also render a PNG here")
    args = parser.parse_args(argv)
    model = build_open_dhm_hand_model(load_hand_model(args.open_hand))
    save_dhm_hand_model(model, args.out, overwrite=True, digits=DIGITS)
    print(f"wrote {args.out}: {model.num_vertices} vertices, {len(model.faces)} faces, "
          f"{len(model.uvs)} texture coordinates, {model.num_joints} joints, "
          f"{int(model.dof.sum())} DoF")
    if args.figure:
        print(f"wrote {render_figure(args.out, args.figure)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
