"""Full S2HAND model (SSL-e2e requires): forward and forward+backward, with a per-branch split.

``python scripts/benchmark.py model [--batch 8] [--hand-model MANO_RIGHT.pkl]``. The backward
pass uses a stand-in objective (sum of the outputs the losses read) so that only the network and
renderer are timed; ``scripts/benchmark.py losses`` times the loss terms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    devices,
    int_at_least,
    machine_description,
    positive_int,
    print_table,
    time_call,
)

from s2hand.models import build_model  # noqa: E402

E2E_REQUIRES = ("heatmaps", "joints", "verts", "textures", "lights")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch", type=positive_int, nargs="+", default=[8])
    parser.add_argument("--hand-model", default=None, help="MANO .pkl/.npz (default OpenHand)")
    parser.add_argument("--repeats", type=positive_int, default=3)
    parser.add_argument("--warmup", type=int_at_least(0), default=1)
    parser.add_argument("--threads", type=positive_int, default=None, help="torch CPU threads")
    parser.add_argument("--cpu-only", action="store_true", help="skip CUDA even if present")


def _inputs(batch: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(batch, 3, 224, 224, generator=gen)
    Ks = torch.tensor([[480.0, 0.0, 112.0], [0.0, 480.0, 112.0], [0.0, 0.0, 1.0]])
    return images.to(device), Ks.expand(batch, 3, 3).contiguous().to(device)


def _objective(out) -> torch.Tensor:
    return (out.joints_2d.sum() + out.heatmap_joints_2d[0].sum()
            + out.heatmap_joints_2d[1].sum() + out.rendered_rgb.sum()
            + out.rendered_silhouette.sum() + out.texture_logits.sum() + out.tsa_poses.sum())


def _rows(model, batch: int, device: torch.device, args) -> list[list[object]]:
    images, Ks = _inputs(batch, device)
    model.train()

    def forward() -> None:
        with torch.no_grad():
            model(images, Ks, E2E_REQUIRES)

    def forward_backward() -> None:
        model.zero_grad(set_to_none=True)
        _objective(model(images, Ks, E2E_REQUIRES)).backward()

    def branch_2d() -> None:
        model.zero_grad(set_to_none=True)
        sum(h.sum() for h in model.predict_heatmaps(images)[1]).backward()

    def branch_3d_no_render() -> None:
        model.zero_grad(set_to_none=True)
        features, low = model.encoder(images)
        hand = model.hand_decoder(features)
        textures, lights = model.texture_light_from_low(low)
        (hand.vertices.sum() + textures.sum() + lights.sum()).backward()

    timings = [("forward (no grad)", forward), ("forward+backward", forward_backward),
               ("  2D branch fwd+bwd", branch_2d),
               ("  3D branch fwd+bwd, no render", branch_3d_no_render)]
    rows = []
    for name, fn in timings:
        seconds = time_call(fn, device, repeats=args.repeats, warmup=args.warmup)
        rows.append([device.type, batch, name, f"{seconds * 1000:.0f}",
                     f"{batch / seconds:.1f}"])
    return rows


def run(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(machine_description())
    rows = []
    for device in devices():
        if args.cpu_only and device.type != "cpu":
            continue
        model = build_model(E2E_REQUIRES, hand_model=args.hand_model).to(device)
        for batch in args.batch:
            rows += _rows(model, batch, device, args)
    print_table(["device", "batch", "what", "ms (median)", "images/s"], rows)
