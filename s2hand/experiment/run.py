"""One run from a config: ``run_experiment(config) -> dict``.

Training: (synthetic data on first use) → the method's model → its pretrained weights →
freezing → an initial test pass (scores of the untrained model, when the evaluation split has
GT) → the generic trainer (test pass, ``pred.json`` and checkpoint every ``save_interval``
epochs and after the last) → ``scores.json``. Evaluation: one test pass.
Output tree (§5.8): ``<base_out_path>/{train.log, config.json, scores.json, summary.json,
logs/metrics.{csv,jsonl}, model/, pic/, json/, obj/}``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import torch

from s2hand.config import ExperimentConfig, config_to_dict, save_config
from s2hand.engine import (
    CheckpointManager,
    MetricsLogger,
    Trainer,
    TrainerConfig,
    build_optimizer,
    build_scheduler,
)
from s2hand.engine.distributed import DistInfo, barrier, cleanup, init_distributed, resolve_device
from s2hand.engine.resume_check import SettingsChanged
from s2hand.outputs import atomic_write_text, hold_output_folder, refuse_fresh_run_over_previous

from .batch_check import check_train_batch
from .data import EvalSplit
from .method import Task, build_method
from .resume_settings import put_back_config, resume_refusal, resume_settings

log = logging.getLogger(__name__)

# Procrustes-aligned mean joint error, cm: the official key of FreiHAND, then of HO3D.
PA_MPJPE_KEYS = ("xyz_al_mean3d", "xyz_procrustes_al_mean3d")


def pa_mpjpe_key(scores: dict) -> str | None:
    """The PA-MPJPE key present in ``scores`` (FreiHAND or HO3D naming), if any."""
    return next((k for k in PA_MPJPE_KEYS if k in scores), None)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))  # noqa: NPY002 - datasets and libraries use the global RNG
    torch.manual_seed(seed)


def run_experiment(config: ExperimentConfig) -> dict:
    """Build data, model, losses and optimiser from an ``ExperimentConfig`` and run its mode.

    Returns the run summary (also written to ``<base_out_path>/summary.json``): the trainer's
    summary in training mode, plus ``scores`` / ``initial_scores`` when the evaluation split has
    ground truth, ``test_losses`` and the ``pred.json`` paths.
    """
    dist = init_distributed(torch.device("cuda" if config.device.startswith("cuda") or (
        config.device == "auto" and torch.cuda.is_available()) else "cpu"))
    device = resolve_device(config.device, dist)
    out_dir = Path(config.base_out_path)
    held = ExitStack()
    handler = None
    try:
        if dist.is_main:  # one live run per folder, never a fresh one over a finished one
            held.enter_context(hold_output_folder(out_dir))
            refuse_fresh_run_over_previous(out_dir, config.run_mode, config.resume)
        handler = _start_run_log(out_dir) if dist.is_main else None
        return _run(config, dist, device, out_dir)
    finally:
        if handler is not None:
            logging.getLogger().removeHandler(handler)
            handler.close()
        held.close()
        cleanup(dist)


def _run(config: ExperimentConfig, dist: DistInfo, device: torch.device, out_dir: Path) -> dict:
    method = build_method(config)
    if dist.is_main:
        for sub in ("model", "pic", "json", "obj"):
            (out_dir / sub).mkdir(parents=True, exist_ok=True)
        save_config(config, out_dir)
        method.prepare_data()
    barrier(dist)
    seed_everything(config.seed)
    model = method.build_model()
    epoch_offset = method.load_pretrained(model)
    frozen = method.freeze(model)
    if frozen:
        log.info("frozen sub-networks (eval-mode BatchNorm): %s", ", ".join(frozen))
    model.to(device)
    logger = MetricsLogger(out_dir / "logs", tb_dir=_tb_dir(config), enabled=dist.is_main)
    task = method.build_task(out_dir, logger)
    eval_splits = method.eval_splits() if dist.is_main else {}
    started = time.perf_counter()

    if config.run_mode == "evaluation":
        result = task.run_test(model, eval_splits, device, epoch_offset)
        logger.close()
        summary = {"mode": "evaluation", "epoch": epoch_offset, "test_losses": result["losses"],
                   "pred_files": result["pred_files"], "scores": _main_scores(result),
                   "wall_seconds": round(time.perf_counter() - started, 2)}
        _finish(out_dir, summary, initial=None)
        return summary

    initial = None
    if dist.is_main:
        initial = _initial_scores(config, task, model, eval_splits, device, epoch_offset,
                                  out_dir)
    barrier(dist)
    last_test: dict[str, Any] = {}

    def on_evaluate(trainer: Trainer, label: int) -> dict[str, float]:
        # A stop request ends the pass between two batches (see Trainer.stoppable).
        splits = {name: dataclasses.replace(split, loader=trainer.stoppable(split.loader))
                  for name, split in eval_splits.items()}
        result = task.run_test(trainer.model, splits, device, label)
        last_test.clear()
        last_test.update(result)
        flat = {f"loss_{k}": v for k, v in result["losses"].items()}
        for name, scores in result["scores"].items():
            prefix = "" if len(result["scores"]) == 1 else f"{name}/"
            for key, value in scores.items():
                if isinstance(value, dict):  # refined scores
                    flat.update({f"{prefix}{key}/{k}": v for k, v in value.items()})
                else:
                    flat[f"{prefix}{key}"] = value
        return flat

    train_set = method.train_dataset()
    # every batch comes from one dataset, so the smallest must hold a full batch
    check_train_batch(config.train_batch, min(getattr(train_set, "sizes", [len(train_set)])),
                      dist.world_size, model)
    optimizer = build_optimizer(model.parameters(), config.optimizer, config.init_lr,
                                config.weight_decay)
    resolved = json.loads(json.dumps(config_to_dict(config)))
    trainer = Trainer(
        model, task.train_step, optimizer,
        build_scheduler(optimizer, config.lr_steps, config.lr_gamma),
        train_set,
        TrainerConfig(epochs=config.total_epochs, batch_size=config.train_batch,
                      seed=config.seed, epoch_offset=epoch_offset,
                      save_interval=config.save_interval, print_freq=config.print_freq,
                      log_freq=min(10, config.print_freq), max_bad_batches=config.max_bad_batches,
                      max_iters_per_epoch=config.max_iters_per_epoch,
                      num_workers=config.num_workers, amp=config.amp),
        device, collate_fn=method.collate_fn, dist_info=dist,
        checkpoints=CheckpointManager(out_dir / "model", method.checkpoint_prefix,
                                      keep_last=config.keep_last_checkpoints),
        logger=logger, resolved_config=resolved, settings=resume_settings(resolved),
        on_iteration=task.on_iteration, on_evaluate=on_evaluate)
    resume = _resume_path(config, out_dir)
    if resume is not None:
        try:
            trainer.resume(str(resume))
        except SettingsChanged as err:
            if dist.is_main:
                put_back_config(err.path, out_dir)
            raise resume_refusal(err) from None
    summary = trainer.fit()
    summary.update({"mode": "training", "test_losses": last_test.get("losses", {}),
                    "pred_files": last_test.get("pred_files", []),
                    "scores": _main_scores(last_test) if last_test else None,
                    "initial_scores": initial, "skipped_images": len(task.skipped_images),
                    "skipped_image_files": task.skipped_images,
                    "wall_seconds": round(time.perf_counter() - started, 2)})
    if dist.is_main:
        _finish(out_dir, summary, initial)
    return summary


def _initial_scores(config: ExperimentConfig, task: Task, model: torch.nn.Module,
                    splits: dict[str, EvalSplit], device: torch.device, epoch: int,
                    out_dir: Path) -> dict | None:
    """Scores of the model before training; reused from ``scores.json`` on resume."""
    if not any(split.has_gt or split.label_free for split in splits.values()):
        return None
    previous = out_dir / "scores.json"
    if config.resume is not None and previous.is_file():
        stored = json.loads(previous.read_text()).get("initial")
        if stored:
            return stored
    result = task.run_test(model, splits, device, epoch, tag="initial")
    scores = _main_scores(result)
    if scores:
        key = pa_mpjpe_key(scores)
        if key is not None:
            log.info("initial %s (PA-MPJPE): %.3f cm", key, scores[key])
        # Written now so that a resumed run reports the same "initial" scores.
        atomic_write_text(out_dir / "scores.json", json.dumps({"initial": scores}, indent=2) + "\n")
    return scores


def _main_scores(result: dict) -> dict | None:
    """Official scores of the first validation dataset with GT (others under ``per_dataset``)."""
    scores = result.get("scores") or {}
    if not scores:
        return None
    first = dict(next(iter(scores.values())))
    if len(scores) > 1:
        first["per_dataset"] = scores
    return first


def _finish(out_dir: Path, summary: dict, initial: dict | None) -> None:
    scores = summary.get("scores")
    if scores:
        payload = dict(scores)
        if initial:
            payload["initial"] = initial
        atomic_write_text(out_dir / "scores.json", json.dumps(payload, indent=2) + "\n")
    atomic_write_text(out_dir / "summary.json", json.dumps(summary, indent=2, default=str) + "\n")
    _print_summary(summary, initial)


def _print_summary(summary: dict, initial: dict | None) -> None:
    lines = [f"mode: {summary['mode']}"]
    for key in ("iterations", "epochs_done", "wall_seconds", "images_per_second",
                "bad_batches", "skipped_batches", "skipped_images", "last_checkpoint"):
        if key in summary:
            lines.append(f"{key}: {summary[key]}")
    for path in summary.get("pred_files") or []:
        lines.append(f"predictions: {path}")
    scores = summary.get("scores")
    if scores:
        for key, value in scores.items():
            if isinstance(value, float):
                before = f"  (initial {initial[key]:.4f})" if initial and key in initial else ""
                lines.append(f"{key}: {value:.4f}{before}")
        key = pa_mpjpe_key(scores)
        if initial and key is not None and initial.get(key, 0.0) > 0:
            change = 100.0 * (1.0 - scores[key] / initial[key])
            lines.append(f"PA-MPJPE: {10 * initial[key]:.2f} mm initially -> "
                         f"{10 * scores[key]:.2f} mm now (reduction {change:.1f}%)")
    log.info("run summary:\n  %s", "\n  ".join(lines))


def _resume_path(config: ExperimentConfig, out_dir: Path) -> Path | None:
    if config.resume is None:
        return None
    if config.resume == "auto":
        latest = CheckpointManager(out_dir / "model").latest_path
        if latest.is_file():
            return latest
        log.info("resume=auto: no %s yet, starting from scratch", latest)
        return None
    return Path(config.resume)


def _tb_dir(config: ExperimentConfig) -> Path | None:
    if not config.is_write_tb:
        return None
    return Path.cwd() / config.writer_topic.strip("/") / time.strftime("%Y%m%d-%H%M%S")


def _start_run_log(out_dir: Path) -> logging.Handler | None:
    """Log to ``<out_dir>/train.log`` unless a handler (e.g. the CLI's) already does."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = (out_dir / "train.log").resolve()
    root = logging.getLogger()
    for existing in root.handlers:
        if isinstance(existing, logging.FileHandler) and Path(existing.baseFilename) == target:
            return None
    handler = logging.FileHandler(target)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return handler
