"""MANO layer: forward+backward time of s2hand's ManoLayer vs smplx.MANO on the same arrays.

Both layers get the same model (the shipped OpenHand unless ``--model`` names a MANO file), the
same PCA pose input (30 components, mean pose added, 10 betas, translation) and the same loss
(sum of squares of vertices and joints). Times are medians per batch; ratio = smplx / ours.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import smplx
import torch
from smplx.utils import Struct

from s2hand.hand import ManoLayer, load_hand_model
from s2hand.hand.hand_model import model_to_arrays

try:
    from bench.common import devices, machine_description, print_table, time_call
except ImportError:  # loaded by scripts/benchmark.py via a file spec
    import importlib.util
    import sys

    _spec = importlib.util.spec_from_file_location(
        "bench_common", Path(__file__).resolve().parent / "common.py")
    _common = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_common)
    sys.modules.setdefault("bench_common", _common)
    devices, machine_description = _common.devices, _common.machine_description
    print_table, time_call = _common.print_table, _common.time_call


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64, 1024])
    parser.add_argument("--model", type=Path, default=None,
                        help="MANO .pkl/.npz (default: the shipped OpenHand)")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's choice)")
    parser.add_argument("--no-backward", action="store_true", help="time the forward only")


def _layers(model_path: Path | None, device: torch.device) -> tuple[ManoLayer, smplx.MANO]:
    model = load_hand_model(model_path)
    arrays = model_to_arrays(model)
    ref = smplx.MANO("unused", data_struct=Struct(**arrays), use_pca=True, num_pca_comps=30,
                     flat_hand_mean=False, create_global_orient=False, create_hand_pose=False,
                     create_betas=False, create_transl=False)
    ours = ManoLayer(model, use_pca=True, num_pca_comps=30, flat_hand_mean=False)
    return ours.to(device), ref.to(device)


def _interleaved(fn_a, fn_b, device: torch.device, repeats: int) -> tuple[float, float]:
    """Median wall times of two callables timed alternately (so both see the same load)."""
    times_a, times_b = [], []
    for i in range(repeats + 2):
        t_a = time_call(fn_a, device, repeats=1, warmup=0)
        t_b = time_call(fn_b, device, repeats=1, warmup=0)
        if i >= 2:  # warm-up
            times_a.append(t_a)
            times_b.append(t_b)
    return float(np.median(times_a)), float(np.median(times_b))


def run(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"# MANO layer forward{'' if args.no_backward else '+backward'}: "
          f"{machine_description()}")
    rows = []
    for device in devices():
        ours, ref = _layers(args.model, device)
        for batch in args.batch_sizes:
            inputs = [torch.randn(batch, n, device=device) * s
                      for n, s in ((3, 1.0), (30, 1.0), (10, 1.0), (3, 0.1))]

            def step(fn, inputs=inputs):
                leaves = [t.clone().requires_grad_(not args.no_backward) for t in inputs]
                verts, joints = fn(*leaves)
                loss = verts.square().sum() + joints.square().sum()
                if not args.no_backward:
                    loss.backward()

            def run_ours(go, hp, be, tr):
                out = ours(go, hp, be, tr)
                return out.vertices, out.joints

            def run_ref(go, hp, be, tr):
                out = ref(betas=be, global_orient=go, hand_pose=hp, transl=tr)
                return out.vertices, out.joints

            repeats = max(3, args.repeats // (1 + batch // 256))
            t_ours, t_ref = _interleaved(lambda: step(run_ours), lambda: step(run_ref),
                                         device, repeats)
            rows.append([device.type, batch, f"{t_ours * 1e3:.3f}", f"{t_ref * 1e3:.3f}",
                         f"{t_ref / t_ours:.2f}x"])
    print_table(["device", "batch", "s2hand ManoLayer (ms)", "smplx.MANO (ms)",
                 "speed-up"], rows)
    print(f"model: {args.model or 'OpenHand'} ({ours.num_vertices} vertices); "
          f"numpy {np.__version__}")
