#!/usr/bin/env python
"""Generate OpenHand and write it as a MANO-format ``.npz`` (default: the shipped asset).

``--figure PATH`` also renders a few poses (flat, mean, three samples of the pose PCA) from
the back, the palm and the thumb side with ``s2hand.render``. Each file is written whole
(temporary file, then renamed) and a file named by ``--out`` or ``--figure`` is replaced, as
``s2hand-convert-mano`` replaces its output. Exit status: 0 done, 1 a failed write, 2 bad
usage, 130 / 143 after Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from openhand import build_open_hand
from s2hand.cli.errors import UsageError, run_reporting_errors
from s2hand.cli.interrupts import KEPT_WHOLE_FILES, run_interruptible
from s2hand.hand import HandModel, ManoLayer
from s2hand.hand.hand_model import default_hand_model_path, save_hand_model
from s2hand.outputs import atomic_savefig

PROG = "make_open_hand"

SKIN = (0.87, 0.64, 0.55)
# Camera-from-hand rotations (columns: images of the hand's x, y, z axes). Fingers (-x) point
# up in the image; back view: back of the hand (+y) towards the camera.
VIEWS = {
    "back": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0), (-1.0, 0.0, 0.0)),
    "palm": ((0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (1.0, 0.0, 0.0)),
    "thumb side": ((0.0, 1.0, 0.0), (-1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),
}


def render_figure(model: HandModel, path: Path, seed: int = 0, size: int = 256) -> Path:
    """Render flat, mean and three sampled poses from three views into one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from s2hand.render import Renderer

    gen = torch.Generator().manual_seed(seed)
    comps = torch.as_tensor(model.hands_components, dtype=torch.float32)
    mean = torch.as_tensor(model.hands_mean, dtype=torch.float32)
    poses = torch.cat([torch.zeros(1, 45), mean[None],
                       mean + torch.randn(3, 45, generator=gen) @ comps])
    titles = ["flat", "mean pose", "PCA sample 1", "PCA sample 2", "PCA sample 3"]
    layer = ManoLayer(model, use_pca=False, flat_hand_mean=True)
    with torch.no_grad():
        verts = layer(torch.zeros(len(poses), 3), poses).vertices
    verts = verts - verts.mean(dim=1, keepdim=True)
    renderer = Renderer(image_size=size, background_color=(1.0, 1.0, 1.0))
    focal = 2.6 * size
    K = torch.tensor([[focal, 0, size / 2], [0, focal, size / 2], [0, 0, 1.0]])
    fig, axes = plt.subplots(len(VIEWS), len(poses), figsize=(2.2 * len(poses), 2.3 * len(VIEWS)))
    for row, (name, columns) in enumerate(VIEWS.items()):
        rot = torch.tensor(columns).T
        cam = verts @ rot.T + torch.tensor([0.0, 0.0, 0.6])
        textures = torch.tensor(SKIN).expand(len(poses), layer.num_faces, 3)
        images = renderer(cam, layer.faces, K.expand(len(poses), 3, 3), textures=textures,
                          outputs=("rgb",)).rgb
        for col, image in enumerate(images):
            ax = axes[row, col]
            ax.imshow(image.permute(1, 2, 0).clamp(0, 1).numpy())
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(titles[col], fontsize=9)
            if col == 0:
                ax.set_ylabel(name, fontsize=9)
    fig.suptitle(f"{model.name}: {model.num_vertices} vertices, {len(model.faces)} faces",
                 fontsize=10)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=90)
    plt.close(fig)
    return path


def _run(args: argparse.Namespace) -> int:
    if args.out.suffix != ".npz":
        raise UsageError(f"--out must end in .npz (the format load_hand_model reads), got "
                         f"{args.out}")
    if args.figure is not None and args.figure.suffix.lower() != ".png":
        raise UsageError(f"--figure must end in .png, got {args.figure}")
    model = build_open_hand(seed=args.seed)
    path = save_hand_model(model, args.out)
    print(f"wrote {path}: {model.num_vertices} vertices, {len(model.faces)} faces, "
          f"{model.num_betas} shape directions, tips {model.tip_ids.tolist()}")
    if args.figure:
        print(f"wrote {render_figure(model, args.figure, seed=args.seed)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_hand_model_path(),
                        help="output .npz (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--figure", type=Path, default=None,
                        help="also render a PNG of a few poses to this path")
    args = parser.parse_args(argv)
    # A failed write (OutputWriteError, an OSError naming the file) is a failed run (1).
    return run_interruptible(PROG, lambda: run_reporting_errors(
        PROG, _run, args, (UsageError,), (OSError,)), KEPT_WHOLE_FILES)


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    sys.exit(main())
