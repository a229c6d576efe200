#!/usr/bin/env python
"""Speed benchmarks: ``python scripts/benchmark.py NAME [options]``.

NAME is one of mano, render, data, model, losses, train, predict, dhm_decode, dhm_synthetic,
dhm_losses.

Each sub-command lives in ``scripts/bench/<name>.py`` and defines ``add_arguments(parser)``
and ``run(args)``. Results are printed as a table with the machine, batch sizes and the
ratio against a named peer measured in the same run where one exists.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent / "bench"
COMMANDS = ("mano", "render", "data", "model", "losses", "train", "predict", "dhm_decode",
            "dhm_synthetic", "dhm_losses")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"s2hand_bench_{name}", BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name in COMMANDS:
        if not (BENCH_DIR / f"{name}.py").exists():
            continue
        modules[name] = _load(name)
        sub_parser = sub.add_parser(name, help=(modules[name].__doc__ or name).splitlines()[0])
        modules[name].add_arguments(sub_parser)
    args = parser.parse_args(argv)
    modules[args.command].run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
