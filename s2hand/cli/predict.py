"""``s2hand-predict``: hands in images, folders or videos -> 3D joints, meshes, overlays.

    s2hand-predict INPUT... --out DIR [--method fit] [--method network --checkpoint FILE]
                   [--hands HANDS.json] [--focal PX | --fov DEG] [--backend mediapipe]

Per image: ``<name>.json`` (per hand: side, box, 2D keypoints + confidences, 3D joints and
vertices in the camera frame in metres, parameters), ``<name>_hand<k>_<method>.obj/.ply`` and
``<name>_overlay.png``; for a video also ``<stem>_overlay.mp4``. Existing results are kept
(``--overwrite`` redoes them). Exit 0 when every image gave at least one hand, 1 when some
image failed (the others are still done), 2 for bad usage. See docs/predict.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from s2hand.cli.errors import run_reporting_errors
from s2hand.cli.interrupts import run_interruptible
from s2hand.data.camera import DEFAULT_FOV_DEG, image_intrinsics
from s2hand.data.errors import DataError
from s2hand.data.io import read_image
from s2hand.predict.inputs import InputError, collect_sources, read_hands_json, video_frames
from s2hand.predict.pipeline import METHODS, Predictor
from s2hand.predict.results import video_writer

PROG = "s2hand-predict"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("inputs", nargs="+", help="image files, folders of images, or videos")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--method", action="append", choices=METHODS, default=None,
                   help="fit (hand model fitted to the 2D keypoints; default) and/or network "
                        "(needs --checkpoint); repeat for both")
    p.add_argument("--checkpoint", type=Path, default=None,
                   help="our model/engine checkpoint or an original S2HAND .t7")
    p.add_argument("--encoder", default="efficientnet-b3", help="encoder of the checkpoint")
    p.add_argument("--encoder-input-size", type=int, default=None)
    p.add_argument("--hand-model", default=None,
                   help="MANO .pkl / .npz right-hand model (default: the shipped OpenHand)")
    p.add_argument("--hands", type=Path, default=None,
                   help="JSON of boxes or keypoints per image instead of the detector")
    p.add_argument("--backend", default="mediapipe", help="detector backend")
    p.add_argument("--max-hands", type=int, default=2)
    p.add_argument("--focal", type=float, default=None, help="focal length in pixels")
    p.add_argument("--fov", type=float, default=DEFAULT_FOV_DEG,
                   help="field of view over the longer side when neither the hands JSON nor "
                        "--focal gives K (degrees)")
    p.add_argument("--fit-steps", type=int, default=150)
    p.add_argument("--every", type=int, default=1, help="video: use every N-th frame")
    p.add_argument("--no-overlay", action="store_true")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--device", default="cpu")
    return p


class _Usage(ValueError):
    pass


def _build(args: argparse.Namespace) -> Predictor:
    methods = tuple(dict.fromkeys(args.method or ["fit"]))
    if "network" in methods and args.checkpoint is None:
        raise _Usage("--method network needs --checkpoint FILE")
    from s2hand.hand import ManoLayer

    network = None
    if "network" in methods:
        from s2hand.predict.network import NetworkPredictor
        try:
            network = NetworkPredictor(args.checkpoint, args.hand_model, args.encoder,
                                       args.encoder_input_size, args.device)
        except ValueError as err:  # checkpoint/model errors (another model, bad file)
            raise _Usage(f"{err}") from err
        layer = network.layer
    else:
        layer = ManoLayer(args.hand_model, use_pca=True, num_pca_comps=30, flat_hand_mean=False,
                          joint_order="freihand")
    detector = None
    if args.hands is None or "fit" in methods:
        from s2hand.detect import DetectorError, build_detector
        try:
            detector = build_detector(args.backend, max_hands=args.max_hands)
        except DetectorError as err:
            if args.hands is None:
                raise _Usage(str(err)) from err
            print(f"{PROG}: note: {err}; box-only hands cannot be fitted", file=sys.stderr)
    return Predictor(methods, layer, detector, network, args.fit_steps, args.max_hands,
                     detector_name=args.backend)


def _one(predictor: Predictor, args: argparse.Namespace, name: str, image: np.ndarray,
         given: dict, file_name: str | None = None) -> tuple[bool, np.ndarray | None]:
    """Predict one image (looked up in the hands JSON by file name, then by ``name``)."""
    K_given, hands = given.get(file_name or name, given.get(name, (None, None)))
    if args.hands is not None and hands is None:
        tqdm.write(f"{name}: not in {args.hands}; skipped", file=sys.stderr)
        return False, None
    h, w = image.shape[:2]
    if K_given is not None:
        K, source = K_given, f"K from {args.hands}"
    else:
        K, source = image_intrinsics(w, h, args.focal, args.fov)
    record = predictor.process(name, image, K, source, hands, args.out, not args.no_overlay)
    n = len(record["hands"])
    errs = [f"{r['fit']['reprojection_error_px_crop']:.1f}" for r in record["hands"] if "fit" in r]
    tqdm.write(f"{name}: {n} hand(s) {[r['side'] for r in record['hands']]}"
               + (f", fit 2D error {', '.join(errs)} px (crop)" if errs else "")
               + "".join(f"\n  {m}" for m in record["messages"]))
    overlay = None
    if record.get("overlay"):
        overlay = cv2.imread(str(args.out / record["overlay"]))
    return n > 0, overlay


def _run(args: argparse.Namespace) -> int:
    sources = collect_sources(args.inputs)
    given = read_hands_json(args.hands) if args.hands is not None else {}
    if args.every < 1 or args.max_hands < 1 or args.fit_steps < 0:
        raise _Usage("--every and --max-hands must be >= 1, --fit-steps >= 0")
    try:
        image_intrinsics(2, 2, args.focal, args.fov)
    except ValueError as err:
        raise _Usage(str(err)) from err
    predictor = _build(args)
    images = [s for s in sources if not s.is_video]
    failed = done = skipped = 0
    start = time.perf_counter()
    with tqdm(total=len(images), unit="img", disable=None) as bar:
        for src in images:
            bar.update(1)
            if (args.out / f"{src.path.stem}.json").is_file() and not args.overwrite:
                skipped += 1
                continue
            try:
                image = read_image(src.path)
            except DataError as err:
                tqdm.write(f"{src.path}: {err}; skipped", file=sys.stderr)
                failed += 1
                continue
            ok, _ = _one(predictor, args, src.path.stem, image, given, src.path.name)
            done += 1
            failed += not ok
        for src in (s for s in sources if s.is_video):
            with video_writer(args.out / f"{src.path.stem}_overlay.mp4") as write:
                for name, frame, fps in video_frames(src.path, args.every):
                    ok, overlay = _one(predictor, args, name, frame, given)
                    done += 1
                    failed += not ok
                    if overlay is not None:
                        write(overlay, fps / args.every)
    seconds = time.perf_counter() - start
    print(f"{PROG}: {done} image(s) in {seconds:.1f} s ({done / max(seconds, 1e-9):.2f} images/s)"
          f", {failed} without a result, {skipped} already done (kept); outputs in {args.out}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def run(ns: argparse.Namespace) -> int:
        try:
            return _run(ns)
        except (DataError, OSError) as err:
            print(f"{PROG}: error: {err}", file=sys.stderr)
            return 1

    return run_interruptible(
        PROG, lambda: run_reporting_errors(PROG, run, args, (_Usage, InputError)))


if __name__ == "__main__":
    sys.exit(main())
