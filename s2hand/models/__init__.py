"""s2hand.models: the S2HAND network (§2) and its typed output."""

from .build import ModelConfigError, build_model
from .network import ModelInputError, S2HandNet, project_points
from .output import S2HandOutput

__all__ = [
    "ModelConfigError",
    "ModelInputError",
    "S2HandNet",
    "S2HandOutput",
    "build_model",
    "project_points",
]
