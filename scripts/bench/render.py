"""Renderer: forward+backward time and peak memory of s2hand.render.Renderer on a hand mesh.

The mesh is the shipped OpenHand model (1704 faces) in a random pose, placed like a FreiHAND crop
(focal 560 px at 224², hand about 0.6 m away), or an icosphere of 1280 faces with ``--mesh
sphere``. Each step renders silhouette + RGB (per-face colours, estimated-light vector) + depth
and back-propagates a loss touching all three into vertices, colours and lights. Times are medians
of wall time; "CPU time" is the process CPU time of one step summed over threads (less sensitive
to other load on the machine). Peak memory on CPU is the growth of the process's peak resident
set during the timed steps.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import torch

from s2hand.render import Renderer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    devices,
    machine_description,
    positive_int,
    print_table,
    time_call,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-sizes", type=positive_int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--image-size", type=positive_int, default=224)
    parser.add_argument("--mesh", choices=("hand", "sphere"), default="hand")
    parser.add_argument("--anti-aliasing", choices=("on", "off", "both"), default="both")
    parser.add_argument("--repeats", type=positive_int, default=5)
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="torch.set_num_threads (default: torch's choice)")
    parser.add_argument("--device", choices=("all", "cpu", "cuda"), default="all")


def _mesh(kind: str) -> tuple[torch.Tensor, torch.Tensor]:
    """One mesh in the camera frame: vertices (V,3) metres, faces (F,3)."""
    if kind == "hand":
        from s2hand.hand import ManoLayer, load_hand_model

        layer = ManoLayer(load_hand_model())
        gen = torch.Generator().manual_seed(0)
        out = layer(torch.tensor([[math.pi, 0.0, 0.0]]), 0.5 * torch.randn(1, 30, generator=gen),
                    torch.zeros(1, 10))
        verts = out.vertices[0].detach()
        faces = layer.faces.long()
    else:
        import trimesh

        sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.06)
        verts = torch.tensor(sphere.vertices, dtype=torch.float32)
        faces = torch.tensor(sphere.faces, dtype=torch.int64)
    verts = verts - verts.mean(0) + torch.tensor([0.0, 0.0, 0.6])
    return verts, faces


def _peak_rss_bytes() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_peak_rss() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _measure(renderer: Renderer, verts0: torch.Tensor, faces: torch.Tensor,
             device: torch.device, batch: int, repeats: int) -> list[object]:
    """Time one configuration; returns coverage, forward ms, fwd+bwd ms and peak memory MiB."""
    size = renderer.image_size
    verts = verts0.to(device).expand(batch, -1, -1).clone().requires_grad_(True)
    K = torch.tensor([[560.0 * size / 224, 0, size / 2], [0, 560.0 * size / 224, size / 2],
                      [0, 0, 1]], device=device).expand(batch, 3, 3)
    colors = torch.rand(batch, faces.shape[0], 3, device=device).requires_grad_(True)
    lights = torch.tensor([0.6, 0.5, 1, 1, 1, 1, 1, 1, 0.2, 1.0, 0.5],
                          device=device).repeat(batch, 1).requires_grad_(True)
    faces = faces.to(device)

    def step():
        out = renderer(verts, faces, K, torch.tanh(colors), lights)
        (out.rgb.mean() + out.depth.mean() + out.silhouette.mean()).backward()
        return out

    def forward_only():
        with torch.no_grad():
            return renderer(verts, faces, K, torch.tanh(colors), lights)

    coverage = float(step().silhouette.detach().mean())
    fwd = time_call(forward_only, device, repeats=repeats, warmup=1)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
    else:
        _reset_peak_rss()
        base = _peak_rss_bytes()
    both = time_call(step, device, repeats=repeats, warmup=1)
    cpu_times = []
    for _ in range(repeats):
        start = time.process_time()
        step()
        cpu_times.append(time.process_time() - start)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated(device) - base
    else:
        end = _peak_rss_bytes()
        peak = None if base is None or end is None else end - base
    mem = "n/a" if peak is None else f"{peak / 2**20:.0f}"
    cpu = sorted(cpu_times)[len(cpu_times) // 2]
    return [f"{coverage:.3f}", f"{fwd * 1e3:.1f}", f"{both * 1e3:.1f}", f"{cpu * 1e3:.1f}", mem]


def run(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    verts0, faces = _mesh(args.mesh)
    aa_modes = {"on": [True], "off": [False], "both": [True, False]}[args.anti_aliasing]
    print(f"# Renderer forward+backward (rgb + depth + silhouette), {args.mesh} mesh "
          f"{faces.shape[0]} faces, {args.image_size}x{args.image_size}")
    print(f"# {machine_description()}")
    rows = []
    for device in devices():
        if args.device != "all" and device.type != args.device:
            continue
        for aa in aa_modes:
            renderer = Renderer(image_size=args.image_size, background_color=(1.0, 1.0, 1.0),
                                anti_aliasing=aa)
            for batch in args.batch_sizes:
                stats = _measure(renderer, verts0, faces, device, batch, args.repeats)
                rows.append([device.type, "2x" if aa else "off", batch, *stats])
    print_table(["device", "AA", "batch", "silhouette mean", "forward ms", "fwd+bwd ms",
                 "fwd+bwd CPU time ms", "peak mem growth MiB"], rows)
