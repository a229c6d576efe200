"""``s2hand-eval``: official FreiHAND / HO3D evaluation of a ``pred.json``.

    s2hand-eval --pred PRED_JSON --gt DIR --out DIR [--dataset freihand|ho3d --version v2|v3]
    s2hand-eval --benchmark [--samples 3960] [--repeats 1]

DIR (``--gt``) holds ``evaluation_xyz.json`` and ``evaluation_verts.json`` (the dataset root or
the official ``ref/`` folder), or is a single JSON file ``[xyz_list, verts_list]``. Prints the
official lines and writes ``scores.txt``, ``scores.json``, ``pck_data.json``, ``pck.png`` and
``scores.html`` into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from s2hand.cli.errors import UsageError, run_reporting_errors
from s2hand.cli.interrupts import KEPT_WHOLE_FILES, run_interruptible
from s2hand.evaluation.evaluate import EvaluationInputError, evaluate
from s2hand.evaluation.io import EVAL_SIZES, official_lines, read_gt, read_pred_json, write_scores
from s2hand.evaluation.report import write_report

PROG = "s2hand-eval"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Evaluate a pred.json with the official FreiHAND/HO3D metrics.")
    parser.add_argument("--pred", type=Path, help="pred.json ([xyz_list, verts_list])")
    parser.add_argument("--gt", type=Path,
                        help="directory with evaluation_xyz.json + evaluation_verts.json "
                             "(or its ref/ sub-folder), or one JSON [xyz_list, verts_list]")
    parser.add_argument("--out", type=Path, help="output directory for scores and report")
    parser.add_argument("--dataset", choices=("freihand", "ho3d"), default="freihand")
    parser.add_argument("--version", choices=("v2", "v3"), default=None,
                        help="HO3D version (checks the official split size)")
    parser.add_argument("--nn-backend", choices=("auto", "kdtree", "torch"), default="auto",
                        help="nearest-neighbour search for the F-scores")
    parser.add_argument("--no-report", action="store_true", help="skip pck.png/scores.html")
    parser.add_argument("--benchmark", action="store_true",
                        help="time the evaluation on a synthetic set instead")
    parser.add_argument("--samples", type=int, default=3960, help="benchmark size")
    parser.add_argument("--repeats", type=int, default=1, help="benchmark repetitions")
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.benchmark:
        from s2hand.evaluation.benchmark import format_benchmark, run_benchmark

        print(format_benchmark(run_benchmark(args.samples, args.repeats)))
        return 0
    missing = [f"--{k}" for k in ("pred", "gt", "out") if getattr(args, k) is None]
    if missing:
        raise UsageError(f"missing required argument(s): {', '.join(missing)}")
    if args.version and args.dataset != "ho3d":
        raise UsageError("--version is only meaningful with --dataset ho3d")
    start = time.perf_counter()
    gt_xyz, gt_verts = read_gt(args.gt)
    pred_xyz, pred_verts = read_pred_json(args.pred)
    loaded = time.perf_counter()
    if pred_xyz.shape[0] != gt_xyz.shape[0]:
        raise EvaluationInputError(
            f"{args.pred}: {pred_xyz.shape[0]} predictions but the GT in {args.gt} has "
            f"{gt_xyz.shape[0]} samples; predict every evaluation sample, in index order")
    official = EVAL_SIZES.get((args.dataset, args.version))
    if official is not None and official != gt_xyz.shape[0]:
        split = f"{args.dataset} {args.version}" if args.version else args.dataset
        print(f"note: {gt_xyz.shape[0]} samples; the official {split} evaluation split has "
              f"{official}", file=sys.stderr)
    result = evaluate(pred_xyz, pred_verts, gt_xyz, gt_verts, args.dataset, args.nn_backend)
    done = time.perf_counter()
    for line in official_lines(result):
        print(line)
    meta = {"pred": str(args.pred), "gt": str(args.gt), "version": args.version,
            "load_s": round(loaded - start, 3), "evaluate_s": round(done - loaded, 3)}
    paths = write_scores(args.out, result, meta)
    if not args.no_report:
        write_report(args.out, result, title=f"s2hand evaluation: {args.pred}", meta=meta)
    print(f"Scores written to: {paths['txt']}")
    print(f"(load {loaded - start:.2f} s, evaluate {done - loaded:.2f} s)", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Bad usage exits 2; unreadable or inconsistent prediction / GT files are bad data (1).
    return run_interruptible(
        PROG, lambda: run_reporting_errors(PROG, _run, args, (UsageError,),
                                           (EvaluationInputError, OSError)),
        kept=KEPT_WHOLE_FILES)


if __name__ == "__main__":
    sys.exit(main())
