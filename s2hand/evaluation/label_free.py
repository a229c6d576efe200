"""Scores of a test pass without 3D ground truth (the Folder dataset, docs/folder.md).

What can be measured from an image and its 2D detections alone, accumulated over batches:

* ``reprojection_px`` / ``reprojection_pck_10px``: distance in crop pixels between the
  projected 3D joints and the detected keypoints (found joints only), and the share below 10 px;
* ``detection_agreement_px`` / ``detection_agreement_pck_10px``: the same for the 2D branch's
  keypoints (when the test pass computes heat maps);
* ``photometric_l1``: mean absolute RGB difference between the rendered hand and the image
  inside the rendered silhouette (when textures and lights are computed);
* ``silhouette_outside_box``: share of the rendered silhouette outside the detected keypoints'
  box grown by ``BOX_MARGIN_PX`` (a mesh spilling over the hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

PCK_PX = 10.0
BOX_MARGIN_PX = 12.0


@dataclass
class LabelFreeScores:
    """Running sums; :meth:`add` per batch, :meth:`result` at the end."""

    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, float] = field(default_factory=dict)
    samples: int = 0

    def _acc(self, key: str, total: float, count: float) -> None:
        self.sums[key] = self.sums.get(key, 0.0) + total
        self.counts[key] = self.counts.get(key, 0.0) + count

    def _keypoints(self, key: str, pred: Tensor, det: Tensor, conf: Tensor) -> None:
        found = conf > 0
        dist = torch.linalg.vector_norm(pred.float() - det.float(), dim=-1)[found]
        self._acc(f"{key}_px", float(dist.sum()), float(dist.numel()))
        self._acc(f"{key}_pck_{PCK_PX:g}px", float((dist < PCK_PX).sum()), float(dist.numel()))

    def add(self, detections: Tensor, conf: Tensor, joints_2d: Tensor | None = None,
            heatmap_joints_2d: Tensor | None = None, images: Tensor | None = None,
            rendered_rgb: Tensor | None = None, silhouette: Tensor | None = None) -> None:
        """One batch: ``detections (B,21,2)``, ``conf (B,21)``, projected joints and 2D-branch
        keypoints ``(B,21,2)``, ``images``/``rendered_rgb (B,3,H,W)``, ``silhouette (B,H,W)``."""
        self.samples += int(detections.shape[0])
        if joints_2d is not None:
            self._keypoints("reprojection", joints_2d, detections, conf)
        if heatmap_joints_2d is not None:
            self._keypoints("detection_agreement", heatmap_joints_2d, detections, conf)
        if silhouette is None:
            return
        inside = (silhouette > 0.5).float()
        if rendered_rgb is not None and images is not None:
            err = (rendered_rgb.float() - images.float()).abs().mean(1) * inside
            self._acc("photometric_l1", float(err.sum()), float(inside.sum()))
        # Images without a found joint have no box to compare with.
        boxed = inside * (conf > 0).any(1).float()[:, None, None]
        outside = boxed * ~_box_masks(detections, conf, silhouette.shape[-2:])
        self._acc("silhouette_outside_box", float(outside.sum()), float(boxed.sum()))

    def result(self) -> dict[str, float]:
        """Mean of each score over what was accumulated, and ``samples``."""
        out = {k: self.sums[k] / self.counts[k] for k in self.sums if self.counts[k] > 0}
        out["samples"] = float(self.samples)
        return out


def _box_masks(det: Tensor, conf: Tensor, size: tuple[int, int]) -> Tensor:
    """``(B,H,W)`` bool: pixels inside the box of the found keypoints plus the margin."""
    h, w = size
    found = (conf > 0)[..., None]
    big = torch.tensor(1e9, dtype=det.dtype, device=det.device)
    lo = torch.where(found, det, big).amin(1) - BOX_MARGIN_PX
    hi = torch.where(found, det, -big).amax(1) + BOX_MARGIN_PX
    ys = torch.arange(h, device=det.device, dtype=det.dtype)[None, :, None]
    xs = torch.arange(w, device=det.device, dtype=det.dtype)[None, None, :]
    return ((xs >= lo[:, None, None, 0]) & (xs <= hi[:, None, None, 0])
            & (ys >= lo[:, None, None, 1]) & (ys <= hi[:, None, None, 1]))
