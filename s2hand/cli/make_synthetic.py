"""``s2hand-make-synthetic``: render a synthetic dataset in the FreiHAND or HO3D layout.

Example: ``python scripts/make_synthetic.py --layout freihand --out data/synth_frei --train 2000
--eval 200 --seed 0``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path

from tqdm import tqdm

from s2hand.cli.errors import run_reporting_errors
from s2hand.cli.interrupts import run_interruptible
from s2hand.data.errors import DataError
from s2hand.data.synthetic import DetectionNoise, generate_synthetic
from s2hand.data.synthetic.target import unfinished_note
from s2hand.hand import HandModelError, UnsafePickleError

PROG = "s2hand-make-synthetic"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--layout", choices=("freihand", "ho3d"), required=True)
    p.add_argument("--out", required=True,
                   help="output dataset root: a new or empty folder, or (with --overwrite) one "
                        "written by this tool")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a synthetic dataset this tool wrote there before (files it did "
                        "not write are never overwritten)")
    p.add_argument("--train", type=int, required=True, help="number of training samples")
    p.add_argument("--eval", type=int, required=True, help="number of evaluation samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--hand-model", default=None,
                   help="MANO .pkl / .npz hand model (default: the shipped OpenHand)")
    p.add_argument("--versions", type=int, default=1,
                   help="FreiHAND training image versions to write (1-4: gs, hom, sample, auto)")
    p.add_argument("--ho3d-version", choices=("v2", "v3"), default="v2",
                   help="HO3D release to imitate (v2: png frames, v3: jpg)")
    p.add_argument("--frames-per-seq", type=int, default=50, help="HO3D frames per sequence")
    p.add_argument("--batch-size", type=int, default=32, help="hands rendered per batch")
    p.add_argument("--torch-threads", type=int, default=1,
                   help="torch threads for rendering (0: torch's default); images are encoded "
                        "in 2 extra threads")
    noise = p.add_argument_group("detection noise (see docs/datasets.md)")
    defaults = DetectionNoise()
    noise.add_argument("--sigma-px", type=float, default=defaults.sigma_px)
    noise.add_argument("--tip-factor", type=float, default=defaults.tip_factor)
    noise.add_argument("--miss-prob", type=float, default=defaults.miss_prob)
    noise.add_argument("--outlier-prob", type=float, default=defaults.outlier_prob)
    noise.add_argument("--conf-jitter", type=float, default=defaults.conf_jitter)
    noise.add_argument("--no-quantize", action="store_true",
                       help="keep sub-pixel detections instead of OpenPose's integer pixels")
    return p


def _run(args: argparse.Namespace) -> int:
    names = {f.name for f in fields(DetectionNoise)}
    noise = DetectionNoise(**{k: v for k, v in vars(args).items() if k in names},
                           quantize=not args.no_quantize)
    total = args.train * (args.versions if args.layout == "freihand" else 1) + args.eval
    start = time.perf_counter()
    with tqdm(total=args.train + args.eval, unit="sample", disable=None) as bar:
        generate_synthetic(args.layout, args.out, args.train, args.eval, args.seed,
                           args.hand_model, noise=noise, num_versions=args.versions,
                           ho3d_version=args.ho3d_version, frames_per_seq=args.frames_per_seq,
                           batch_size=args.batch_size, torch_threads=args.torch_threads or None,
                           progress=bar.update, overwrite=args.overwrite)
    seconds = time.perf_counter() - start
    print(f"wrote {total} images ({args.layout} layout) to {args.out} in {seconds:.1f} s "
          f"({total / seconds:.1f} images/s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # A used --out or bad sizes are bad usage (2); an unreadable --hand-model or a write failure
    # (e.g. a full disk) is bad data or a failed run (1). What was written before a failure
    # or a stop stays marked unfinished (synthetic.partial) and is rewritten by the next run.
    return run_interruptible(
        PROG, lambda: run_reporting_errors(PROG, _run, args, (DataError, ValueError),
                                           (HandModelError, UnsafePickleError, OSError)),
        kept=lambda: unfinished_note(Path(args.out)))


if __name__ == "__main__":
    sys.exit(main())
