#!/usr/bin/env python
"""Speed benchmarks: ``python scripts/benchmark.py NAME [options]``.

NAME is one of mano, render, data, model, losses, train, predict, dhm_decode, dhm_synthetic,
dhm_losses.

Each sub-command lives in ``scripts/bench/<name>.py`` and defines ``add_arguments(parser)``
and ``run(args)``. Results are printed as a table with the machine, batch sizes and the
ratio against a named peer measured in the same run where one exists. Nothing is written
(temporary data goes to a temporary folder, removed at the end or on a stop). Exit status: 0
done, 1 a benchmark failed (e.g. an unreadable ``--model`` file), 2 bad usage (e.g. a batch
size below 1), 130 / 143 after Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from s2hand.cli.errors import UsageError, run_reporting_errors
from s2hand.cli.interrupts import KEPT_NOTHING, run_interruptible

PROG = "benchmark"
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
    from s2hand.data.errors import DataError
    from s2hand.hand import HandModelError, UnsafePickleError

    def run(args: argparse.Namespace) -> int:
        modules[args.command].run(args)
        return 0

    # An unreadable hand model or dataset given to a benchmark is bad data (1).
    return run_interruptible(PROG, lambda: run_reporting_errors(
        PROG, run, args, (UsageError,), (HandModelError, UnsafePickleError, DataError, OSError)),
        KEPT_NOTHING)


if __name__ == "__main__":
    sys.exit(main())
