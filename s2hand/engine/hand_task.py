"""The S2HAND task for the generic trainer: the training step, figures, and the test pass
(predictions, self-supervised test losses, ``pred.json``, metrics when GT exists, meshes)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from s2hand.losses import compute_losses, total_loss
from s2hand.losses.registry import LossInputError

from .metrics_log import MetricsLogger
from .trainer import StepOutput, move_to_device
from .visualize import export_obj, save_panel, save_per_image

log = logging.getLogger(__name__)

# The original skips a batch whose summed loss is below this (§3.1, Q14, kept).
MIN_TOTAL_LOSS = 1e-10


class HandTask:
    """Holds what the step and test functions need from the config.

    Args:
        config: an ``ExperimentConfig``.
        out_dir: ``base_out_path`` (pictures go to ``pic/``, predictions to ``json/``,
            meshes to ``obj/``).
        logger: metrics sink for TensorBoard images.
    """

    def __init__(self, config: Any, out_dir: Path, logger: MetricsLogger | None = None):
        self.config = config
        self.out_dir = Path(out_dir)
        self.logger = logger
        self.train_requires = list(config.train_requires)
        self.test_requires = list(config.test_requires)
        # Unreadable training images replaced by the next sample (on_bad_image="skip"), also
        # those found in DataLoader workers: each batch reports its own.
        self.skipped_images: list[str] = []

    # ------------------------------------------------------------------ training
    def losses_for(self, batch: dict) -> list[str]:
        names = set(batch["dataset"])
        return self.config.losses_for(names.pop()) if len(names) == 1 else list(self.config.losses)

    def train_step(self, model: nn.Module, batch: dict) -> StepOutput:
        if batch.get("skipped_files"):
            self.skipped_images += batch["skipped_files"]
            log.warning("unreadable training image(s) skipped, the next sample used instead: "
                        "%s (%d skipped so far)", ", ".join(batch["skipped_files"]),
                        len(self.skipped_images))
        output = model(batch["images"], batch["Ks"], requires=self.train_requires,
                       task=self.config.task)
        terms = compute_losses(self.losses_for(batch), output, batch, self.config)
        loss = total_loss(terms)
        scalars = {name: float(value.detach()) for name, value in terms.items()}
        if bool(torch.isfinite(loss)) and float(loss.detach()) < MIN_TOTAL_LOSS:
            return StepOutput(loss=None, scalars=scalars)
        return StepOutput(loss=loss, scalars=scalars, extras=output)

    def on_iteration(self, trainer: Any, batch: dict, output: StepOutput) -> None:
        """Training figure every ``demo_freq`` iterations (rank 0)."""
        freq = self.config.demo_freq
        if freq <= 0 or trainer.iteration % freq != 0 or output.extras is None:
            return
        label = trainer.cfg.epoch_offset + trainer.epochs_done + 1
        path = self.out_dir / "pic" / "train" / f"{label:04d}_{trainer.iteration:07d}.png"
        image = save_panel(path, batch, output.extras, title=f"train epoch {label} "
                           f"iteration {trainer.iteration}")
        if self.config.img_wise_save:
            save_per_image(path.parent / "per_images", path.stem, batch, output.extras)
        if self.logger is not None:
            self.logger.log_image("training", image, trainer.iteration)

    # ------------------------------------------------------------------ testing
    @torch.no_grad()
    def run_test(self, model: nn.Module, loaders: dict, device: torch.device, epoch: int,
                 tag: str = "test") -> dict[str, Any]:
        """One pass over every evaluation loader.

        Returns ``{"losses": {name: mean}, "scores": {dataset: official scores} ,
        "pred_files": [paths]}``; ``pred.json`` goes to ``json/<tag>/<epoch>/`` (one folder per
        dataset when there are several).
        """
        was_training = model.training
        model.eval()
        result: dict[str, Any] = {"losses": {}, "scores": {}, "pred_files": []}
        try:
            for name, (loader, has_gt) in loaders.items():
                sub = name if len(loaders) > 1 else ""
                res = self._test_one(model, name, loader, has_gt, device, epoch, tag, sub)
                result["losses"].update({(f"{name}/{k}" if sub else k): v
                                         for k, v in res["losses"].items()})
                if res["scores"] is not None:
                    result["scores"][name] = res["scores"]
                result["pred_files"].append(res["pred_file"])
        finally:
            model.train(was_training)
        return result

    def _test_one(self, model: nn.Module, name: str, loader: Any, has_gt: bool,
                  device: torch.device, epoch: int, tag: str, sub: str) -> dict[str, Any]:
        cfg = self.config
        xyz, verts, gt_xyz, gt_verts, op_xyz, op_verts = [], [], [], [], [], []
        loss_sums: dict[str, float] = {}
        batches = 0
        for it, batch in enumerate(tqdm(loader, desc=f"{tag} {name}", leave=False)):
            batch = move_to_device(batch, device)
            output = model(batch["images"], batch["Ks"], requires=self.test_requires,
                           task=cfg.task)
            if output.joints is not None:
                xyz.append(output.joints.float().cpu())
                verts.append(output.vertices.float().cpu())
            if self.refines(output):
                refined = self._refine(model, output, batch)
                op_xyz.append(refined.joints.float().cpu())
                op_verts.append(refined.vertices.float().cpu())
            if has_gt:
                gt_xyz.append(batch["joints"].float().cpu())
                gt_verts.append(batch["verts"].float().cpu())
            for key, value in self._test_losses(output, batch).items():
                loss_sums[key] = loss_sums.get(key, 0.0) + value
            batches += 1
            freq = cfg.demo_freq_evaluation
            if freq > 0 and it % freq == 0:
                folder = self.out_dir / "pic" / tag / sub
                stem = f"{epoch:04d}_{it:07d}"
                save_panel(folder / f"{stem}.png", batch, output,
                           title=f"{tag} {name} epoch {epoch} batch {it}")
                if cfg.img_wise_save:
                    save_per_image(folder / "per_images", stem, batch, output)
            if cfg.export_obj and output.vertices is not None:
                for k in range(output.vertices.shape[0]):
                    idx = int(batch["idxs"][k])
                    export_obj(self.out_dir / "obj" / tag / sub / f"{epoch:04d}_{idx:08d}.obj",
                               output.vertices[k], output.faces)
        losses = {k: v / max(batches, 1) for k, v in loss_sums.items()}
        pred_file = None
        scores = None
        folder = self.out_dir / "json" / tag / sub / str(epoch)
        if xyz:
            pred_xyz, pred_verts = torch.cat(xyz), torch.cat(verts)
            pred_file = write_predictions(folder / "pred.json", pred_xyz, pred_verts, name)
            if has_gt:
                scores = _scores(pred_xyz, pred_verts, torch.cat(gt_xyz), torch.cat(gt_verts),
                                 name)
        if op_xyz:
            op_xyz_t, op_verts_t = torch.cat(op_xyz), torch.cat(op_verts)
            write_predictions(folder / "pred_op.json", op_xyz_t, op_verts_t, name)
            if has_gt and scores is not None:
                scores["refined"] = _scores(op_xyz_t, op_verts_t, torch.cat(gt_xyz),
                                            torch.cat(gt_verts), name)
        return {"losses": losses, "scores": scores, "pred_file": str(pred_file)}

    def refines(self, output: Any) -> bool:
        """Test-time refinement runs when configured and the 2D and 3D branches both ran."""
        return bool(self.config.test_refinement and output.hm_j2d is not None
                    and output.pose is not None)

    def _refine(self, model: nn.Module, output: Any, batch: dict) -> Any:
        """MANO fitting to the 2D-branch keypoints (§5.7, with the fixes of s2hand.evaluation).

        β is always optimised, as the original does: under ``use_mean_shape`` the network's β
        is zero, so the fit starts from the mean shape and the shape prior holds it there.
        """
        from s2hand.evaluation.refinement import refine

        cfg = self.config
        return refine(model.hand_decoder.mano_layer, output.rot, output.pose, output.shape,
                      output.scale, output.trans, batch["Ks"], output.hm_j2d[-1],
                      weights=cfg.loss_weights(), steps=cfg.test_refinement_steps)

    def _test_losses(self, output: Any, batch: dict) -> dict[str, float]:
        """Self-supervised test losses: every configured term whose inputs the test pass has."""
        values = {}
        for loss_name in self.losses_for(batch):
            try:
                terms = compute_losses([loss_name], output, batch, self.config)
            except LossInputError:
                continue
            value = float(terms[loss_name])
            if np.isfinite(value):
                values[loss_name] = value
        return values


def _eval_convention(dataset: str) -> str:
    """``s2hand.evaluation`` dataset name ("freihand"/"ho3d") of a config dataset name."""
    return "freihand" if dataset == "FreiHand" else "ho3d"


def _scores(pred_xyz: torch.Tensor, pred_verts: torch.Tensor, gt_xyz: torch.Tensor,
            gt_verts: torch.Tensor, dataset: str) -> dict[str, float]:
    """Official scores of ``dataset`` from FreiHAND-order OpenCV arrays (HO3D aligns in its own
    joint order, as its Codalab evaluation does)."""
    from s2hand.evaluation import evaluate_internal

    scores = evaluate_internal(pred_xyz.numpy(), pred_verts.numpy(), gt_xyz.numpy(),
                               gt_verts.numpy(), dataset=_eval_convention(dataset))
    return {k: float(v) for k, v in dict(scores).items()}


def write_predictions(path: Path, xyz: torch.Tensor, verts: torch.Tensor, dataset: str) -> Path:
    """``pred.json`` in the Codalab format of ``dataset`` (FreiHAND; HO3D order and OpenGL
    frame for joints and vertices, fixing Q4), from FreiHAND-order OpenCV predictions."""
    from s2hand.evaluation.io import write_pred_json

    return write_pred_json(path, xyz.numpy(), verts.numpy(), dataset=_eval_convention(dataset))
