"""``s2hand-make-dhm-synthetic``: render a synthetic DeepHandMesh subject in the original layout.

Example: ``s2hand-make-dhm-synthetic --out data/dhm_synth --sequences 3 --frames 24 --seed 0``
(``python scripts/make_dhm_synthetic.py`` is the same). Writes images, depth maps, keypoints
and ``annotations/KRT_512`` as the DeepHandMesh dataset, plus ``ground_truth/`` (meshes, the
subject's true correctives) and ``synthetic.json``. See docs/deephandmesh.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from tqdm import tqdm

from s2hand.cli.errors import (
    EXIT_FAILED,
    EXIT_INPUT_ERROR,
    describe_error,
    exit_status_after_signal,
)
from s2hand.data.errors import DataError
from s2hand.data.synthetic.deephandmesh_layout import (
    DEPTH_DTYPES,
    DHMSyntheticParams,
    generate_dhm_synthetic,
)
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


def _terminate(signum, frame):  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt(signum)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    params = DHMSyntheticParams(subject=args.subject, num_sequences=args.sequences,
                                frames_per_sequence=args.frames, num_cameras=args.cameras,
                                identity_seed=args.identity_seed, heldout_sequences=args.heldout,
                                depth_dtype=args.depth_dtype)
    total = args.sequences * args.frames * args.cameras
    previous = signal.signal(signal.SIGTERM, _terminate)
    start = time.perf_counter()
    try:
        params.check()
        with tqdm(total=total, unit="view", disable=None) as bar:
            generate_dhm_synthetic(args.out, params, args.seed, args.hand_model,
                                   progress=bar.update, overwrite=args.overwrite,
                                   torch_threads=args.torch_threads or None)
    except (DataError, ValueError) as err:
        print(f"{PROG}: error: {describe_error(err)}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except (HandModelFileError, OSError) as err:
        print(f"{PROG}: error: {describe_error(err)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt as stop:
        signum = stop.args[0] if stop.args else signal.SIGINT
        print(f"{PROG}: interrupted; {args.out} is marked unfinished (synthetic.partial) and is "
              "rewritten by the next run into it", file=sys.stderr)
        return exit_status_after_signal(signum)
    finally:
        signal.signal(signal.SIGTERM, previous)
    seconds = time.perf_counter() - start
    print(f"wrote {total} views ({args.sequences} x {args.frames} frames x {args.cameras} "
          f"cameras) to {args.out} in {seconds:.1f} s ({total / seconds:.1f} views/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
