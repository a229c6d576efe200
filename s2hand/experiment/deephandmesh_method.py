"""DeepHandMesh from a config (``"method": "deephandmesh"``, section ``deephandmesh``): the
network, the correctives switched off for the ablation, ``pretrain_model`` (an original
snapshot or one of ours), the synthetic subject on first use, the train/test split and the
task's typed settings."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from s2hand.config import ExperimentConfig
from s2hand.config.deephandmesh import DeepHandMeshConfig
from s2hand.data.deephandmesh import DeepHandMeshDataset, DHMLayout, select_sequences
from s2hand.data.errors import DataError
from s2hand.data.synthetic.target import PARTIAL, interrupted
from s2hand.engine import MetricsLogger, freeze_module
from s2hand.hand.deephandmesh import load_dhm_hand_model
from s2hand.methods.deephandmesh.checkpoint import load_dhm_checkpoint
from s2hand.methods.deephandmesh.metrics import DHMGroundTruth
from s2hand.methods.deephandmesh.task import DHMTask, DHMTaskSettings, DHMTestSplit
from s2hand.models.deephandmesh import DeepHandMesh
from s2hand.stopping import ignore_stop_signals

log = logging.getLogger(__name__)
SYNTHETIC_INFO = "synthetic.json"
TEST_WORKERS = 1


def corrective_nets(model: DeepHandMesh) -> dict[str, nn.Sequential]:
    """The MLP of each corrective (config ``deephandmesh.correctives``)."""
    return {"skeleton": model.skeleton_refine_net.fc_skeleton,
            "identity": model.skin_refine_net.fc_id, "pose": model.skin_refine_net.fc_pose}


class WithGroundTruthPose(Dataset):
    """Samples of a synthetic subject with their ground-truth angles ``gt_euler (J, 3)``
    (``pose_source: "ground_truth"``)."""

    def __init__(self, dataset: DeepHandMeshDataset, ground_truth: DHMGroundTruth) -> None:
        self.dataset, self.ground_truth = dataset, ground_truth

    def __len__(self) -> int:
        return len(self.dataset)

    def _with_pose(self, sample: dict) -> dict:
        row = self.ground_truth.rows([sample["seq"]], [sample["frame"]])[0]
        return {**sample, "gt_euler": torch.as_tensor(self.ground_truth.euler[row],
                                                      dtype=torch.float32)}

    def __getitem__(self, index: int) -> dict:
        return self._with_pose(self.dataset[index])

    def get_for_epoch(self, index: int, epoch: int) -> dict:
        return self._with_pose(self.dataset.get_for_epoch(index, epoch))


class DeepHandMeshMethod:
    """:class:`~s2hand.experiment.method.Method` of DeepHandMesh."""

    checkpoint_prefix = "snapshot"
    collate_fn = None  # the samples are flat dicts of tensors: torch's default collation

    def __init__(self, config: ExperimentConfig):
        if config.deephandmesh is None:
            raise ValueError('method "deephandmesh" needs the "deephandmesh" section')
        self.config = config
        self.dhm: DeepHandMeshConfig = config.deephandmesh

    # ---- model ------------------------------------------------------------------------------
    def build_model(self) -> DeepHandMesh:
        d = self.dhm
        return DeepHandMesh(load_dhm_hand_model(d.hand_model),
                            backbone=d.pose_source == "network", backbone_kind=d.backbone,
                            backbone_input_size=d.backbone_input_size)

    def load_pretrained(self, model: nn.Module) -> int:
        """``pretrain_model`` (original ``snapshot_{E}.pth.tar`` or ours); returns its epoch."""
        path = self.config.pretrain_model
        if path is None:
            return 0
        info = load_dhm_checkpoint(model, path)
        log.info("pretrain_model: loaded %s checkpoint %s (epoch %s)", info["kind"], path,
                 info["epoch"])
        return int(info["epoch"] or 0)

    def freeze(self, model: nn.Module) -> list[str]:
        """Correctives switched off: last layer zeroed (plain skinning there), MLP frozen."""
        off = [k for k, on in self.dhm.correctives.model_dump().items() if not on]
        for name in off:
            net = corrective_nets(model)[name]
            net[-1].weight.data.zero_()
            net[-1].bias.data.zero_()
            freeze_module(net)
        return [f"{name} corrective" for name in off]

    def build_task(self, out_dir: Path, logger: MetricsLogger | None) -> DHMTask:
        d = self.dhm
        return DHMTask(DHMTaskSettings(
            loss_joint_weight=d.loss_joint_weight, loss_depth_weight=d.loss_depth_weight,
            loss_penet_r_weight=d.loss_penet_r_weight,
            loss_penet_nr_weight=d.loss_penet_nr_weight, loss_lap_weight=d.loss_lap_weight,
            demo_freq=self.config.demo_freq, pose_source=d.pose_source), out_dir, logger)

    # ---- data -------------------------------------------------------------------------------
    def prepare_data(self) -> bool:
        """Generate the synthetic subject at ``root`` if configured and absent (or left
        unfinished by a stopped generation); whether it did."""
        d = self.dhm
        unfinished = interrupted(d.root)
        if unfinished and d.synthetic is None:
            raise DataError(f"{d.root} holds an unfinished synthetic subject (a stopped "
                            f"generation left {PARTIAL} there); rerun s2hand-make-dhm-synthetic "
                            "into it, or set deephandmesh.synthetic to generate it on first use.")
        if d.synthetic is None or (d.root.is_dir() and any(d.root.iterdir()) and not unfinished):
            return False
        from s2hand.data.synthetic.deephandmesh_layout import (
            DHMSyntheticParams,
            generate_dhm_synthetic,
        )

        s = d.synthetic
        params = DHMSyntheticParams(subject=d.subject, num_sequences=s.sequences,
                                    frames_per_sequence=s.frames, num_cameras=s.cameras,
                                    identity_seed=s.identity_seed, heldout_sequences=s.heldout,
                                    depth_dtype=s.depth_dtype)
        generate_dhm_synthetic(d.root, params, seed=s.seed, hand_model=d.hand_model)
        log.info("generated a synthetic DeepHandMesh subject in %s", d.root)
        return True

    def synthetic_info(self) -> dict | None:
        path = self.dhm.root / SYNTHETIC_INFO
        return json.loads(path.read_text()) if path.is_file() else None

    def test_sequences(self) -> list[str]:
        """Configured, else the synthetic subject's held-out ones, else all (the original)."""
        if self.dhm.test_sequences is not None:
            return list(self.dhm.test_sequences)
        info = self.synthetic_info()
        if info is not None and info.get("heldout_sequences"):
            return list(info["heldout_sequences"])
        return select_sequences(DHMLayout(self.dhm.root, self.dhm.subject))

    def train_sequences(self) -> list[str]:
        every = select_sequences(DHMLayout(self.dhm.root, self.dhm.subject))
        test = set(self.test_sequences())
        rest = [s for s in every if s not in test]
        return rest or every  # the original trains and tests on the same frames

    def ground_truth(self) -> DHMGroundTruth | None:
        """The synthetic subject's ground truth, if ``root`` has one."""
        info = self.synthetic_info()
        if info is None or not info.get("ground_truth"):
            return None
        return DHMGroundTruth.load(self.dhm.root / info["ground_truth"])

    def _dataset(self, sequences: list[str]) -> Dataset:
        d = self.dhm
        ds = DeepHandMeshDataset(d.root, d.subject, d.num_views, seed=self.config.seed,
                                 sequences=sequences)
        if d.pose_source == "network":
            return ds
        gt = self.ground_truth()
        if gt is None:
            raise ValueError(f'deephandmesh.pose_source "ground_truth" needs a synthetic '
                             f"subject's ground truth, but {d.root / SYNTHETIC_INFO} names none")
        return WithGroundTruthPose(ds, gt)

    def train_dataset(self) -> Dataset:
        return self._dataset(self.train_sequences())

    def eval_splits(self) -> dict[str, DHMTestSplit]:
        ds: Dataset = self._dataset(self.test_sequences())
        limit = self.dhm.max_test_samples
        if limit is not None and limit < len(ds):
            ds = Subset(ds, np.linspace(0, len(ds) - 1, limit).round().astype(int).tolist())
        gt = self.ground_truth()
        loader = DataLoader(ds, batch_size=self.config.val_batch, shuffle=False,
                            num_workers=min(self.config.num_workers, TEST_WORKERS),
                            worker_init_fn=ignore_stop_signals)
        return {"DeepHandMesh": DHMTestSplit(loader, gt)}
