"""Datasets (FreiHAND, HO3D) by catalog name, offline 2D detections, augmentation, batch
normalisation and the synthetic dataset generator. See docs/datasets.md.

Names are imported on first use, so that the configuration can read the torch-free
:mod:`s2hand.data.catalog` without importing torch.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "augment": ("AugmentParams",),
    "batch": ("normalize_batch",),
    "catalog": ("DATASETS", "DATASET_NAMES", "QUERY_NAMES", "DatasetSpec", "dataset_spec"),
    "detections": ("Detections", "read_detections", "write_detections"),
    "errors": ("CorruptImageError", "DataError", "DetectionsError", "MissingFileError",
               "UnsafePickleError"),
    "freihand": ("FreiHandDataset",),
    "ho3d": ("HO3DDataset",),
    "loading": ("DatasetOptions", "TaggedConcat", "build_dataset", "collate_tagged",
                "controlled_subset", "eval_loader"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 's2hand.data' has no attribute {name!r}")
    return getattr(import_module(f"s2hand.data.{module}"), name)


def __dir__() -> list[str]:
    return __all__
