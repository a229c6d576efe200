"""Synthetic DeepHandMesh subject: frames x views per second of the generator.

Generates ``--frames`` frames seen by ``--cameras`` colour cameras (512x334 RGB JPEG + float32
depth pickle per view, keypoints per frame) into a temporary folder, after a short warm-up run.
The rate is over the steady part (from the first frame's end to the last), per wall-clock second
and per CPU second of this process (rendering thread plus the file-writing threads). Peer,
measured in the same run: s2hand's FreiHAND-layout generator (224x224 images, 4 files each).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import int_at_least, machine_description, positive_int, print_table  # noqa: E402

from s2hand.data.synthetic import generate_synthetic  # noqa: E402
from s2hand.data.synthetic.deephandmesh_layout import (  # noqa: E402
    DHMSyntheticParams,
    generate_dhm_synthetic,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--frames", type=int_at_least(2), default=24, help="frames (one sequence)")
    parser.add_argument("--cameras", type=positive_int, default=12)
    parser.add_argument("--peer-images", type=positive_int, default=256,
                        help="FreiHAND-layout training images of the peer run")


def _steady_rate(run, out: Path) -> tuple[float, float, int]:
    marks: list[tuple[int, float, float]] = []
    done = [0]

    def progress(k: int) -> None:
        done[0] += k
        marks.append((done[0], time.perf_counter(), time.process_time()))

    run(out, progress)
    (n0, w0, c0), (n1, w1, c1) = marks[0], marks[-1]
    return (n1 - n0) / (w1 - w0), (n1 - n0) / max(c1 - c0, 1e-9), n1


def run(args: argparse.Namespace) -> None:
    print(f"machine: {machine_description()}")
    params = DHMSyntheticParams(num_sequences=1, frames_per_sequence=args.frames,
                                num_cameras=args.cameras, heldout_sequences=0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        warm = DHMSyntheticParams(num_sequences=1, frames_per_sequence=2,
                                  num_cameras=args.cameras, heldout_sequences=0)
        generate_dhm_synthetic(Path(tmp) / "warm", warm)
        wall, cpu, n = _steady_rate(
            lambda out, progress: generate_dhm_synthetic(out, params, progress=progress),
            Path(tmp) / "dhm")
        rows.append([f"DeepHandMesh layout, {args.cameras} cameras, 512x334 (views/s)",
                     n, f"{wall:.1f}", f"{cpu:.1f}"])
        pw, pc, pn = _steady_rate(
            lambda out, progress: generate_synthetic("freihand", out, args.peer_images, 8,
                                                     progress=progress),
            Path(tmp) / "frei")
        rows.append(["peer: FreiHAND layout, 224x224 (images/s)", pn, f"{pw:.1f}", f"{pc:.1f}"])
    print_table(["generator", "items", "per wall s", "per CPU s"], rows)
    print(f"ratio DeepHandMesh views / FreiHAND images per wall second: {wall / pw:.2f}")
