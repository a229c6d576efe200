"""Experiment configuration: typed schema, name sets, loading with clear errors."""

from .errors import ConfigError, Problem
from .loader import (
    RESOLVED_CONFIG_NAME,
    config_from_dict,
    config_to_dict,
    load_config,
    read_json,
    save_config,
)
from .names import DATASET_NAMES, LOSS_NAMES, LOSS_WEIGHT_KEYS, QUERY_NAMES, REQUIRE_NAMES
from .schema import AugmentationConfig, ExperimentConfig, SyntheticDataConfig

__all__ = [
    "DATASET_NAMES",
    "LOSS_NAMES",
    "LOSS_WEIGHT_KEYS",
    "QUERY_NAMES",
    "REQUIRE_NAMES",
    "RESOLVED_CONFIG_NAME",
    "AugmentationConfig",
    "ConfigError",
    "ExperimentConfig",
    "Problem",
    "SyntheticDataConfig",
    "config_from_dict",
    "config_to_dict",
    "load_config",
    "read_json",
    "save_config",
]
