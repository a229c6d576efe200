"""DeepHandMesh's training step and test pass (deephandmesh.md §7, §9, §11), with typed settings.

Training: the train-mode forward (Kabsch root on the ground-truth palm joints), the four losses
of :mod:`s2hand.losses.deephandmesh` with the configured weights, their means logged. Test
pass over the held-out samples: the same posing (the network's angles, root fitted to the GT
joints, so errors are in the world frame of the ground truth), meshes written as ``.obj`` (mm)
and per-sample metrics in ``json/dhm_metrics_{tag}_{epoch}.json``; with a synthetic subject's
ground truth also the vertex-to-GT-surface error, the same with the **ground-truth angles**
(the hand model alone, without the pose estimate) and the skeleton's bone-length error.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from s2hand.engine import MetricsLogger, StepOutput
from s2hand.hand.deephandmesh.kinematics import refine_local_pose
from s2hand.hand.deephandmesh.obj import write_obj
from s2hand.hand.deephandmesh.skeleton import NON_RIGID_JOINTS
from s2hand.losses.deephandmesh import (
    bind_mesh,
    bone_spheres,
    loss_terms,
    render_views,
    total_loss,
    uniform_laplacian,
)
from s2hand.outputs import atomic_write_text

from .figures import save_training_figure
from .metrics import (
    DHMGroundTruth,
    bone_length_error,
    depth_errors,
    joint_errors,
    surface_errors,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DHMTaskSettings:
    """Loss weights (the original's ``config.py`` names) and the figure period."""

    loss_joint_weight: float = 1.0
    loss_depth_weight: float = 1.0
    loss_penet_r_weight: float = 1.0
    loss_penet_nr_weight: float = 5.0
    loss_lap_weight: float = 5.0
    demo_freq: int = 0
    #: "network" (DeepHandMesh) or "ground_truth": a synthetic subject's angles
    #: (``batch["gt_euler"]``) replace the network's; a diagnostic that trains the hand model's
    #: correctives alone.
    pose_source: str = "network"


@dataclass
class DHMTestSplit:
    """Held-out samples and, for a synthetic subject, its ground truth (else ``None``)."""

    loader: DataLoader
    ground_truth: DHMGroundTruth | None

    @property
    def has_gt(self) -> bool:
        return True  # joints (.pts) and depth maps are always there


def _core(model: nn.Module) -> nn.Module:
    return getattr(model, "module", model)  # DistributedDataParallel keeps it in .module


class DHMTask:
    """:class:`~s2hand.experiment.method.Task` of DeepHandMesh."""

    def __init__(self, settings: DHMTaskSettings, out_dir: Path,
                 logger: MetricsLogger | None = None) -> None:
        self.settings = settings
        self.out_dir = Path(out_dir)
        self.logger = logger
        self.skipped_images: list[str] = []  # the dataset never substitutes samples
        self._constants: dict[Any, tuple] = {}

    def _spheres_laplacian(self, model: nn.Module) -> tuple:
        """Bone spheres and the sparse Laplacian of ``model``'s hand, on its device (once)."""
        key = model.faces.device
        if key not in self._constants:
            hand = model.hand_model
            self._constants[key] = (
                bone_spheres(hand.parents, hand.joint_names, NON_RIGID_JOINTS),
                uniform_laplacian(model.faces, hand.num_vertices).to(model.vertices))
        return self._constants[key]

    def forward(self, model: nn.Module, batch: dict[str, Any]) -> Any:
        """Train-mode output (root fitted to the GT joints) from the configured pose source."""
        if self.settings.pose_source == "network":
            return model(batch["img"], "train", batch["joints"])
        if isinstance(model, nn.parallel.DistributedDataParallel):
            raise RuntimeError('pose_source "ground_truth" is a single-process diagnostic; '
                               "run it without torchrun")
        return model.pose_aligned(batch["gt_euler"], batch["joints"])

    def losses(self, model: nn.Module, batch: dict[str, Any]) -> tuple[Tensor, dict, Any]:
        """``(total, {term: mean}, output)`` of one batch in training mode."""
        core = _core(model)
        spheres, laplacian = self._spheres_laplacian(core)
        out = self.forward(model, batch)
        bind_v = bind_mesh(core.vertices + out.pose_corrective + out.id_corrective,
                           core.skinning_weights, out.global_pose_refined, core.global_pose_inv)
        s = self.settings
        terms = loss_terms(out.joints, out.mesh, out.global_pose_refined[:, :3, 3], bind_v,
                           core.faces, core.segmentation, batch["joints"], batch["valid"],
                           batch["depth"], batch, spheres, laplacian, s.loss_penet_r_weight,
                           s.loss_penet_nr_weight)
        total, means = total_loss(terms, s.loss_lap_weight, s.loss_joint_weight,
                                  s.loss_depth_weight)
        return total, means, out

    def train_step(self, model: nn.Module, batch: dict[str, Any]) -> StepOutput:
        total, means, out = self.losses(model, batch)
        scalars = {f"loss_{k}": float(v.detach()) for k, v in means.items()}
        scalars["loss"] = float(total.detach())
        # Nothing to learn (plain skinning with ground-truth angles): the batch is skipped.
        return StepOutput(total if total.requires_grad else None, scalars, extras=out)

    def on_iteration(self, trainer: Any, batch: dict[str, Any], output: StepOutput) -> None:
        freq = self.settings.demo_freq
        if freq > 0 and trainer.iteration % freq == 0 and output.extras is not None:
            path = self.out_dir / "pic" / f"train_{trainer.iteration:07d}.png"
            save_training_figure(_core(trainer.model), batch, output.extras, path)

    @torch.no_grad()
    def run_test(self, model: nn.Module, splits: dict[str, DHMTestSplit], device: Any,
                 epoch: int, tag: str = "test") -> dict[str, Any]:
        core = _core(model)
        was_training = core.training
        core.eval()
        scores, files = {}, []
        try:
            for name, split in splits.items():
                rows = self._test_rows(core, split, device, epoch, tag)
                summary = _mean_rows(rows)
                if split.ground_truth is not None:
                    local = refine_local_pose(core.local_pose,
                                              core.skeleton_refine_net(core.id_code))
                    summary.update(bone_length_error(local, split.ground_truth,
                                                     core.tree.root))
                scores[name] = summary
                path = self.out_dir / "json" / f"dhm_metrics_{tag}_{epoch}.json"
                atomic_write_text(path, json.dumps({"epoch": epoch, "summary": summary,
                                                    "samples": rows}, indent=1) + "\n")
                files.append(str(path))
                log.info("%s epoch %s: %s", tag, epoch,
                         ", ".join(f"{k} {v:.3f}" for k, v in summary.items()
                                   if isinstance(v, float)))
        finally:
            core.train(was_training)
        return {"losses": {}, "scores": scores, "pred_files": files}

    def _test_rows(self, model: nn.Module, split: DHMTestSplit, device: Any, epoch: int,
                   tag: str) -> list[dict[str, Any]]:
        gt = split.ground_truth
        obj_dir = self.out_dir / "obj" / f"{tag}_{epoch}"
        hand = model.hand_model
        rows: list[dict[str, Any]] = []
        for batch in split.loader:
            batch = {k: v.to(device) if isinstance(v, Tensor) else v for k, v in batch.items()}
            out = self.forward(model, batch)
            rendered = render_views(out.mesh, model.faces, batch, batch["depth"].shape[-1])
            depth_err, depth_median, iou = depth_errors(rendered, batch["depth"])
            joint_err = joint_errors(out.joints, batch["joints"], batch["valid"])
            metrics = {"joint_error_mm": joint_err, "depth_error_mm": depth_err,
                       "depth_error_median_mm": depth_median, "depth_iou": iou}
            if gt is not None:
                idx = gt.rows(batch["seq"], batch["frame"])
                metrics["vertex_error_mm"] = surface_errors(out.mesh, gt.vertices[idx], gt.faces)
                euler = torch.as_tensor(gt.euler[idx]).to(out.euler)
                posed = model.pose_aligned(euler, batch["joints"])
                metrics["vertex_error_gt_pose_mm"] = surface_errors(posed.mesh, gt.vertices[idx],
                                                                    gt.faces)
                metrics["joint_error_gt_pose_mm"] = joint_errors(posed.joints, batch["joints"],
                                                                 batch["valid"])
            meshes = out.mesh.cpu().numpy()
            for b in range(len(meshes)):
                seq, frame, cam = batch["seq"][b], int(batch["frame"][b]), batch["cam"][b]
                obj = obj_dir / f"{seq}_{frame:06d}_cam{cam}.obj"
                obj.parent.mkdir(parents=True, exist_ok=True)
                write_obj(obj, meshes[b], hand.uvs, hand.faces, hand.uv_faces, scale=1.0)
                row = {"seq": seq, "frame": frame, "cam": cam, "obj": str(obj)}
                row.update({k: float(v[b]) for k, v in metrics.items()})
                rows.append(row)
        return rows


def _mean_rows(rows: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k, v in rows[0].items() if isinstance(v, float)] if rows else []
    summary = {k: float(np.mean([r[k] for r in rows])) for k in keys}
    summary["num_samples"] = len(rows)
    return summary
