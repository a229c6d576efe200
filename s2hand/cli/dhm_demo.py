"""``s2hand-dhm-demo``: pose a DeepHandMesh model from Euler angles (the original demo).

Writes into ``--out``: ``mesh.obj`` (mm, wrist-local frame, ``v``/``vt``/``f a/at``, as the
original's ``mesh.obj``), ``joints.json`` (22 joints in mm with their names and the angles) and
``views.png`` (the mesh from the back, the palm and the thumb side, rendered with
``s2hand.render``; with a checkpoint, the same pose without correctives beside it).
Without ``--checkpoint`` the model is untrained with zero correctives: plain linear blend
skinning of the template. Also ``python -m s2hand.cli.dhm_demo``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from s2hand.cli.errors import UsageError, run_reporting_errors
from s2hand.cli.interrupts import KEPT_WHOLE_FILES, run_interruptible
from s2hand.hand.deephandmesh.presets import PRESETS
from s2hand.outputs import atomic_savefig

PROG = "s2hand-dhm-demo"
OUTPUT_FILES = ("mesh.obj", "joints.json", "views.png")
# Camera-from-wrist-frame rotations (rows: camera x, y, z) for the shipped model's wrist frame:
# x towards the fingers, y towards the palm, z towards the thumb; fingers point up.
WRIST_FRAME_VIEWS = {
    "back": ((0.0, 0.0, -1.0), (-1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "palm": ((0.0, 0.0, 1.0), (-1.0, 0.0, 0.0), (0.0, -1.0, 0.0)),
    "thumb side": ((0.0, -1.0, 0.0), (-1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),
}


class DemoInputError(ValueError):
    """Bad data given to the demo (exit status 1)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--hand-model", type=Path, default=None, metavar="DIR",
                        help="DeepHandMesh hand-model folder (default: the shipped open model)")
    parser.add_argument("--checkpoint", type=Path, default=None, metavar="PATH",
                        help="original snapshot_{E}.pth.tar or an s2hand DeepHandMesh "
                             "checkpoint (default: untrained, zero correctives)")
    pose = parser.add_mutually_exclusive_group()
    pose.add_argument("--euler", type=Path, default=None, metavar="FILE.json",
                      help="22x3 JSON list of local Euler angles (x, y, z) in radians")
    pose.add_argument("--preset", choices=sorted(PRESETS), default=None,
                      help="a named pose (default: fist, the original demo's)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (created)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace mesh.obj/joints.json/views.png already in --out")
    parser.add_argument("--image-size", type=int, default=256, help="pixels per view")
    parser.add_argument("--device", default="cpu", help="torch device (default: cpu)")
    return parser


def read_euler(path: Path, num_joints: int) -> np.ndarray:
    """A ``(J, 3)`` finite array from a JSON list, or :class:`DemoInputError` saying why."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise DemoInputError(f"cannot read --euler file {path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise DemoInputError(f"--euler file {path} is not valid JSON: {err}") from None
    try:
        euler = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        euler = None
    if euler is None or euler.shape != (num_joints, 3):
        found = "ragged or non-numeric lists" if euler is None else f"shape {euler.shape}"
        raise DemoInputError(f"--euler file {path} must hold a {num_joints}x3 list of numbers "
                             f"(radians, one [x, y, z] per joint), found {found}")
    bad = np.argwhere(~np.isfinite(euler))
    if len(bad):
        j, a = bad[0]
        raise DemoInputError(f"--euler file {path}: value [{j}][{a}] is {euler[j, a]}; all "
                             "angles must be finite numbers (radians)")
    return euler


def save_views_figure(rows: dict[str, object], faces, path: Path, image_size: int = 256,
                      colors=None) -> Path:
    """One row of views per ``{title: (N=1, V, 3) mesh}`` entry, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from s2hand.render.views import render_views

    meshes = torch.cat(list(rows.values()))
    images = render_views(meshes, faces, WRIST_FRAME_VIEWS, colors=colors,
                          image_size=image_size).cpu().numpy()
    views = list(WRIST_FRAME_VIEWS)
    fig, axes = plt.subplots(len(rows), len(views), squeeze=False,
                             figsize=(2.4 * len(views), 2.5 * len(rows)))
    for r, title in enumerate(rows):
        for c, view in enumerate(views):
            ax = axes[r, c]
            ax.imshow(images[r, c])
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(view, fontsize=9)
            if c == 0:
                ax.set_ylabel(title, fontsize=9)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=100)
    plt.close(fig)
    return path


def run(args: argparse.Namespace) -> int:
    import torch

    from s2hand.hand.deephandmesh.hand_model import load_dhm_hand_model
    from s2hand.hand.deephandmesh.obj import write_obj
    from s2hand.hand.deephandmesh.presets import preset_pose
    from s2hand.hand.deephandmesh.text_files import write_text
    from s2hand.methods.deephandmesh.checkpoint import load_dhm_checkpoint
    from s2hand.models.deephandmesh.model import DeepHandMesh

    existing = [n for n in OUTPUT_FILES if (args.out / n).exists()]
    if existing and not args.overwrite:
        raise UsageError(f"{args.out} already holds {', '.join(existing)}; choose another "
                         "--out or pass --overwrite to replace them")
    if args.image_size < 16:
        raise UsageError(f"--image-size must be at least 16, got {args.image_size}")
    try:
        device = torch.device(args.device)
        torch.empty(0, device=device)
    except (RuntimeError, ValueError) as err:
        raise UsageError(f"--device {args.device!r} is not usable here: {err}") from None
    hand = load_dhm_hand_model(args.hand_model)
    euler = (read_euler(args.euler, hand.num_joints) if args.euler is not None
             else preset_pose(args.preset or "fist"))
    torch.manual_seed(0)
    model = DeepHandMesh(hand, backbone=False).zero_correctives_()
    plain = None
    if args.checkpoint is None:
        print("no --checkpoint: untrained model with zero correctives (plain linear blend "
              "skinning of the template)")
    else:
        with torch.no_grad():
            plain = model.to(device).decode(torch.as_tensor(euler, dtype=torch.float32,
                                                            device=device)[None]).mesh
        info = load_dhm_checkpoint(model, args.checkpoint)
        print(f"loaded {info['kind']} checkpoint {args.checkpoint} (epoch {info['epoch']})")
    model = model.to(device).eval()
    with torch.no_grad():
        out = model.decode(torch.as_tensor(euler, dtype=torch.float32, device=device)[None])
    args.out.mkdir(parents=True, exist_ok=True)
    # The views first: rendering is the slow part, so a stop there leaves --out as it was.
    label = "with correctives" if plain is not None else "zero correctives (plain LBS)"
    rows = {label: out.mesh}
    if plain is not None:
        rows["without correctives"] = plain
    save_views_figure(rows, model.faces, args.out / "views.png", args.image_size)
    mesh = out.mesh[0].cpu().double().numpy()
    # float32 results: 8 significant digits hold all their precision.
    write_obj(args.out / "mesh.obj", mesh, hand.uvs, hand.faces, hand.uv_faces, scale=1.0,
              digits=8)
    record = {"units": "mm", "frame": "wrist-local (identity root, as the original demo)",
              "joint_names": list(hand.joint_names),
              "joints": out.joints[0].cpu().double().numpy().round(6).tolist(),
              "euler": euler.tolist(),
              "checkpoint": None if args.checkpoint is None else str(args.checkpoint),
              "correctives": args.checkpoint is not None}
    write_text(args.out / "joints.json", json.dumps(record, indent=1) + "\n")
    print(f"wrote {', '.join(str(args.out / n) for n in OUTPUT_FILES)}: "
          f"{hand.num_vertices} vertices, max |angle| {math.degrees(np.abs(euler).max()):.1f} "
          "deg")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from s2hand.hand.deephandmesh.errors import HandModelFileError
    from s2hand.methods.deephandmesh.checkpoint import DHMCheckpointError

    # A bad --euler file, hand model or checkpoint, or a failed write, is bad data (1).
    return run_interruptible(
        PROG, lambda: run_reporting_errors(
            PROG, run, args, (UsageError,),
            (DemoInputError, HandModelFileError, DHMCheckpointError, OSError)),
        kept=KEPT_WHOLE_FILES)


if __name__ == "__main__":
    sys.exit(main())
