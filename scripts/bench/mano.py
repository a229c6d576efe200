"""MANO layer: forward+backward time of s2hand's ManoLayer vs smplx.MANO on the same arrays.

Both layers get the same model (the shipped OpenHand, ``--model random-mano`` for a random
model with MANO's sizes and dense pose correctives, or a MANO .pkl/.npz), the same PCA pose
input (30 components, mean pose added, 10 betas, translation) and the same loss (sum of
squares of vertices and joints). The two are timed in alternating blocks so that both see the
same machine load; times are medians per call; speed-up = smplx / ours.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import smplx
import torch
from smplx.utils import Struct

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import devices, machine_description, positive_int, print_table  # noqa: E402

from s2hand.hand import HandModel, ManoLayer, load_hand_model  # noqa: E402
from s2hand.hand.hand_model import model_to_arrays  # noqa: E402


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-sizes", type=positive_int, nargs="+", default=[1, 64, 1024])
    parser.add_argument("--model", default=None,
                        help="MANO .pkl/.npz, or 'random-mano' (default: the shipped OpenHand)")
    parser.add_argument("--rounds", type=positive_int, default=15, help="timed blocks per layer")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="torch.set_num_threads (default: torch's choice)")
    parser.add_argument("--no-backward", action="store_true", help="time the forward only")


def random_mano_model(seed: int = 0) -> HandModel:
    """Random arrays with MANO's sizes (778 vertices, dense full-rank pose correctives)."""
    base = load_hand_model(None)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, base.num_vertices, 778)
    weights = base.weights[idx]
    jreg = np.abs(rng.normal(size=(16, 778))) * (rng.random((16, 778)) < 0.15)
    return base.replace(
        v_template=base.v_template[idx] + rng.normal(0, 1e-3, (778, 3)),
        faces=rng.integers(0, 778, (1538, 3)), shapedirs=base.shapedirs[idx],
        posedirs=rng.normal(0, 1e-3, (778, 3, 135)), J_regressor=jreg / jreg.sum(1, keepdims=True),
        weights=weights / weights.sum(1, keepdims=True),
        tip_ids=np.array([744, 320, 443, 555, 672]), name="random MANO-sized model")


def _layers(model: HandModel, device: torch.device) -> tuple[ManoLayer, smplx.MANO]:
    ref = smplx.MANO("unused", data_struct=Struct(**model_to_arrays(model)), use_pca=True,
                     num_pca_comps=30, flat_hand_mean=False, create_global_orient=False,
                     create_hand_pose=False, create_betas=False, create_transl=False)
    ours = ManoLayer(model, use_pca=True, num_pca_comps=30, flat_hand_mean=False)
    return ours.to(device), ref.to(device)


def _block_time(fn, device: torch.device, calls: int) -> float:
    """Mean wall time per call over ``calls`` consecutive calls."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return (time.perf_counter() - start) / calls


def _interleaved(fn_a, fn_b, device: torch.device, rounds: int,
                 calls: int) -> tuple[float, float]:
    """Median per-call times of two callables timed in alternating blocks."""
    times_a, times_b = [], []
    for i in range(rounds + 1):
        t_a, t_b = _block_time(fn_a, device, calls), _block_time(fn_b, device, calls)
        if i > 0:  # the first round is a warm-up
            times_a.append(t_a)
            times_b.append(t_b)
    return float(np.median(times_a)), float(np.median(times_b))


def run(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model == "random-mano":
        model = random_mano_model()
    else:
        model = load_hand_model(Path(args.model) if args.model else None)
    mode = "forward" if args.no_backward else "forward+backward"
    print(f"# MANO layer {mode}, {model.name} ({model.num_vertices} vertices): "
          f"{machine_description()}")
    rows = []
    for device in devices():
        ours, ref = _layers(model, device)
        for batch in args.batch_sizes:
            inputs = [torch.randn(batch, n, device=device) * s
                      for n, s in ((3, 1.0), (30, 1.0), (10, 1.0), (3, 0.1))]

            def step(fn, inputs=inputs):
                leaves = [t.clone().requires_grad_(not args.no_backward) for t in inputs]
                verts, joints = fn(*leaves)
                loss = verts.square().sum() + joints.square().sum()
                if not args.no_backward:
                    loss.backward()

            def run_ours(go, hp, be, tr, layer=ours):
                out = layer(go, hp, be, tr)
                return out.vertices, out.joints

            def run_ref(go, hp, be, tr, layer=ref):
                out = layer(betas=be, global_orient=go, hand_pose=hp, transl=tr)
                return out.vertices, out.joints

            calls = max(1, 64 // batch) if device.type == "cpu" else 10
            t_ours, t_ref = _interleaved(lambda: step(run_ours), lambda: step(run_ref), device,
                                         args.rounds, calls)
            rows.append([device.type, batch, f"{t_ours * 1e3:.3f}", f"{t_ref * 1e3:.3f}",
                         f"{t_ref / t_ours:.2f}x"])
    print_table(["device", "batch", "s2hand ManoLayer (ms)", "smplx.MANO (ms)", "speed-up"],
                rows)
