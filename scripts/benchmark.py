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
import ast
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


def _summary(name: str) -> str:
    """First line of ``bench/<name>.py``'s docstring, read without importing it."""
    doc = ast.get_docstring(ast.parse((BENCH_DIR / f"{name}.py").read_text(encoding="utf-8")))
    return (doc or name).splitlines()[0]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    # Only the chosen benchmark is imported, so that one whose imports fail here (an optional
    # package missing) does not take the others down with it.
    chosen = next((a for a in argv if not a.startswith("-")), None)
    modules = {}
    for name in COMMANDS:
        if not (BENCH_DIR / f"{name}.py").exists():
            continue
        sub_parser = sub.add_parser(name, help=_summary(name))
        if name == chosen:
            try:
                modules[name] = _load(name)
            except ImportError as err:
                print(f"{PROG}: error: the {name} benchmark cannot run here: {err} (install the "
                      "pinned set: pip install -r requirements-dev.lock)", file=sys.stderr)
                return 1
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
