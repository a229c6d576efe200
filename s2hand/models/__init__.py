"""s2hand.models: the S2HAND network (§2), its typed output and checkpoint loading (§5.2-5.3)."""

from .build import REQUIRE_NAMES, ModelConfigError, build_model
from .checkpoint import (
    FILE_KEYS,
    MODEL_FORMAT,
    CheckpointError,
    load_any_checkpoint,
    load_model_checkpoint,
    load_original_checkpoint,
    load_state_dicts,
    model_state_dicts,
    save_model_checkpoint,
)
from .network import ModelInputError, S2HandNet, project_points
from .output import S2HandOutput

__all__ = [
    "FILE_KEYS",
    "MODEL_FORMAT",
    "REQUIRE_NAMES",
    "CheckpointError",
    "ModelConfigError",
    "ModelInputError",
    "S2HandNet",
    "S2HandOutput",
    "build_model",
    "load_any_checkpoint",
    "load_model_checkpoint",
    "load_original_checkpoint",
    "load_state_dicts",
    "model_state_dicts",
    "project_points",
    "save_model_checkpoint",
]
