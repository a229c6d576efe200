"""DeepHandMesh's test metrics (the original computes none): joint error, vertex-to-GT-surface
error, depth error, and the skeleton corrective's bone-length error against a synthetic
subject's known identity. All in mm; pure functions of arrays."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from s2hand.evaluation.surface import point_to_surface_distance


@dataclass(frozen=True)
class DHMGroundTruth:
    """A synthetic subject's ground truth (``ground_truth/subject_{S}/ground_truth.npz``):
    per ``(sequence, frame)`` its Euler angles ``(J, 3)``, world joints ``(J, 3)`` and mesh
    ``(V, 3)`` mm, the faces, and the subject's bone lengths ``(J,)`` (template and subject)."""

    index: dict[tuple[str, int], int]
    euler: np.ndarray
    joints: np.ndarray
    vertices: np.ndarray
    faces: np.ndarray
    bone_lengths_template: np.ndarray
    bone_lengths_subject: np.ndarray

    @classmethod
    def load(cls, path: str | Path) -> DHMGroundTruth:
        with np.load(Path(path), allow_pickle=False) as z:
            index = {(str(s), int(f)): i for i, (s, f) in enumerate(zip(
                z["sequence"], z["frames"], strict=True))}
            return cls(index, z["euler"], z["joints"], z["vertices"], z["faces"],
                       z["bone_lengths_template"], z["bone_lengths_subject"])

    def rows(self, seqs: list[str], frames: Tensor | list[int]) -> list[int]:
        """Row of each ``(seq, frame)`` of a batch."""
        return [self.index[(s, int(f))] for s, f in zip(seqs, frames, strict=True)]


def joint_errors(joints: Tensor, gt_joints: Tensor, valid: Tensor) -> Tensor:
    """``(B, J, 3)`` joints, GT, ``valid (B, J, 1)`` -> ``(B,)`` mean distance over valid
    joints."""
    dist = (joints - gt_joints).norm(dim=-1) * valid[..., 0]
    return dist.sum(-1) / valid[..., 0].sum(-1).clamp_min(1)


def surface_errors(meshes: Tensor, gt_meshes: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """``(B, V, 3)`` predicted meshes, ``(B, V', 3)`` GT meshes with ``faces (F, 3)`` ->
    ``(B,)`` mean distance of the predicted vertices to the GT surface."""
    pred = meshes.detach().cpu().double().numpy()
    return np.array([point_to_surface_distance(p, g, faces).mean()
                     for p, g in zip(pred, gt_meshes, strict=True)])


def depth_errors(rendered: Tensor, gt: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``(B, N, S, S)`` rendered and GT depth (0 = background) -> per sample ``(B,)`` mean and
    median ``|rendered - gt|`` over the pixels where both have the hand, and the IoU of the two
    foregrounds (depth is only compared where both exist, so coverage is reported beside it).
    The median is beside the mean because the bilinear crop of the GT depth blends it with the
    0 background along the silhouette, where single pixels differ by hundreds of mm.
    """
    fg_r, fg_g = rendered > 0, gt > 0
    both = (fg_r & fg_g).flatten(1)
    diff = (rendered - gt).abs().flatten(1)
    mean = (diff * both).sum(1) / both.sum(1).clamp_min(1)
    median = torch.stack([d[m].median() if m.any() else d.new_zeros(())
                          for d, m in zip(diff, both, strict=True)])
    iou = both.sum(1) / (fg_r | fg_g).flatten(1).sum(1).clamp_min(1)
    return mean, median, iou


def bone_length_error(local_pose_refined: Tensor, ground_truth: DHMGroundTruth,
                      root: int) -> dict[str, float]:
    """Mean ``| |t_j| - l_j |`` over the non-root joints, where ``t_j`` is the refined local
    translation (the bone from the parent) and ``l_j`` the subject's bone length; with the
    template's error (no skeleton corrective) beside it."""
    lengths = local_pose_refined[:, :3, 3].detach().cpu().double().norm(dim=-1).numpy()
    keep = np.arange(len(lengths)) != root
    subject = ground_truth.bone_lengths_subject[keep]
    return {"bone_length_error_mm": float(np.abs(lengths[keep] - subject).mean()),
            "bone_length_error_template_mm": float(
                np.abs(ground_truth.bone_lengths_template[keep] - subject).mean())}
