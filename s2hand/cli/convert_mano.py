"""``s2hand-convert-mano``: convert an official MANO ``.pkl`` to a chumpy-free ``.npz``.

The pickle is read through the restricted unpickler (no chumpy, no code execution); the
``.npz`` holds the same keys (plus ``tip_ids``, ``side`` and ``name``) and is read by
:func:`s2hand.hand.load_hand_model` and by ``smplx.MANO(..., ext="npz")``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from s2hand.cli.errors import UsageError, run_reporting_errors
from s2hand.cli.interrupts import KEPT_WHOLE_FILES, run_interruptible
from s2hand.hand.hand_model import load_hand_model, save_hand_model

PROG = "s2hand-convert-mano"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("pkl", type=Path, help="MANO_RIGHT.pkl or MANO_LEFT.pkl")
    parser.add_argument("out", type=Path, nargs="?", default=None,
                        help="output .npz (default: next to the input, same stem)")
    parser.add_argument("--side", choices=("right", "left"), default=None,
                        help="side to write; the other side is mirrored (default: the file's "
                             "own side, from its name or mean pose)")
    return parser


def _run(args: argparse.Namespace) -> int:
    out = args.out or args.pkl.with_suffix(".npz")
    if out.suffix != ".npz":
        raise UsageError(f"output must end in .npz, got {out}")
    side = args.side or ("left" if "LEFT" in args.pkl.name.upper() else "right")
    model = load_hand_model(args.pkl, side=side)
    save_hand_model(model, out)
    print(f"wrote {out}: {model.side} hand, {model.num_vertices} vertices, {len(model.faces)} "
          f"faces, {model.num_betas} betas")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # An unreadable or unsafe pickle (HandModelError, UnsafePickleError) is bad data (1).
    return run_interruptible(
        PROG, lambda: run_reporting_errors(PROG, _run, args, (UsageError,), (ValueError, OSError)),
        kept=KEPT_WHOLE_FILES)


if __name__ == "__main__":
    sys.exit(main())
