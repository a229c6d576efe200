"""Datasets (FreiHAND, HO3D) by catalog name, offline 2D detections, augmentation, batch
normalisation and the synthetic dataset generator. See docs/datasets.md.

Names are imported on first use, so that the configuration can read the torch-free
:mod:`s2hand.data.catalog` without importing torch.
"""

from __future__ import annotations

from s2hand.lazy_exports import lazy_exports

_EXPORTS = {
    "augment": ("AugmentParams",),
    "batch": ("HandBatch", "normalize_batch"),
    "catalog": ("DATASETS", "DATASET_NAMES", "QUERY_NAMES", "DatasetSpec", "dataset_spec"),
    "detections": ("Detections", "read_detections", "write_detections"),
    "errors": ("CorruptImageError", "DataError", "DetectionsError", "MissingFileError",
               "UnsafePickleError"),
    "freihand": ("FreiHandDataset",),
    "ho3d": ("HO3DDataset",),
    "loading": ("DatasetOptions", "TaggedConcat", "build_dataset", "collate_tagged",
                "controlled_subset", "eval_loader"),
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
