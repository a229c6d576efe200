"""The S2HAND task for the generic trainer: the training step, figures, and the test pass
(predictions, self-supervised test losses, ``pred.json``, metrics when GT exists, meshes).

It takes typed settings (:class:`TaskSettings`), never the experiment config; the experiment
layer fills them in (:mod:`s2hand.experiment.s2hand_method`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from s2hand.data import HandBatch
from s2hand.engine.metrics_log import MetricsLogger
from s2hand.engine.trainer import StepOutput, move_to_device
from s2hand.evaluation.label_free import LabelFreeScores
from s2hand.losses import computable_losses, compute_losses, total_loss

from .figures import export_obj, save_panel, save_per_image

log = logging.getLogger(__name__)

# The original skips a batch whose summed loss is below this (§3.1, Q14, kept).
MIN_TOTAL_LOSS = 1e-10


class EvalSplit(Protocol):
    """One evaluation split (see :class:`s2hand.experiment.data.EvalSplit`)."""

    loader: Any  # yields normalised batches
    has_gt: bool  # 3D ground truth present: metrics are computed
    convention: str  # evaluation convention ("freihand" or "ho3d")
    label_free: bool  # scored without 3D GT (s2hand.evaluation.label_free)


@dataclass(frozen=True)
class TaskSettings:
    """What the step and the test pass need.

    Attributes:
        train_requires, test_requires: network outputs computed in training / testing.
        task: ``"train"`` or ``"hm_train"`` (2D branch only).
        losses: dataset name -> loss names summed for its batches.
        loss_weights: ``lambda_*`` key -> weight.
        demo_freq, demo_freq_evaluation: figure period in training / test iterations (0: off).
        img_wise_save: also save per-image figures.
        export_obj: write predicted meshes in test passes.
        refinement_steps: test-time refinement iterations (0: no refinement).
    """

    train_requires: tuple[str, ...]
    test_requires: tuple[str, ...]
    task: str
    losses: Mapping[str, tuple[str, ...]]
    loss_weights: Mapping[str, float]
    demo_freq: int = 0
    demo_freq_evaluation: int = 0
    img_wise_save: bool = False
    export_obj: bool = False
    refinement_steps: int = 0


class HandTask:
    """The S2HAND training step and test pass.

    Args:
        settings: see :class:`TaskSettings`.
        out_dir: ``base_out_path`` (pictures go to ``pic/``, predictions to ``json/``,
            meshes to ``obj/``).
        logger: metrics sink for TensorBoard images.
    """

    def __init__(self, settings: TaskSettings, out_dir: Path,
                 logger: MetricsLogger | None = None):
        self.settings = settings
        self.out_dir = Path(out_dir)
        self.logger = logger
        # Unreadable training images replaced by the next sample (on_bad_image="skip"), also
        # those found in DataLoader workers: each batch reports its own.
        self.skipped_images: list[str] = []

    # ------------------------------------------------------------------ training
    def losses_for(self, batch: HandBatch) -> list[str]:
        """Loss names of a batch's dataset (every batch comes from one dataset)."""
        names = set(batch.dataset)
        if len(names) != 1:
            raise ValueError(f"a batch mixes the datasets {sorted(names)}; per-dataset losses "
                             "need batches of one dataset")
        return list(self.settings.losses[names.pop()])

    def train_step(self, model: nn.Module, batch: HandBatch) -> StepOutput:
        if batch.skipped_files:
            self.skipped_images += batch.skipped_files
            log.warning("unreadable training image(s) skipped, the next sample used instead: "
                        "%s (%d skipped so far)", ", ".join(batch.skipped_files),
                        len(self.skipped_images))
        s = self.settings
        output = model(batch.images, batch.intrinsics, requires=s.train_requires, task=s.task)
        terms = compute_losses(self.losses_for(batch), output, batch, s.loss_weights)
        loss = total_loss(terms)
        scalars = {name: float(value.detach()) for name, value in terms.items()}
        if bool(torch.isfinite(loss)) and float(loss.detach()) < MIN_TOTAL_LOSS:
            return StepOutput(loss=None, scalars=scalars)
        return StepOutput(loss=loss, scalars=scalars, extras=output)

    def on_iteration(self, trainer: Any, batch: dict, output: StepOutput) -> None:
        """Training figure every ``demo_freq`` iterations (rank 0)."""
        freq = self.settings.demo_freq
        if freq <= 0 or trainer.iteration % freq != 0 or output.extras is None:
            return
        label = trainer.cfg.epoch_offset + trainer.epochs_done + 1
        path = self.out_dir / "pic" / "train" / f"{label:04d}_{trainer.iteration:07d}.png"
        image = save_panel(path, batch, output.extras, title=f"train epoch {label} "
                           f"iteration {trainer.iteration}")
        if self.settings.img_wise_save:
            save_per_image(path.parent / "per_images", path.stem, batch, output.extras)
        if self.logger is not None:
            self.logger.log_image("training", image, trainer.iteration)

    # ------------------------------------------------------------------ testing
    @torch.no_grad()
    def run_test(self, model: nn.Module, splits: Mapping[str, EvalSplit], device: torch.device,
                 epoch: int, tag: str = "test") -> dict[str, Any]:
        """One pass over every evaluation split.

        Returns ``{"losses": {name: mean}, "scores": {dataset: official scores} ,
        "pred_files": [paths]}``; ``pred.json`` goes to ``json/<tag>/<epoch>/`` (one folder per
        dataset when there are several).
        """
        was_training = model.training
        model.eval()
        result: dict[str, Any] = {"losses": {}, "scores": {}, "pred_files": []}
        try:
            for name, split in splits.items():
                sub = name if len(splits) > 1 else ""
                res = self._test_one(model, name, split, device, epoch, tag, sub)
                result["losses"].update({(f"{name}/{k}" if sub else k): v
                                         for k, v in res["losses"].items()})
                if res["scores"] is not None:
                    result["scores"][name] = res["scores"]
                result["pred_files"].append(res["pred_file"])
        finally:
            model.train(was_training)
        return result

    def _test_one(self, model: nn.Module, name: str, split: EvalSplit, device: torch.device,
                  epoch: int, tag: str, sub: str) -> dict[str, Any]:
        s, has_gt, convention = self.settings, split.has_gt, split.convention
        xyz, verts, gt_xyz, gt_verts, op_xyz, op_verts = [], [], [], [], [], []
        loss_sums: dict[str, float] = {}
        batches = 0
        label_free = LabelFreeScores() if getattr(split, "label_free", False) else None
        for it, batch in enumerate(tqdm(split.loader, desc=f"{tag} {name}", leave=False)):
            batch = move_to_device(batch, device)
            output = model(batch.images, batch.intrinsics, requires=s.test_requires,
                           task=s.task)
            if output.joints is not None:
                xyz.append(output.joints.float().cpu())
                verts.append(output.vertices.float().cpu())
            if self.refines(output):
                refined = self._refine(model, output, batch)
                op_xyz.append(refined.joints.float().cpu())
                op_verts.append(refined.vertices.float().cpu())
            if has_gt:
                gt_xyz.append(batch.gt_joints.float().cpu())
                gt_verts.append(batch.gt_vertices.float().cpu())
            if label_free is not None and batch.detections is not None:
                label_free.add(batch.detections, batch.detection_conf, output.joints_2d,
                               output.heatmap_joints_2d[-1] if output.heatmap_joints_2d
                               else None, batch.images, output.rendered_rgb,
                               output.rendered_silhouette)
            for key, value in self._test_losses(output, batch).items():
                loss_sums[key] = loss_sums.get(key, 0.0) + value
            batches += 1
            freq = s.demo_freq_evaluation
            if freq > 0 and it % freq == 0:
                folder = self.out_dir / "pic" / tag / sub
                stem = f"{epoch:04d}_{it:07d}"
                save_panel(folder / f"{stem}.png", batch, output,
                           title=f"{tag} {name} epoch {epoch} batch {it}")
                if s.img_wise_save:
                    save_per_image(folder / "per_images", stem, batch, output)
            if s.export_obj and output.vertices is not None:
                for k in range(output.vertices.shape[0]):
                    idx = int(batch.sample_ids[k])
                    export_obj(self.out_dir / "obj" / tag / sub / f"{epoch:04d}_{idx:08d}.obj",
                               output.vertices[k], output.faces)
        losses = {k: v / max(batches, 1) for k, v in loss_sums.items()}
        pred_file = None
        scores = None
        folder = self.out_dir / "json" / tag / sub / str(epoch)
        if xyz:
            pred_xyz, pred_verts = torch.cat(xyz), torch.cat(verts)
            pred_file = write_predictions(folder / "pred.json", pred_xyz, pred_verts, convention)
            if has_gt:
                scores = _scores(pred_xyz, pred_verts, torch.cat(gt_xyz), torch.cat(gt_verts),
                                 convention)
        if label_free is not None:
            scores = label_free.result()
        if op_xyz:
            op_xyz_t, op_verts_t = torch.cat(op_xyz), torch.cat(op_verts)
            write_predictions(folder / "pred_op.json", op_xyz_t, op_verts_t, convention)
            if has_gt and scores is not None:
                scores["refined"] = _scores(op_xyz_t, op_verts_t, torch.cat(gt_xyz),
                                            torch.cat(gt_verts), convention)
        return {"losses": losses, "scores": scores, "pred_file": str(pred_file)}

    def refines(self, output: Any) -> bool:
        """Test-time refinement runs when configured and the 2D and 3D branches both ran."""
        return bool(self.settings.refinement_steps and output.heatmap_joints_2d is not None
                    and output.pose_coeffs is not None)

    def _refine(self, model: nn.Module, output: Any, batch: HandBatch) -> Any:
        """MANO fitting to the 2D-branch keypoints (§5.7, with the fixes of :mod:`.refinement`).

        β is always optimised, as the original does: under ``use_mean_shape`` the network's β
        is zero, so the fit starts from the mean shape and the shape prior holds it there.
        """
        from .refinement import refine

        s = self.settings
        return refine(model.hand_decoder.mano_layer, output.global_rotation,
                      output.pose_coeffs, output.betas, output.scale, output.translation,
                      batch.intrinsics, output.heatmap_joints_2d[-1], weights=s.loss_weights,
                      steps=s.refinement_steps)

    def _test_losses(self, output: Any, batch: HandBatch) -> dict[str, float]:
        """Self-supervised test losses: every configured term whose inputs the test pass has."""
        names = computable_losses(self.losses_for(batch), output, batch)
        terms = compute_losses(names, output, batch, self.settings.loss_weights)
        return {k: float(v) for k, v in terms.items() if np.isfinite(float(v))}


def _scores(pred_xyz: torch.Tensor, pred_verts: torch.Tensor, gt_xyz: torch.Tensor,
            gt_verts: torch.Tensor, convention: str) -> dict[str, float]:
    """Official scores in ``convention`` from FreiHAND-order OpenCV arrays (HO3D aligns in its
    own joint order, as its Codalab evaluation does)."""
    from s2hand.evaluation import evaluate_internal

    scores = evaluate_internal(pred_xyz.numpy(), pred_verts.numpy(), gt_xyz.numpy(),
                               gt_verts.numpy(), dataset=convention)
    return {k: float(v) for k, v in dict(scores).items()}


def write_predictions(path: Path, xyz: torch.Tensor, verts: torch.Tensor,
                      convention: str) -> Path:
    """``pred.json`` in the Codalab format of ``convention`` (FreiHAND; HO3D order and OpenGL
    frame for joints and vertices, fixing Q4), from FreiHAND-order OpenCV predictions."""
    from s2hand.evaluation.io import write_pred_json

    return write_pred_json(path, xyz.numpy(), verts.numpy(), dataset=convention)
