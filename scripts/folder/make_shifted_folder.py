"""Write a folder of plain hand photographs-to-be for the Folder dataset (docs/folder.md).

Renders of the shipped open hand in a scene shifted from the demo's synthetic FreiHAND-layout
set (other camera, distance, in-plane rotation, hand shape, lighting and backgrounds; larger,
non-square frames with the hand off centre), saved as plain ``.jpg`` files without metadata.
The ground truth goes to a separate file (``--gt``, outside the image folder), used only to
measure the 3D error afterwards; the Folder dataset never sees it.

    python scripts/folder/make_shifted_folder.py --out /tmp/shifted/images \
        --gt /tmp/shifted/gt.json --num 300 --seed 0
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from s2hand.data.synthetic.appearance import composite, random_background, skin_colors
from s2hand.data.synthetic.render import HandRenderer
from s2hand.data.synthetic.scene import SceneParams, sample_hands
from s2hand.outputs.atomic import atomic_write_text

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


def render_folder(out: Path, gt_path: Path, num: int, seed: int, batch: int = 16) -> None:
    """Write ``num`` images ``hand_%05d.jpg`` to ``out`` and their GT to ``gt_path``."""
    rng = np.random.default_rng(seed)
    hand = HandRenderer()
    w, h = SHIFTED_SCENE.image_size
    side = max(w, h)
    gt: dict[str, dict] = {}
    out.mkdir(parents=True, exist_ok=True)
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
            cv2.imwrite(str(out / name), cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, 92])
            gt[name] = {"joints": np.round(hands.joints[k], 6).tolist(),
                        "verts": np.round(hands.verts[k], 6).tolist(),
                        "K": hands.K[k].tolist()}
    atomic_write_text(gt_path, json.dumps(gt))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True, help="image folder to write")
    p.add_argument("--gt", type=Path, required=True, help="GT JSON (keep it outside --out)")
    p.add_argument("--num", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.num < 1:
        print(f"make_shifted_folder: error: --num must be >= 1, got {args.num}", file=sys.stderr)
        return 2
    if args.out.exists() and any(args.out.iterdir()):
        print(f"make_shifted_folder: error: {args.out} is not empty; choose a new folder",
              file=sys.stderr)
        return 2
    if args.gt.resolve().parent == args.out.resolve():
        print("make_shifted_folder: error: --gt must lie outside the image folder",
              file=sys.stderr)
        return 2
    render_folder(args.out, args.gt, args.num, args.seed)
    print(f"wrote {args.num} images to {args.out}, GT to {args.gt}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
