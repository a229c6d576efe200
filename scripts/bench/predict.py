"""Predict: detection images/s (MediaPipe), and s2hand-predict images/s in fit and network modes.

Inputs: the real photograph of the tests (640x480, one hand) and, for detection, renders of the
open hand (224x224). Predict runs :meth:`Predictor.process` as the CLI does (detection, crop,
fit/network, JSON and meshes; overlays timed separately). The network has random weights (its
speed does not depend on them). The peer of every row is detection alone on the same image.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

from s2hand.data.camera import image_intrinsics
from s2hand.data.io import read_image
from s2hand.detect import build_detector
from s2hand.detect.open_hand_render import render_open_hand
from s2hand.engine import save_model_checkpoint
from s2hand.hand import ManoLayer
from s2hand.models import build_model
from s2hand.predict.network import NetworkPredictor
from s2hand.predict.pipeline import Predictor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import int_at_least, machine_description, positive_int, print_table  # noqa: E402

PHOTO = Path(__file__).resolve().parents[2] / "tests/detect/data/opencv_calib_right04.jpg"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=positive_int, default=5, help="images timed per row")
    parser.add_argument("--threads", type=positive_int, default=2, help="torch.set_num_threads")
    parser.add_argument("--fit-steps", type=int_at_least(0), default=150)


def _rate(fn, repeats: int) -> float:
    fn()                                          # warm-up (graph / model initialisation)
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return repeats / (time.perf_counter() - start)


def run(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    print(f"machine: {machine_description()}")
    photo = read_image(PHOTO)
    render, _ = render_open_hand(224, fill=0.45)
    detector = build_detector("mediapipe")
    K, source = image_intrinsics(photo.shape[1], photo.shape[0])
    layer = ManoLayer(None, use_pca=True, num_pca_comps=30, flat_hand_mean=False)
    rows = []
    det_photo = _rate(lambda: detector([photo]), args.repeats)
    rows.append(["detect (mediapipe), 640x480 photo", f"{det_photo:.2f}", "1.00"])
    det_render = _rate(lambda: detector([render]), args.repeats)
    rows.append(["detect (mediapipe), 224x224 render", f"{det_render:.2f}",
                 f"{det_render / det_photo:.2f}"])
    with tempfile.TemporaryDirectory() as tmp:
        nets = {}
        for encoder in ("small-cnn", "efficientnet-b3"):
            path = Path(tmp) / f"{encoder}.pth"
            save_model_checkpoint(build_model(("joints", "verts"), renderer=None,
                                              encoder=encoder), path)
            nets[encoder] = NetworkPredictor(path, encoder=encoder)
        modes = {
            f"predict fit ({args.fit_steps} steps)":
                Predictor(("fit",), layer, detector, fit_steps=args.fit_steps),
            "predict network (small-cnn)":
                Predictor(("network",), nets["small-cnn"].layer, detector, nets["small-cnn"]),
            "predict network (efficientnet-b3)":
                Predictor(("network",), nets["efficientnet-b3"].layer, detector,
                          nets["efficientnet-b3"]),
        }
        for name, predictor in modes.items():
            rate = _rate(lambda p=predictor: p.process("photo", photo, K, source, None,
                                                       Path(tmp), overlay=False), args.repeats)
            rows.append([f"{name}, photo", f"{rate:.2f}", f"{rate / det_photo:.3f}"])
        fit = modes[f"predict fit ({args.fit_steps} steps)"]
        rate = _rate(lambda: fit.process("photo", photo, K, source, None, Path(tmp)),
                     args.repeats)
        rows.append(["predict fit + overlay PNG, photo", f"{rate:.2f}",
                     f"{rate / det_photo:.3f}"])
    print_table(["step", "images/s", "ratio to detect (photo)"], rows)
