#!/usr/bin/env python
"""Generate OpenHand and write it as a MANO-format ``.npz`` (default: the shipped asset)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from s2hand.hand.hand_model import default_hand_model_path, save_hand_model
from s2hand.hand.openhand import build_open_hand


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_hand_model_path(),
                        help="output .npz (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    args = parser.parse_args(argv)
    model = build_open_hand(seed=args.seed)
    path = save_hand_model(model, args.out)
    print(f"wrote {path}: {model.num_vertices} vertices, {len(model.faces)} faces, "
          f"{model.num_betas} shape directions, tips {model.tip_ids.tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
