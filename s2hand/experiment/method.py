"""What a method provides to a run, and choosing it from the config (key ``method``)."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

from torch import nn

from s2hand.config import ExperimentConfig
from s2hand.engine import MetricsLogger, StepOutput

from .methods import METHODS


class Task(Protocol):
    """A method's training step and test pass, run by :mod:`s2hand.experiment.run`."""

    #: Unreadable training images replaced by the next sample so far (for the summary).
    skipped_images: list[str]

    def train_step(self, model: nn.Module, batch: Any) -> StepOutput: ...

    def on_iteration(self, trainer: Any, batch: Any, output: StepOutput) -> None: ...

    def run_test(self, model: nn.Module, splits: dict, device: Any, epoch: int,
                 tag: str = "test") -> dict[str, Any]:
        """``{"losses": {name: mean}, "scores": {dataset: scores}, "pred_files": [paths]}``."""
        ...


class Method(Protocol):
    """The parts of a run that differ between methods, built from one config."""

    #: File-name prefix of the numbered checkpoints (``<prefix>_<epoch>.t7``).
    checkpoint_prefix: str
    #: The training loader's ``collate_fn`` (``None``: torch's default).
    collate_fn: Any

    def prepare_data(self) -> bool:
        """Make what the datasets read on first use (synthetic data, cached detections of a
        folder of the user's images); whether synthetic data was generated."""
        ...

    def train_dataset(self) -> Any:
        """The training set (a ``sizes`` attribute: several datasets, one per batch)."""
        ...

    def eval_splits(self) -> dict[str, Any]:
        """Test splits by name, each a dataclass with ``loader`` and ``has_gt``; passed to
        ``run_test`` (during training with ``loader`` wrapped by ``Trainer.stoppable``)."""
        ...

    def build_model(self) -> nn.Module: ...

    def load_pretrained(self, model: nn.Module) -> int:
        """Initialise from the config's pretrained files; returns the epoch offset."""
        ...

    def freeze(self, model: nn.Module) -> list[str]:
        """Freeze sub-networks as configured; returns their names."""
        ...

    def build_task(self, out_dir: Path, logger: MetricsLogger | None) -> Task: ...


def build_method(config: ExperimentConfig) -> Method:
    """The method ``config.method`` names, built from ``config``."""
    module, _, name = METHODS[config.method].partition(":")
    return getattr(import_module(module), name)(config)
