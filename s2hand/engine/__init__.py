"""The generic training engine; it knows nothing about hands or configs: a trainer with hooks
(:mod:`.trainer`), resumable sampling (:mod:`.sampling`), checkpoints (:mod:`.checkpoint`),
optimisers and freezing (:mod:`.optim`), distributed helpers and the metrics log."""

from .checkpoint import (
    CHECKPOINT_FORMAT,
    CheckpointError,
    CheckpointManager,
    atomic_torch_save,
    load_checkpoint,
    load_parts,
    read_checkpoint,
    save_model_checkpoint,
    trained_state,
)
from .metrics_log import MetricsLogger
from .optim import apply_frozen_modes, build_optimizer, build_scheduler, freeze_module
from .trainer import StepOutput, Trainer, TrainerConfig, TrainingAborted

__all__ = [
    "CHECKPOINT_FORMAT", "CheckpointError", "CheckpointManager", "MetricsLogger", "StepOutput",
    "Trainer", "TrainerConfig", "TrainingAborted", "apply_frozen_modes", "atomic_torch_save",
    "build_optimizer", "build_scheduler", "freeze_module", "load_checkpoint", "load_parts",
    "read_checkpoint", "save_model_checkpoint", "trained_state",
]
