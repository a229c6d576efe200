"""Training-step throughput: images/s of one full SSL-e2e step (forward, 11 losses, backward,
Adam) at batch 8 on CPU, and batch 32/64 on CUDA when present.

    python scripts/benchmark.py train [--batch 8] [--repeats 3] [--requires e2e|3d]

``--requires 3d`` times the 3D branch only (joints, verts, textures, lights; no hourglass), the
variant the CPU demo config trains.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    devices,
    machine_description,
    positive_int,
    print_table,
    time_call,
)

E2E_LOSSES = ["tsa_poses", "open_2dj", "mscale", "open_bone_direc", "hm_integral", "kp_cons",
              "triangle", "mshape", "texture", "mtex", "mrgb"]
REQUIRES = {"e2e": ["heatmaps", "joints", "verts", "textures", "lights"],
            "3d": ["joints", "verts", "textures", "lights"]}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch", type=positive_int, nargs="*", default=None,
                        help="batch sizes (default: 8 on CPU, 32 and 64 on CUDA)")
    parser.add_argument("--repeats", type=positive_int, default=3)
    parser.add_argument("--requires", choices=sorted(REQUIRES), default="e2e")
    parser.add_argument("--encoder", nargs="*", default=["efficientnet-b3"],
                        help="encoders to time in the same run, NAME or NAME:INPUT_SIZE "
                             "(config keys encoder, encoder_input_size), e.g. efficientnet-b3 "
                             "small-cnn:128 (default: the original efficientnet-b3)")


def _encoders(specs: list[str]) -> list[tuple[str, int | None]]:
    """``NAME`` or ``NAME:INPUT_SIZE`` -> ``(name, input size or None)``."""
    from s2hand.cli.errors import UsageError

    out = []
    for spec in specs:
        name, _, size = spec.partition(":")
        if not name or (size and not (size.isdigit() and int(size) > 0)):
            raise UsageError(f"--encoder {spec!r}: expected NAME or NAME:INPUT_SIZE with a "
                             "positive INPUT_SIZE, e.g. small-cnn:128")
        out.append((name, int(size) if size else None))
    return out


def _batch(batch_size: int, device: torch.device):
    """A normalised batch of random images with a plausible camera and detections."""
    from s2hand.data import HandBatch

    gen = torch.Generator().manual_seed(0)
    K = torch.tensor([[560.0, 0.0, 112.0], [0.0, 560.0, 112.0], [0.0, 0.0, 1.0]])
    angles = torch.linspace(0, 2 * math.pi, 21)
    det = 112 + 40 * torch.stack([angles.cos(), angles.sin()], -1)
    return HandBatch(
        images=torch.rand(batch_size, 3, 224, 224, generator=gen).to(device),
        intrinsics=K.expand(batch_size, 3, 3).contiguous().to(device),
        detections=det.expand(batch_size, 21, 2).contiguous().to(device),
        detection_conf=torch.full((batch_size, 21), 0.9, device=device),
        texture_weight=torch.full((batch_size,), 0.9, device=device),
        sample_ids=torch.arange(batch_size, device=device),
        dataset=["FreiHand"] * batch_size,
    )


def _step_fn(task, model: torch.nn.Module, batch) -> Callable[[], None]:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        out = task.train_step(model, batch)
        optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        optimizer.step()

    return step


def run(args: argparse.Namespace) -> None:
    from s2hand.config import config_from_dict
    from s2hand.experiment.s2hand_method import S2HandMethod
    from s2hand.models import build_model

    requires = REQUIRES[args.requires]
    encoders = _encoders(args.encoder)
    losses = [n for n in E2E_LOSSES if args.requires == "e2e" or n not in ("hm_integral",
                                                                           "kp_cons")]
    config = config_from_dict({"losses": losses, "train_requires": requires,
                               "test_requires": requires, "freeze_hm_estimator": False})
    task = S2HandMethod(config).build_task(out_dir=Path("."), logger=None)
    rows = []
    print(machine_description())
    for device in devices():
        sizes = args.batch or ([8] if device.type == "cpu" else [32, 64])
        for batch_size in sizes:
            for (name, size), encoder in zip(encoders, args.encoder, strict=True):
                torch.manual_seed(0)
                model = build_model(requires, encoder=name, encoder_input_size=size)
                model = model.to(device).train()
                step = _step_fn(task, model, _batch(batch_size, device))
                seconds = time_call(step, device, repeats=args.repeats, warmup=1)
                rows.append([device.type, args.requires, encoder, batch_size, f"{seconds:.2f}",
                             f"{batch_size / seconds:.2f}"])
    print_table(["device", "requires", "encoder", "batch", "s/step", "images/s"], rows)
