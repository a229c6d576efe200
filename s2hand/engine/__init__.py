"""Training engine: a generic trainer (:mod:`.trainer`) and the S2HAND wiring
(:func:`s2hand.engine.experiment.run_experiment`)."""

from typing import Any

from .checkpoint import CheckpointError, CheckpointManager, atomic_torch_save, load_checkpoint
from .optim import apply_frozen_modes, build_optimizer, build_scheduler, freeze_module
from .trainer import StepOutput, Trainer, TrainerConfig, TrainingAborted

__all__ = [
    "CheckpointError", "CheckpointManager", "StepOutput", "Trainer", "TrainerConfig",
    "TrainingAborted", "apply_frozen_modes", "atomic_torch_save", "build_optimizer",
    "build_scheduler", "freeze_module", "load_checkpoint", "run_experiment",
]


def run_experiment(config: Any) -> dict:
    """Run one S2HAND experiment; see :func:`s2hand.engine.experiment.run_experiment` (imported
    lazily so that the generic trainer does not pull in the model and data packages)."""
    from .experiment import run_experiment as _run

    return _run(config)
