"""Timing of the full evaluation on a synthetic FreiHAND-sized set (not used by tests).

``s2hand-eval --benchmark [--samples N]`` prints the time of :func:`evaluate` for N samples of
21 joints + 778 vertices (both F-scores, aligned and unaligned), plus JSON I/O times.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from s2hand.evaluation.evaluate import evaluate
from s2hand.evaluation.io import read_pred_json, write_pred_json


def _random_rotations(rng: np.random.Generator, n: int, max_angle: float) -> np.ndarray:
    axis = rng.normal(size=(n, 3))
    axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    angle = rng.uniform(0, max_angle, size=(n, 1, 1))
    k = np.zeros((n, 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
    k = k - np.swapaxes(k, 1, 2)
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * (k @ k)


def synthetic_set(n: int = 3960, seed: int = 0) -> dict[str, np.ndarray]:
    """GT and predictions with realistic error sizes around the hand template.

    GT: the shipped hand model's template (778 vertices, 21 joints from its regressor and tip
    vertices), randomly rotated and placed ~0.7 m in front of the camera. Predictions: the GT
    with a small similarity error, ~4 mm vertex noise and a ~2 cm global offset (so raw and
    aligned F-scores both exercise the neighbour search). Returns arrays ``gt_xyz``,
    ``gt_verts``, ``pred_xyz``, ``pred_verts``.
    """
    from s2hand.hand import MANO_TIP_IDS, MANO_TO_FREI, load_hand_model

    rng = np.random.default_rng(seed)
    model = load_hand_model()
    verts = model.v_template
    joints16 = model.J_regressor @ verts
    # MANO order = 16 kinematic joints with each finger's tip after its 3 joints.
    tips = verts[list(MANO_TIP_IDS)]  # thumb, index, middle, ring, pinky
    mano21 = np.concatenate([joints16[:1], joints16[1:4], tips[1:2], joints16[4:7], tips[2:3],
                             joints16[7:10], tips[4:5], joints16[10:13], tips[3:4],
                             joints16[13:16], tips[0:1]])
    joints = mano21[list(MANO_TO_FREI)]
    rot = _random_rotations(rng, n, np.pi)
    place = np.array([0.0, 0.0, 0.7]) + rng.normal(scale=0.05, size=(n, 1, 3))
    gt_v = verts @ np.swapaxes(rot, 1, 2) + place
    gt_j = joints @ np.swapaxes(rot, 1, 2) + place
    err_rot = _random_rotations(rng, n, 0.1)
    err_scale = rng.normal(1.0, 0.05, size=(n, 1, 1))
    offset = rng.normal(scale=0.02, size=(n, 1, 3))

    def perturb(x: np.ndarray) -> np.ndarray:
        centre = x.mean(axis=1, keepdims=True)
        y = (x - centre) @ np.swapaxes(err_rot, 1, 2) * err_scale + centre + offset
        return y + rng.normal(scale=0.004, size=x.shape)

    return {"gt_xyz": gt_j, "gt_verts": gt_v, "pred_xyz": perturb(gt_j),
            "pred_verts": perturb(gt_v)}


def run_benchmark(n: int = 3960, repeats: int = 1, io: bool = True) -> dict[str, float]:
    """Median seconds of :func:`evaluate` over ``repeats`` runs (and of pred.json I/O)."""
    data = synthetic_set(n)
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        evaluate(data["pred_xyz"], data["pred_verts"], data["gt_xyz"], data["gt_verts"])
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    # CPU seconds (all threads) are less sensitive to other load on a shared machine.
    out = {"samples": float(n), "evaluate_s": float(np.median(times)),
           "evaluate_cpu_s": float(np.median(cpu)), "threads": float(torch.get_num_threads())}
    if io:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "pred.json"
            start = time.perf_counter()
            write_pred_json(path, data["pred_xyz"], data["pred_verts"])
            out["write_pred_json_s"] = time.perf_counter() - start
            start = time.perf_counter()
            read_pred_json(path)
            out["read_pred_json_s"] = time.perf_counter() - start
            out["pred_json_mb"] = path.stat().st_size / 1e6
    return out


def format_benchmark(result: dict[str, float]) -> str:
    """One JSON line (stable keys) for logs and docs."""
    return json.dumps({k: round(v, 3) for k, v in result.items()})
