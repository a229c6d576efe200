"""S2HAND from a config: the network of ``train_requires ∪ test_requires`` (§1.3), the three
``pretrain_*`` keys (§5.3), freezing, and the task's typed settings."""

from __future__ import annotations

import logging
from pathlib import Path

from torch import nn

from s2hand.config import ExperimentConfig
from s2hand.data import TaggedConcat, collate_tagged
from s2hand.engine import MetricsLogger, freeze_module, load_parts
from s2hand.methods.s2hand.task import HandTask, TaskSettings
from s2hand.models import S2HandNet, build_model

from .data import EvalSplit, build_eval_splits, build_train_dataset, prepare_synthetic
from .folder_prep import prepare_folder

log = logging.getLogger(__name__)


class S2HandMethod:
    """:class:`~s2hand.experiment.method.Method` of S2HAND (the default ``method``)."""

    collate_fn = staticmethod(collate_tagged)  # raw dicts -> HandBatch at the loader's edge

    def __init__(self, config: ExperimentConfig):
        self.config = config
        self.checkpoint_prefix = "handhm" if config.task == "hm_train" else "texturehand"

    def build_model(self) -> S2HandNet:
        c = self.config
        return build_model(sorted(c.all_requires), hand_model=c.hand_model,
                           use_mean_shape=c.use_mean_shape, image_size=c.image_size,
                           renderer=c.renderer, encoder_weights=c.encoder_weights,
                           encoder=c.encoder, encoder_input_size=c.encoder_input_size)

    def load_pretrained(self, model: nn.Module) -> int:
        """``pretrain_model``, then ``pretrain_texture_model``, then ``pretrain_rgb2hm`` (the
        original's order); returns the epoch stored in ``pretrain_model`` (0 without one), like
        the original's ``current_epoch``."""
        c = self.config
        offset = 0
        for key, parts, require_all in (
                ("pretrain_model", tuple(S2HandNet.FILE_KEYS), False),
                ("pretrain_texture_model", ("texture_light_from_low",), True),
                ("pretrain_rgb2hm", ("rgb2hm",), True)):
            path = getattr(c, key)
            if path is None:
                continue
            info = load_parts(model, path, {p: S2HandNet.FILE_KEYS[p] for p in parts}, key,
                              require_all, S2HandNet.CONSTANT_PREFIXES)
            log.info("%s: loaded %s from %s (epoch %s)", key, ", ".join(info["loaded"]), path,
                     info["epoch"])
            if key == "pretrain_model":
                offset = int(info["epoch"] or 0)
        return offset

    def freeze(self, model: nn.Module) -> list[str]:
        """``freeze_hm_estimator``, ``only_train_regressor``, ``only_train_texture`` (§5.3)."""
        c = self.config
        names: list[str] = []
        if c.freeze_hm_estimator:
            names.append("rgb2hm")
        if c.only_train_regressor:
            names += ["encoder", "hand_decoder"]
        if c.only_train_texture:
            names += ["rgb2hm", "encoder", "hand_decoder"]
        frozen = []
        for name in dict.fromkeys(names):
            module = getattr(model, name, None)
            if module is not None:
                freeze_module(module)
                frozen.append(name)
        return frozen

    def task_settings(self) -> TaskSettings:
        c = self.config
        datasets = dict.fromkeys(list(c.train_datasets) + list(c.val_datasets))
        return TaskSettings(
            train_requires=tuple(c.train_requires), test_requires=tuple(c.test_requires),
            task=c.task, losses={name: tuple(c.losses_for(name)) for name in datasets},
            loss_weights=c.loss_weights(), demo_freq=c.demo_freq,
            demo_freq_evaluation=c.demo_freq_evaluation, img_wise_save=c.img_wise_save,
            export_obj=c.export_obj,
            refinement_steps=c.test_refinement_steps if c.test_refinement else 0)

    def build_task(self, out_dir: Path, logger: MetricsLogger | None) -> HandTask:
        return HandTask(self.task_settings(), out_dir, logger)

    def prepare_data(self) -> bool:
        generated = prepare_synthetic(self.config)
        prepare_folder(self.config)  # detections on first use, cached; the datasets read the cache
        return generated

    def train_dataset(self) -> TaggedConcat:
        return build_train_dataset(self.config)

    def eval_splits(self) -> dict[str, EvalSplit]:
        return build_eval_splits(self.config)
