"""A generic epoch/iteration training loop; it knows nothing about hands.

The task is given as a ``step_fn(model, batch) -> StepOutput`` that runs the forward pass and
returns the scalar loss; the trainer owns everything else: data order, device transfer,
backward/optimiser/scheduler, freezing modes, AMP, DDP, the NaN/inf guard, checkpoints with exact
resume, logging, progress and the end-of-run summary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from s2hand.stopping import StopSignal, ignore_stop_signals

from .checkpoint import (
    CheckpointManager,
    capture_rng_state,
    load_checkpoint,
    preserved_rng,
    restore_rng_state,
)
from .distributed import DistInfo, all_reduce_any, all_reduce_mean
from .metrics_log import MetricsLogger
from .optim import apply_frozen_modes
from .resume_check import check_resumable, check_settings
from .sampling import ResumableSampler, SeededDataset
from .stop_request import PassStopped, StopRequest

log = logging.getLogger(__name__)


class TrainingAborted(RuntimeError):
    """Too many non-finite batches; the last good checkpoint on disk is left untouched."""


@dataclass
class StepOutput:
    """What a task's step function returns.

    ``loss`` is the scalar objective, or ``None`` to skip the batch without counting it as bad
    (e.g. every term was zero); ``scalars`` are logged; ``extras`` go to the iteration hook.
    """

    loss: torch.Tensor | None
    scalars: dict[str, float] = field(default_factory=dict)
    extras: Any = None


@dataclass
class TrainerConfig:
    epochs: int
    batch_size: int
    seed: int = 0
    epoch_offset: int = 0  # label of the first epoch is epoch_offset + 1 (original current_epoch)
    save_interval: int = 1
    print_freq: int = 100
    log_freq: int = 10
    max_bad_batches: int = 20
    max_iters_per_epoch: int | None = None
    checkpoint_every_iters: int = 0  # also save latest.t7 mid-epoch every N iterations (0: off)
    num_workers: int = 0
    amp: bool = False
    progress: bool = True


def move_to_device(batch: Any, device: torch.device) -> Any:
    """Recursively move tensors in dicts/lists/tuples, and objects with a ``to(device)`` method
    (e.g. a batch dataclass), to ``device``; other values unchanged."""
    if isinstance(batch, torch.Tensor) or callable(getattr(batch, "to", None)):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: move_to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(move_to_device(v, device) for v in batch)
    return batch


class Trainer:
    """Runs ``cfg.epochs`` epochs of ``step_fn`` over ``dataset``.

    Hooks: ``on_iteration(trainer, batch, output)`` after every optimiser step (rank 0 only);
    ``on_evaluate(trainer, epoch_label) -> dict`` every ``save_interval`` epochs and after the
    last one (rank 0 only; other ranks wait), its scalars logged under phase ``"test"``. The
    evaluation should take its batches through :meth:`stoppable`, so that a stop request ends
    it before the next batch (see :mod:`.stop_request`). Hooks run with the random generators
    put back afterwards, so what they draw never shifts training.

    ``settings`` (plain values by name) are what an exact continuation depends on besides the
    trainer's own facts (:meth:`continuation_settings`); they are recorded in every checkpoint
    and :meth:`resume` refuses a checkpoint recorded with others.
    """

    def __init__(self, model: nn.Module, step_fn: Callable[[nn.Module, Any], StepOutput],
                 optimizer: torch.optim.Optimizer, scheduler: Any, dataset: Dataset,
                 cfg: TrainerConfig, device: torch.device,
                 collate_fn: Callable | None = None, dist_info: DistInfo | None = None,
                 checkpoints: CheckpointManager | None = None,
                 logger: MetricsLogger | None = None, resolved_config: dict | None = None,
                 on_iteration: Callable | None = None, on_evaluate: Callable | None = None,
                 settings: Mapping[str, Any] | None = None):
        self.cfg = cfg
        self.device = device
        self.dist = dist_info or DistInfo()
        self.model = model.to(device)
        self.wrapped: nn.Module = self.model
        if self.dist.enabled:
            # find_unused_parameters: some built sub-networks are idle in some stages (§1.3)
            ids = [device.index] if device.type == "cuda" else None
            self.wrapped = nn.parallel.DistributedDataParallel(
                self.model, device_ids=ids, find_unused_parameters=True)
        self.step_fn = step_fn
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.checkpoints = checkpoints if self.dist.is_main else None
        self.logger = logger or MetricsLogger(None)
        self.resolved_config = resolved_config or {}
        self.settings = dict(settings or {})
        self.on_iteration = on_iteration
        self.on_evaluate = on_evaluate
        self.use_amp = cfg.amp and device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)
        # A concatenation of several datasets (``sizes``) is sampled one dataset per batch;
        # ``clips`` (one entry per dataset) keep neighbouring samples together.
        self.sampler = ResumableSampler(
            getattr(dataset, "sizes", None) or len(dataset), cfg.batch_size, shuffle=True,
            seed=cfg.seed, drop_last=True,
            rank=self.dist.rank, world_size=self.dist.world_size,
            max_batches=cfg.max_iters_per_epoch, clips=getattr(dataset, "clips", None))
        # A private generator keeps DataLoader start-up from drawing on the global RNG, whose
        # state is part of the checkpoint.
        self.loader = DataLoader(
            SeededDataset(dataset, cfg.seed), batch_sampler=self.sampler,
            num_workers=cfg.num_workers, collate_fn=collate_fn,
            pin_memory=device.type == "cuda", worker_init_fn=ignore_stop_signals,
            generator=torch.Generator().manual_seed(cfg.seed))
        self.epochs_done = 0
        self.batch_in_epoch = 0
        self.iteration = 0
        self.bad_batches = 0
        self.skipped_batches = 0
        self.images_seen = 0
        self.last_checkpoint: str | None = None
        self.last_eval: dict[str, float] = {}
        self._stop = StopRequest()

    # ------------------------------------------------------------------ state
    def continuation_settings(self) -> dict[str, Any]:
        """The caller's ``settings`` plus what the run depends on that no setting says: the
        number of ranks, the training set sizes (e.g. images added to a folder) and whether
        mixed precision is in effect (``amp`` on a CUDA device)."""
        return {**self.settings, "world_size": self.dist.world_size,
                "dataset_sizes": list(self.sampler.sizes), "amp_in_use": self.use_amp}

    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "scaler": self.scaler.state_dict() if self.use_amp else None,
            "epoch": self.cfg.epoch_offset + self.epochs_done,
            "epochs_done": self.epochs_done,
            "batch_in_epoch": self.batch_in_epoch,
            "iteration": self.iteration,
            "bad_batches": self.bad_batches,
            "skipped_batches": self.skipped_batches,
            "rng": capture_rng_state(),
            "config": self.resolved_config,
            "settings": self.continuation_settings(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.use_amp and state.get("scaler") is not None:
            self.scaler.load_state_dict(state["scaler"])
        self.epochs_done = int(state["epochs_done"])
        self.batch_in_epoch = int(state["batch_in_epoch"])
        self.iteration = int(state["iteration"])
        self.bad_batches = int(state.get("bad_batches", 0))
        self.skipped_batches = int(state.get("skipped_batches", 0))
        restore_rng_state(state["rng"])

    def resume(self, path: str) -> None:
        """Continue exactly where the checkpoint at ``path`` stopped (mid-epoch included)."""
        state = load_checkpoint(path, map_location=self.device)
        check_resumable(path, self.model.state_dict(), state.get("model"), state.get("config"),
                        self.resolved_config)
        check_settings(path, state.get("settings"), self.continuation_settings())
        self.load_state_dict(state)
        log.info("resumed from %s: epoch %d done, batch %d of the next, iteration %d",
                 path, self.cfg.epoch_offset + self.epochs_done, self.batch_in_epoch,
                 self.iteration)

    def save(self, numbered: bool) -> None:
        if self.checkpoints is not None:
            with self._stop.writing():  # a second signal waits for the file to be complete
                path = self.checkpoints.save(self.state_dict(), numbered=numbered)
                self.last_checkpoint = str(path)

    # ------------------------------------------------------------------ loop
    def request_stop(self) -> None:
        """Ask the loop to save ``latest.t7`` and return after the current iteration (or
        before the next batch of an evaluation pass)."""
        self._stop.request()

    def stoppable(self, loader: Iterable) -> Iterable:
        """``loader``'s batches for an ``on_evaluate`` pass: once a stop is requested, the pass
        ends before its next batch, nothing of it is recorded and ``latest.t7`` holds the
        state before it, so that a resumed run evaluates that epoch again."""
        return self._stop.batches(loader)

    def fit(self) -> dict[str, Any]:
        """Train the remaining epochs; returns the end-of-run summary dict.

        SIGINT/SIGTERM: the first saves ``latest.t7`` at the next safe point and returns with
        ``interrupted``; a second raises :class:`s2hand.stopping.StopSignal` at once (never
        inside a checkpoint write), its ``note`` naming the last checkpoint written.
        """
        start = time.perf_counter()
        restore = self._stop.install()
        interrupted = False
        try:
            while self.epochs_done < self.cfg.epochs:
                if not (self._run_epoch() and self._end_epoch()):
                    interrupted = True
                    break
                if self.epochs_done < self.cfg.epochs and self._stopping(save=False):
                    interrupted = True
                    break
        except StopSignal as stop:
            stop.note = (f"the last checkpoint written, {self.last_checkpoint}, is complete"
                         if self.last_checkpoint else "no checkpoint was written by this run")
            raise
        finally:
            restore()
            self.logger.close()
        return self._summary(time.perf_counter() - start, interrupted)

    def _stopping(self, save: bool) -> bool:
        """Whether any rank was asked to stop; then (after saving ``latest.t7`` when ``save``)
        says where the state is."""
        if not all_reduce_any(self._stop.requested, self.dist, self.device):
            return False
        if save:
            self.save(numbered=False)
        log.warning("stop requested: state saved to %s at iteration %d", self.last_checkpoint,
                    self.iteration)
        return True

    def _run_epoch(self) -> bool:
        """One (possibly resumed) epoch; False when stopped early on request."""
        label = self.cfg.epoch_offset + self.epochs_done + 1
        self.wrapped.train()
        apply_frozen_modes(self.model)
        self.sampler.set_epoch(self.epochs_done, start_batch=self.batch_in_epoch)
        window: dict[str, list[float]] = {}
        bar = tqdm(self.loader, total=len(self.sampler), desc=f"epoch {label}",
                   disable=not (self.cfg.progress and self.dist.is_main), leave=False,
                   dynamic_ncols=True)
        for batch in bar:
            batch = move_to_device(batch, self.device)
            output = self._train_step(batch)
            self.batch_in_epoch += 1
            if output is not None:
                for key, value in output.scalars.items():
                    window.setdefault(key, []).append(value)
                if "loss" in window:
                    bar.set_postfix(loss=f"{sum(window['loss']) / len(window['loss']):.4g}")
                if self.on_iteration is not None and self.dist.is_main:
                    with preserved_rng():
                        self.on_iteration(self, batch, output)
            if self.iteration % self.cfg.log_freq == 0 and window:
                self._log_window(window, label)
                window = {}
            every = self.cfg.checkpoint_every_iters
            if every > 0 and self.iteration % every == 0:
                self.save(numbered=False)
            if self._stopping(save=True):
                return False
        if window:
            self._log_window(window, label)
        return True

    def _train_step(self, batch: Any) -> StepOutput | None:
        self.iteration += 1
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.use_amp):
            output = self.step_fn(self.wrapped, batch)
        loss = output.loss
        skip = all_reduce_any(loss is None, self.dist, self.device)
        if skip:
            self.skipped_batches += 1
            return None
        bad = all_reduce_any(not bool(torch.isfinite(loss.detach()).all()), self.dist, self.device)
        if not bad:
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            # Under AMP the scaler itself skips steps with inf gradients (normal while it
            # calibrates), so only the unscaled path checks gradients here.
            bad = not self.use_amp and not self._grads_finite()
        if bad:
            self.optimizer.zero_grad(set_to_none=True)
            self._count_bad()
            return None
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.images_seen += _batch_size(batch) * self.dist.world_size
        output.scalars = {"loss": float(all_reduce_mean(loss.detach(), self.dist)),
                          **output.scalars}
        return output

    def _grads_finite(self) -> bool:
        for param in self.model.parameters():
            if param.grad is not None and not bool(torch.isfinite(param.grad).all()):
                return False
        return True

    def _count_bad(self) -> None:
        self.bad_batches += 1
        log.warning("non-finite loss or gradient at iteration %d: batch skipped (%d so far)",
                    self.iteration, self.bad_batches)
        if self.bad_batches > self.cfg.max_bad_batches:
            where = self.last_checkpoint or "none written yet"
            raise TrainingAborted(
                f"training aborted at iteration {self.iteration}: {self.bad_batches} batches had "
                f"a non-finite loss or gradient (max_bad_batches={self.cfg.max_bad_batches}). "
                f"The last good checkpoint is {where} and was not overwritten; lower init_lr, "
                "check the data, or raise max_bad_batches.")

    def _end_epoch(self) -> bool:
        """Evaluation (when due), scheduler step and checkpoint after an epoch's last batch;
        False when a stop request ended the evaluation early."""
        label = self.cfg.epoch_offset + self.epochs_done + 1
        due = label % self.cfg.save_interval == 0 or self.epochs_done + 1 == self.cfg.epochs
        if due and self.on_evaluate is not None and not self._evaluate(label):
            return False
        self.epochs_done += 1
        self.batch_in_epoch = 0
        if self.scheduler is not None:
            self.scheduler.step()
        self.save(numbered=due)
        return True

    def _evaluate(self, label: int) -> bool:
        """The ``on_evaluate`` pass of epoch ``label`` (rank 0); False when a stop request
        ended it: then ``latest.t7`` gets the state before the pass (the epoch's batches done,
        the RNG as it was), which a resumed run continues by evaluating again."""
        stopped = False
        if self.dist.is_main:
            with preserved_rng():
                try:
                    self.last_eval = dict(self.on_evaluate(self, label) or {})
                except PassStopped:
                    stopped = True
            if not stopped:
                self.logger.log("test", self.last_eval, self.iteration, label)
            self.wrapped.train()
            apply_frozen_modes(self.model)
        # The other ranks wait here for the pass, and all learn whether it was stopped.
        if not all_reduce_any(stopped, self.dist, self.device):
            return True
        self.save(numbered=False)
        log.warning("stop requested during the evaluation of epoch %d: the pass was left "
                    "unfinished and none of its scores recorded; the state before it is saved "
                    "to %s and a resumed run evaluates the epoch again", label,
                    self.last_checkpoint)
        return False

    def _log_window(self, window: dict[str, list[float]], label: int) -> None:
        means = {k: sum(v) / len(v) for k, v in window.items()}
        means["lr"] = self.optimizer.param_groups[0]["lr"]
        if self.dist.is_main:
            self.logger.log("train", means, self.iteration, label)
            if self.iteration % self.cfg.print_freq < self.cfg.log_freq:
                terms = " ".join(f"{k}={v:.4g}" for k, v in means.items())
                log.info("epoch %d iter %d: %s", label, self.iteration, terms)

    def _summary(self, seconds: float, interrupted: bool) -> dict[str, Any]:
        summary = {
            "epochs_done": self.epochs_done,
            "last_epoch": self.cfg.epoch_offset + self.epochs_done,
            "iterations": self.iteration,
            "wall_seconds": round(seconds, 2),
            "images_per_second": round(self.images_seen / seconds, 3) if seconds > 0 else 0.0,
            "bad_batches": self.bad_batches,
            "skipped_batches": self.skipped_batches,
            "last_checkpoint": self.last_checkpoint,
            "last_eval": self.last_eval,
            "interrupted": interrupted,
            "stop_signal": self._stop.signum if interrupted else None,
        }
        if self.dist.is_main:
            lines = [f"  {k}: {v}" for k, v in summary.items()]
            log.info("training summary:\n%s", "\n".join(lines))
        return summary


def _batch_size(batch: Any) -> int:
    """Leading dimension of the first tensor found in ``batch`` (0 if none)."""
    if isinstance(batch, torch.Tensor):
        return int(batch.shape[0]) if batch.dim() else 1
    if isinstance(batch, Mapping):
        batch = list(batch.values())
    elif not isinstance(batch, (list, tuple, str)) and hasattr(batch, "__len__"):
        return len(batch)  # e.g. a batch dataclass
    if isinstance(batch, (list, tuple)):
        for value in batch:
            size = _batch_size(value)
            if size:
                return size
    return 0

