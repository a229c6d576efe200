"""``s2hand-make-dhm-synthetic``: render a synthetic DeepHandMesh subject in the original layout.

Example: ``s2hand-make-dhm-synthetic --out data/dhm_synth --sequences 3 --frames 24 --seed 0``
(``python scripts/make_dhm_synthetic.py`` is the same). Writes images, depth maps, keypoints
and ``annotations/KRT_512`` as the DeepHandMesh dataset, plus ``ground_truth/`` (meshes, the
subject's true correctives) and ``synthetic.json``. See docs/deephandmesh.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm

from s2hand.cli.errors import run_reporting_errors
from s2hand.cli.interrupts import run_interruptible
from s2hand.data.errors import DataError
from s2hand.data.synthetic.deephandmesh_layout import (
    DEPTH_DTYPES,
    DHMSyntheticParams,
    generate_dhm_synthetic,
)
from s2hand.data.synthetic.target import unfinished_note
from s2hand.hand.deephandmesh.errors import HandModelFileError

PROG = "s2hand-make-dhm-synthetic"


def build_parser() -> argparse.ArgumentParser:
    defaults = DHMSyntheticParams()
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True,
                   help="dataset root: a new or empty folder, or (with --overwrite) one written "
                        "by this tool")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a dataset this tool wrote there before (files it did not "
                        "write are never overwritten)")
    p.add_argument("--sequences", type=int, default=defaults.num_sequences)
    p.add_argument("--frames", type=int, default=defaults.frames_per_sequence,
                   help="frames per sequence")
    p.add_argument("--cameras", type=int, default=defaults.num_cameras,
                   help="colour cameras (two more, not colour, are listed in KRT_512 only)")
    p.add_argument("--heldout", type=int, default=defaults.heldout_sequences,
                   help="last sequences marked held out for evaluation in synthetic.json")
    p.add_argument("--subject", default=defaults.subject)
    p.add_argument("--seed", type=int, default=0, help="seed of the pose sequences")
    p.add_argument("--identity-seed", type=int, default=defaults.identity_seed,
                   help="seed of the subject's identity (bone lengths, skin offsets)")
    p.add_argument("--depth-dtype", choices=DEPTH_DTYPES, default=defaults.depth_dtype,
                   help="array type of the pickled depth maps (float16 halves the disk use)")
    p.add_argument("--hand-model", type=Path, default=None, metavar="DIR",
                   help="DeepHandMesh hand-model folder (default: the shipped open model)")
    p.add_argument("--torch-threads", type=int, default=1,
                   help="torch threads for rendering (0: torch's default); files are written in "
                        "2 extra threads")
    return p


def _run(args: argparse.Namespace) -> int:
    params = DHMSyntheticParams(subject=args.subject, num_sequences=args.sequences,
                                frames_per_sequence=args.frames, num_cameras=args.cameras,
                                identity_seed=args.identity_seed, heldout_sequences=args.heldout,
                                depth_dtype=args.depth_dtype)
    params.check()
    total = args.sequences * args.frames * args.cameras
    start = time.perf_counter()
    with tqdm(total=total, unit="view", disable=None) as bar:
        generate_dhm_synthetic(args.out, params, args.seed, args.hand_model,
                               progress=bar.update, overwrite=args.overwrite,
                               torch_threads=args.torch_threads or None)
    seconds = time.perf_counter() - start
    print(f"wrote {total} views ({args.sequences} x {args.frames} frames x {args.cameras} "
          f"cameras) to {args.out} in {seconds:.1f} s ({total / seconds:.1f} views/s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # A used --out or bad sizes are bad usage (2); a bad hand-model folder or a write
    # failure is bad data or a failed run (1).
    return run_interruptible(
        PROG, lambda: run_reporting_errors(PROG, _run, args, (DataError, ValueError),
                                           (HandModelFileError, OSError)),
        kept=lambda: unfinished_note(args.out))


if __name__ == "__main__":
    sys.exit(main())
