"""DeepHandMesh's training figure: input crop, ground-truth and rendered depth of the first
view, and their difference where both have the hand (every ``demo_freq`` iterations)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from s2hand.losses.deephandmesh import render_views
from s2hand.outputs import atomic_write_bytes

# Depth differences are shown on this range (mm), grey = 0.
DIFF_RANGE_MM = 10.0


def _depth_image(depth: np.ndarray, lo: float, hi: float) -> np.ndarray:
    scaled = np.where(depth > 0, 255 * (1 - (depth - lo) / max(hi - lo, 1e-6)), 0)
    return np.repeat(np.clip(scaled, 0, 255)[..., None], 3, axis=-1).astype(np.uint8)


@torch.no_grad()
def save_training_figure(model: nn.Module, batch: dict[str, Any], output: Any,
                         path: Path) -> Path:
    """One PNG row for sample 0: crop | GT depth | rendered depth | signed difference."""
    cams = {k: v[:1, :1] for k, v in batch.items()
            if k in ("camrot", "campos", "focal", "princpt", "affine")}
    gt = batch["depth"][0, 0].cpu().numpy()
    size = gt.shape[-1]
    rendered = render_views(output.mesh[:1].detach(), model.faces, cams, size)[0, 0].cpu().numpy()
    # percentiles: the bilinear warp blends depth with the 0 background along the silhouette
    fg = np.concatenate([gt[gt > 0], rendered[rendered > 0]])
    lo, hi = (float(np.percentile(fg, 5)), float(np.percentile(fg, 95))) if fg.size else (0, 1)
    both = (gt > 0) & (rendered > 0)
    diff = np.where(both, np.clip((rendered - gt) / DIFF_RANGE_MM, -1, 1), 0)
    diff_rgb = np.stack([128 + 127 * np.clip(diff, 0, 1), 128 - 127 * np.abs(diff),
                         128 + 127 * np.clip(-diff, 0, 1)], -1).astype(np.uint8)
    img = (batch["img"][0].permute(1, 2, 0).cpu().numpy() * 255).clip(0, 255).astype(np.uint8)
    img = cv2.resize(img, (size, size))
    row = np.concatenate([img, _depth_image(gt, lo, hi), _depth_image(rendered, lo, hi),
                          diff_rgb], axis=1)
    ok, png = cv2.imencode(".png", cv2.cvtColor(row, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError(f"could not encode the figure {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, png.tobytes())
