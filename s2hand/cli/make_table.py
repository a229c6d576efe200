"""``s2hand-make-table``: our runs next to the published FreiHAND / HO3D numbers.

    s2hand-make-table RUN [RUN ...] [--name NAME ...] [--dataset freihand|ho3d]
                      [--format markdown|csv] [--units mm|cm] [--no-peers] [--ablation]
                      [--out FILE]

RUN is a ``scores.json`` / ``scores.txt`` written by ``s2hand-eval`` (or the official script),
or a directory holding one. Without RUN, prints the published numbers only (needs --dataset).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from s2hand.cli.errors import UsageError, run_reporting_errors
from s2hand.cli.interrupts import KEPT_WHOLE_FILES, run_interruptible
from s2hand.evaluation.evaluate import EvaluationInputError
from s2hand.evaluation.table import build_rows, load_run, render_csv, render_markdown
from s2hand.outputs import atomic_write_text

PROG = "s2hand-make-table"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="*", type=Path, help="scores.json/scores.txt or run dirs")
    p.add_argument("--name", action="append", default=[],
                   help="label of each run, in order (default: the directory name)")
    p.add_argument("--dataset", choices=("freihand", "ho3d"),
                   help="default: inferred from the score keys")
    p.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    p.add_argument("--units", choices=("mm", "cm"), default="mm",
                   help="PA-MPJPE/PA-MPVPE units (the S2HAND paper uses cm)")
    p.add_argument("--no-peers", action="store_true", help="omit the published rows")
    p.add_argument("--ablation", action="store_true",
                   help="compare with S2HAND's published ablations instead of other methods")
    p.add_argument("--out", type=Path, help="write the table here instead of stdout")
    return p


def _run(args: argparse.Namespace) -> int:
    if len(args.name) > len(args.runs):
        raise UsageError(
            f"{len(args.name)} --name given for {len(args.runs)} run(s)")
    names = args.name + [None] * (len(args.runs) - len(args.name))
    loaded = [load_run(path, name) for path, name in zip(args.runs, names, strict=True)]
    datasets = {d for d, _ in loaded}
    if args.dataset:
        datasets.add(args.dataset)
    if len(datasets) != 1:
        raise UsageError(
            "runs mix datasets (" + ", ".join(sorted(datasets)) + ")" if datasets
            else "no runs given: pass --dataset to print the published numbers")
    dataset = datasets.pop()
    rows = build_rows([row for _, row in loaded], dataset, peers=not args.no_peers,
                      ablation=args.ablation)
    text = (render_markdown(rows, dataset, args.units) if args.format == "markdown"
            else render_csv(rows, args.units))
    if args.out:
        atomic_write_text(args.out, text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Bad usage exits 2; a missing or unreadable scores file is bad data (1), as in s2hand-eval.
    return run_interruptible(
        PROG, lambda: run_reporting_errors(PROG, _run, args, (UsageError,),
                                           (EvaluationInputError, OSError)),
        kept=KEPT_WHOLE_FILES)


if __name__ == "__main__":
    sys.exit(main())
