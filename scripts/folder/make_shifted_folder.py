"""Write a folder of plain hand photographs-to-be for the Folder dataset (docs/folder.md).

Renders of the shipped open hand in a scene shifted from the demo's synthetic FreiHAND-layout
set (other camera, distance, in-plane rotation, hand shape, lighting and backgrounds; larger,
non-square frames with the hand off centre), saved as plain ``.jpg`` files without metadata.
The ground truth goes to a separate file (``--gt``, outside the image folder), used only to
measure the 3D error afterwards; the Folder dataset never sees it.

``--out`` must be a new or empty folder. The images are rendered into a hidden temporary folder
beside it, moved into place with the GT file once all are done: after a stop or a failure
neither exists (a killed run can leave the hidden ``.<name>.*.partial`` folder). An existing
``--gt`` file is replaced. Exit status: 0 done, 1 a failed write, 2 bad usage, 130 / 143 after
Ctrl-C / SIGTERM.

    python scripts/folder/make_shifted_folder.py --out /tmp/shifted/images \
        --gt /tmp/shifted/gt.json --num 300 --seed 0
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from s2hand.cli.errors import UsageError, run_reporting_errors
from s2hand.cli.interrupts import run_interruptible
from s2hand.data.errors import DataError
from s2hand.data.io import write_image
from s2hand.data.synthetic.appearance import composite, random_background, skin_colors
from s2hand.data.synthetic.render import HandRenderer
from s2hand.data.synthetic.scene import SceneParams, sample_hands
from s2hand.outputs import atomic_write_text, process_umask
from s2hand.stopping import hold_stop_signals

PROG = "make_shifted_folder"

# The demo set: focal 575 px, depth 0.65 m, no rotation, mean shape, 224x224, centred hand.
SHIFTED_SCENE = SceneParams(
    image_size=(320, 240), focal=(420.0, 480.0), principal_jitter=0.0, depth=(0.42, 0.55),
    center_jitter=30.0, margin=12.0, pose_comps=1, pose_std=3.0, shape_std=1.0,
    in_plane_deg=35.0, tilt_deg=8.0, yaw_deg=8.0, back_prob=0.0)


def warm_lights(rng: np.random.Generator, n: int) -> np.ndarray:
    """S2HAND light vectors ``(n,11)``: dimmer, warm, from the side (the demo lights are
    brighter, white and frontal)."""
    ia = rng.uniform(0.45, 0.6, size=(n, 1))
    idir = rng.uniform(0.45, 0.7, size=(n, 1))
    ca = np.tile([1.1, 0.95, 0.8], (n, 1))
    cd = np.tile([1.15, 1.0, 0.75], (n, 1))
    d = np.concatenate([rng.choice([-1.0, 1.0], size=(n, 1)) * rng.uniform(0.6, 1.0, (n, 1)),
                        rng.normal(0, 0.3, size=(n, 1)), -np.ones((n, 1))], 1)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return np.concatenate([ia, idir, ca, cd, d], 1)


def render_images(out: Path, num: int, seed: int, batch: int = 16) -> dict[str, dict]:
    """Write ``num`` images ``hand_%05d.jpg`` to the folder ``out``; returns their GT."""
    rng = np.random.default_rng(seed)
    hand = HandRenderer()
    w, h = SHIFTED_SCENE.image_size
    side = max(w, h)
    gt: dict[str, dict] = {}
    for start in range(0, num, batch):
        n = min(batch, num - start)
        hands = sample_hands(hand.layer, SHIFTED_SCENE, rng, n)
        colors = skin_colors(rng, np.broadcast_to(hand.rest_verts, (n, *hand.rest_verts.shape)))
        rgb, alpha = hand.render(hands.verts, hands.K, colors, warm_lights(rng, n), side)
        for k in range(n):
            # Smoothed, darker backgrounds than the demo's clutter.
            bg = cv2.GaussianBlur(random_background(rng, (w, h)), (0, 0), 2.0) * 0.8
            img = composite(rgb[k, :h, :w], alpha[k, :h, :w], bg, rng)
            name = f"hand_{start + k:05d}.jpg"
            write_image(out / name, img, jpeg_quality=92)
            gt[name] = {"joints": np.round(hands.joints[k], 6).tolist(),
                        "verts": np.round(hands.verts[k], 6).tolist(),
                        "K": hands.K[k].tolist()}
    return gt


def render_folder(out: Path, gt_path: Path, num: int, seed: int) -> None:
    """``num`` images in the new or empty folder ``out`` and their GT in ``gt_path``, both
    appearing only when all images are written."""
    out = out.resolve()   # its parent holds the temporary folder, also for --out .
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    work.chmod(0o777 & ~process_umask())   # as a plain mkdir would make it (mkdtemp: 0700)
    try:
        text = json.dumps(render_images(work, num, seed))
        with hold_stop_signals():   # the GT and all images, or nothing
            atomic_write_text(gt_path, text)
            if out.is_dir():        # an empty folder given: keep it (and a shell's cwd there)
                for image in work.iterdir():
                    os.replace(image, out / image.name)
            else:
                os.replace(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check(args: argparse.Namespace) -> None:
    if args.num < 1 or args.seed < 0:
        raise UsageError(f"--num must be >= 1 and --seed >= 0, got --num {args.num} --seed "
                         f"{args.seed}")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} is a file; expected a new or empty folder")
    if args.out.is_dir() and any(args.out.iterdir()):
        raise UsageError(f"--out {args.out} is not empty; choose a new folder")
    if args.gt.resolve().parent == args.out.resolve():
        raise UsageError(f"--gt {args.gt} must lie outside the image folder {args.out}")
    if args.gt.is_dir():
        raise UsageError(f"--gt {args.gt} is a folder; expected the path of a JSON file")


def _run(args: argparse.Namespace) -> int:
    _check(args)
    render_folder(args.out, args.gt, args.num, args.seed)
    print(f"wrote {args.num} images to {args.out}, GT to {args.gt}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True, help="image folder to write")
    p.add_argument("--gt", type=Path, required=True, help="GT JSON (keep it outside --out)")
    p.add_argument("--num", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    kept = (f"nothing was written to {args.out} or {args.gt} (the images are moved there when "
            "all are done)")
    # An image that cannot be encoded (DataError) or a failed write is a failed run (1).
    return run_interruptible(PROG, lambda: run_reporting_errors(
        PROG, _run, args, (UsageError,), (DataError, OSError)), kept)


if __name__ == "__main__":
    sys.exit(main())
