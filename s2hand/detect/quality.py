"""Detection quality against ground-truth 2D joints, beside the synthetic noise model.

Metrics over the ``N`` images of a split (``gt_uv (N,21,2)``, detections ``xy, conf``):

* detection rate: share of images with at least one joint of confidence > 0;
* mean / median error (px) over the detected joints;
* PCK@t: share of all ``N x 21`` joints detected within ``t`` px (a missed joint counts as a
  failure, so PCK reflects misses as well as errors);
* per joint: detected share, mean error, PCK@10.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from s2hand.data.ho3d import training_frame_uv
from s2hand.data.io import load_array_list
from s2hand.data.synthetic.noise import DetectionNoise, noisy_detections
from s2hand.hand.joint_orders import FREIHAND_JOINT_NAMES
from s2hand.outputs import atomic_savefig, atomic_write_text

PCK_THRESHOLDS = (5.0, 10.0, 20.0)


def freihand_gt_uv(root: str | Path, split: str, count: int) -> np.ndarray:
    """Projected GT joints ``(count,21,2)`` of the first ``count`` FreiHAND-layout samples."""
    root = Path(root)
    K = load_array_list(root / f"{split}_K.json", "3x3 camera intrinsics", (3, 3))[:count]
    xyz = load_array_list(root / f"{split}_xyz.json", "21x3 joints in metres", (21, 3),
                          len(K))[:count]
    uvw = np.einsum("nij,nkj->nki", K, xyz)
    return uvw[..., :2] / uvw[..., 2:]


def ho3d_gt_uv(images: Sequence[Path]) -> np.ndarray:
    """Projected GT joints ``(N,21,2)`` of HO3D training frames ``SEQ/rgb/FID.png``, from
    their ``SEQ/meta/FID.pkl``."""
    return np.stack([training_frame_uv(Path(p).parent.parent / "meta" / f"{Path(p).stem}.pkl")
                     for p in images]) if len(images) else np.zeros((0, 21, 2))


def detection_quality(xy: np.ndarray, conf: np.ndarray, gt_uv: np.ndarray,
                      thresholds: Sequence[float] = PCK_THRESHOLDS) -> dict:
    """Metrics (see the module docstring) as a JSON-ready dict."""
    found = conf > 0                                              # (N,21)
    err = np.linalg.norm(xy - gt_uv, axis=-1)                     # (N,21)
    ok = lambda t: found & (err <= t)  # noqa: E731 - one-line predicate
    detected_err = err[found]
    per_joint = []
    for j, name in enumerate(FREIHAND_JOINT_NAMES):
        ej = err[found[:, j], j]
        per_joint.append({"joint": name, "detected": float(found[:, j].mean()),
                          "mean_px": float(ej.mean()) if len(ej) else None,
                          "pck10": float(ok(10.0)[:, j].mean())})
    return {
        "images": int(len(xy)),
        "detection_rate": float(found.any(axis=1).mean()),
        "joints_detected": float(found.mean()),
        "mean_px": float(detected_err.mean()) if len(detected_err) else None,
        "median_px": float(np.median(detected_err)) if len(detected_err) else None,
        "pck": {f"{t:g}": float(ok(t).mean()) for t in thresholds},
        "per_joint": per_joint,
    }


def noise_model_quality(gt_uv: np.ndarray, image_size: tuple[int, int], seed: int = 0,
                        noise: DetectionNoise | None = None) -> dict:
    """The same metrics for the synthetic generator's noise model applied to ``gt_uv``."""
    xy, conf = noisy_detections(gt_uv, image_size, noise or DetectionNoise(),
                                np.random.default_rng(seed))
    return detection_quality(xy, conf, gt_uv)


def _fmt(value: float | None, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def quality_table(results: Mapping[str, dict]) -> str:
    """Markdown tables: summary per source, then PCK@10 per joint."""
    names = list(results)
    thresholds = list(next(iter(results.values()))["pck"])
    head = ["source", "images", "detection rate", "mean px", "median px",
            *[f"PCK@{t}" for t in thresholds]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        r = results[name]
        cells = [name, str(r["images"]), _fmt(r["detection_rate"], ".3f"),
                 _fmt(r["mean_px"], ".2f"), _fmt(r["median_px"], ".2f"),
                 *[_fmt(r["pck"][t], ".3f") for t in thresholds]]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| joint | " + " | ".join(f"{n} PCK@10 / mean px" for n in names) + " |",
              "|" + "---|" * (len(names) + 1)]
    for j, joint in enumerate(FREIHAND_JOINT_NAMES):
        cells = [f"{_fmt(results[n]['per_joint'][j]['pck10'], '.3f')} / "
                 f"{_fmt(results[n]['per_joint'][j]['mean_px'], '.1f')}" for n in names]
        lines.append(f"| {joint} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def save_quality_png(path: str | Path, results: Mapping[str, dict]) -> Path:
    """Per-joint PCK@10 bars and mean error per source."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    x = np.arange(len(FREIHAND_JOINT_NAMES))
    width = 0.8 / len(results)
    for k, (name, r) in enumerate(results.items()):
        pck = [p["pck10"] for p in r["per_joint"]]
        mean = [np.nan if p["mean_px"] is None else p["mean_px"] for p in r["per_joint"]]
        axes[0].bar(x + k * width, pck, width, label=name)
        axes[1].bar(x + k * width, mean, width, label=name)
    axes[0].set_ylabel("PCK@10 px")
    axes[1].set_ylabel("mean error of detected (px)")
    axes[1].set_xticks(x + 0.4 - width / 2, FREIHAND_JOINT_NAMES, rotation=60, fontsize=8)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_savefig(fig, path, dpi=100)
    plt.close(fig)
    return path


def write_quality_report(folder: str | Path, results: Mapping[str, dict], meta: dict) -> dict:
    """``quality.md``, ``quality.json`` and ``quality.png`` in ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"md": folder / "quality.md", "json": folder / "quality.json",
             "png": folder / "quality.png"}
    atomic_write_text(paths["md"], quality_table(results))
    atomic_write_text(paths["json"], json.dumps({"meta": meta, "results": results}, indent=1))
    save_quality_png(paths["png"], results)
    return paths
