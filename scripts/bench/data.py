"""Data: samples/s of the FreiHAND and HO3D training loaders per worker, and generator images/s.

A synthetic dataset is generated into a temporary folder (or ``--freihand-root`` /
``--ho3d-root`` are used), then ``dataset[i]`` is timed in this process, which is exactly what one
DataLoader worker does (JPEG/PNG decode, augmentation or crop, tensor conversion). Rates are
given per wall-clock second and per CPU second of this process; on a loaded machine the latter
is the better estimate of an idle worker.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import torch

from s2hand.data import FreiHandDataset, HO3DDataset
from s2hand.data.synthetic import generate_synthetic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_description, positive_int, print_table  # noqa: E402

FREI_QUERIES = ("trans_images", "trans_Ks", "trans_open_2dj", "joints")
HO3D_QUERIES = ("trans_images", "trans_Ks", "trans_open_2dj", "joints")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=positive_int, default=400,
                        help="samples timed per loader")
    parser.add_argument("--generate", type=positive_int, default=256,
                        help="synthetic images generated (and timed, after the first batch of "
                             "32) per layout")
    parser.add_argument("--freihand-root", type=Path, default=None)
    parser.add_argument("--ho3d-root", type=Path, default=None)
    parser.add_argument("--threads", type=positive_int, default=None, help="torch.set_num_threads")


def _rate(fn: Callable[[int], object], n: int) -> tuple[float, float]:
    """(per wall second, per CPU second) of ``fn(i)`` for ``i < n`` after a short warm-up."""
    for i in range(min(8, n)):
        fn(i)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - wall), n / max(time.process_time() - cpu, 1e-9)


def _generate(layout: str, out: Path, n: int) -> tuple[float, float]:
    """Generation rate after the first batch (excludes loading the hand model)."""
    marks: list[tuple[int, float, float]] = []
    done = [0]

    def progress(k: int) -> None:
        done[0] += k
        marks.append((done[0], time.perf_counter(), time.process_time()))

    generate_synthetic(layout, out, n, 8, seed=0, frames_per_seq=50, progress=progress)
    (n0, w0, c0), (n1, w1, c1) = marks[0], marks[-1]
    return (n1 - n0) / (w1 - w0), (n1 - n0) / max(c1 - c0, 1e-9)


def run(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"# data loaders, one worker (this process); {machine_description()}; "
          f"cv2 threads {cv2.getNumThreads()}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        frei, ho3d = args.freihand_root, args.ho3d_root
        if frei is None:
            frei = Path(tmp) / "freihand"
            w, c = _generate("freihand", frei, args.generate)
            rows.append(["generate FreiHAND layout (images/s)", f"{w:.1f}", f"{c:.1f}"])
        if ho3d is None:
            ho3d = Path(tmp) / "ho3d"
            w, c = _generate("ho3d", ho3d, args.generate)
            rows.append(["generate HO3D layout (images/s)", f"{w:.1f}", f"{c:.1f}"])
        torch.manual_seed(0)
        ds = FreiHandDataset(frei, "training", FREI_QUERIES)
        w, c = _rate(lambda i: ds[i % len(ds)], args.samples)
        rows.append([f"FreiHAND training {'+'.join(FREI_QUERIES)} (samples/s)",
                     f"{w:.0f}", f"{c:.0f}"])
        ds = HO3DDataset(ho3d, "training", HO3D_QUERIES)
        w, c = _rate(lambda i: ds[i % len(ds)], args.samples)
        rows.append([f"HO3D training {'+'.join(HO3D_QUERIES)} (samples/s)", f"{w:.0f}", f"{c:.0f}"])
    print_table(["what", "per wall s", "per CPU s"], rows)
