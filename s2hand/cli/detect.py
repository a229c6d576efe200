"""``s2hand-detect``: offline 2D hand detection into the OpenPose-format files the loaders read.

    s2hand-detect --layout freihand|ho3d|folder ROOT [--split training|evaluation]
                  [--backend mediapipe] [--backend-option KEY=VALUE ...] [--out FILE]
                  [--overwrite] [--report DIR] [--report-only]

Writes ``openpose_v2/training/detect_all.json`` / ``openpose/evaluation/detect.json``
(freihand), ``openpose/SEQ/detect.json`` (ho3d) or ``ROOT/detect.json`` (folder), resuming an
interrupted run. ``--report DIR`` compares the file(s) with the ground truth of a freihand-layout
split or the ho3d training split (our synthetic sets, FreiHAND, HO3D) beside the synthetic noise
model. See docs/detect.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from s2hand.cli.errors import UsageError, run_reporting_errors
from s2hand.cli.interrupts import run_interruptible
from s2hand.data.errors import DataError
from s2hand.detect import DetectorError, available_backends, build_detector
from s2hand.detect.layouts import LAYOUTS, list_jobs
from s2hand.detect.openpose_file import PARTIAL_SUFFIX
from s2hand.detect.quality import (
    detection_quality,
    freihand_gt_uv,
    ho3d_gt_uv,
    noise_model_quality,
    write_quality_report,
)

PROG = "s2hand-detect"
KEPT = f"finished images are kept in *{PARTIAL_SUFFIX}; rerun to resume"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--layout", choices=LAYOUTS, required=True)
    p.add_argument("root", type=Path, help="dataset root (or image folder)")
    p.add_argument("--split", choices=("training", "evaluation"), default="training")
    p.add_argument("--backend", default="mediapipe",
                   help=f"detector backend (registered: {', '.join(available_backends())})")
    p.add_argument("--backend-option", action="append", default=[], metavar="KEY=VALUE",
                   help="option for the backend (JSON value), e.g. pad=0.5, min_confidence=0.3")
    p.add_argument("--side", choices=("right", "left", "any"), default="any",
                   help="keep the best hand of this side per image (default: any side)")
    p.add_argument("--all-versions", action="store_true",
                   help="freihand training: detect every image, not only the gs version")
    p.add_argument("--out", type=Path, default=None,
                   help="detection file (freihand/folder; default: where the loader reads)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing finished file")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--report", type=Path, default=None,
                   help="write quality.md/.json/.png against the GT (freihand, ho3d training)")
    p.add_argument("--report-only", action="store_true",
                   help="only report on the existing file, detect nothing")
    p.add_argument("--seed", type=int, default=0, help="seed of the noise-model comparison")
    return p


def _backend_options(pairs: list[str]) -> dict:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--backend-option {pair!r}: expected KEY=VALUE")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def _detect(args: argparse.Namespace, jobs: list) -> None:
    pending = [j for j in jobs if not j.out.is_file() or args.overwrite]
    existing = [j.out for j in jobs if j.out.is_file() and not args.overwrite]
    if existing and not pending:
        raise UsageError(f"{existing[0]} already exists ({len(existing)} of {len(jobs)} files); "
                         "pass --overwrite to detect again, or --report-only to report on it")
    if existing:
        print(f"{len(existing)} of {len(jobs)} files exist and are kept (--overwrite replaces "
              "them)", file=sys.stderr)
    options = _backend_options(args.backend_option)
    detector = build_detector(args.backend, **options)
    header = {"backend": args.backend, "options": options, "side": args.side}
    from s2hand.detect.run import run_job

    total = sum(len(j.names) for j in pending)
    start = time.perf_counter()
    done = found = 0
    with tqdm(total=total, unit="img", disable=None) as bar:
        for job in pending:
            stats = run_job(detector, job, header, args.batch_size,
                            None if args.side == "any" else args.side, bar.update)
            done += stats.detected
            found += stats.with_hand
            for message in stats.unreadable:
                tqdm.write(f"warning: {message} (written as no hand)", file=sys.stderr)
    seconds = time.perf_counter() - start
    rate = done / seconds if seconds > 0 else float("nan")
    print(f"{PROG}: {len(pending)} file(s), {total} images ({total - done} resumed); hand found "
          f"in {found} of {done} detected now; {rate:.1f} images/s ({args.backend})")
    for job in pending[:3]:
        print(f"  wrote {job.out}")


def _report(args: argparse.Namespace, jobs: list) -> None:
    if args.layout == "folder" or (args.layout == "ho3d" and args.split != "training"):
        raise UsageError("--report needs ground truth: the freihand layout (*_xyz.json, *_K.json) "
                         "or the ho3d training split (meta/*.pkl)")
    from s2hand.data.detections import read_detections
    from s2hand.data.io import read_image

    # HO3D has one file per sequence: the report pools them.
    dets = [read_detections(job.out).select(job.names, job.out) for job in jobs]
    xy = np.concatenate([d.xy for d in dets])
    conf = np.concatenate([d.conf for d in dets])
    images = [path for job in jobs for path in job.images]
    gt = (freihand_gt_uv(args.root, args.split, len(images)) if args.layout == "freihand"
          else ho3d_gt_uv(images))
    h, w = read_image(images[0]).shape[:2]
    results = {args.backend: detection_quality(xy, conf, gt),
               "noise model": noise_model_quality(gt, (w, h), args.seed)}
    meta = {"files": [str(job.out) for job in jobs], "split": args.split,
            "layout": args.layout, "root": str(args.root), "noise_model_seed": args.seed}
    paths = write_quality_report(args.report, results, meta)
    print(paths["md"].read_text())
    print(f"report written to {paths['md']}, {paths['png']}")


def _run(args: argparse.Namespace) -> int:
    jobs = list_jobs(args.layout, args.root, args.split, args.all_versions, args.out)
    if args.report_only and args.report is None:
        raise UsageError("--report-only needs --report DIR")
    if not args.report_only:
        _detect(args, jobs)
    if args.report is not None:
        _report(args, jobs)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.batch_size < 1:
        print(f"{PROG}: error: --batch-size must be >= 1, got {args.batch_size}",
              file=sys.stderr)
        return 2

    def run(ns: argparse.Namespace) -> int:
        try:
            return _run(ns)
        except (DataError, OSError) as err:
            print(f"{PROG}: error: {err} ({KEPT})", file=sys.stderr)
            return 1

    return run_interruptible(
        PROG, lambda: run_reporting_errors(PROG, run, args, (UsageError, DetectorError)),
        kept=KEPT)


if __name__ == "__main__":
    sys.exit(main())
