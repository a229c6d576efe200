"""Datasets and batch assembly for S2HAND runs (wraps :mod:`s2hand.data`).

Training uses one map-style dataset over all ``train_datasets`` (so that the engine's resumable
sampler controls the order) whose items are tagged with their dataset name; the collate function
normalises each dataset's samples with :func:`s2hand.data.normalize_batch` and concatenates them.
Evaluation uses one loader per validation dataset in file order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset
from torch.utils.data._utils.collate import default_collate

from s2hand.data import build_dataset, dataset_options, normalize_batch
from s2hand.data.combined import controlled_subset

log = logging.getLogger(__name__)

# Evaluation ground truth (evaluation.md §1): FreiHAND and HO3D both release it as these two files
# in the dataset root; when both are there, the evaluation split is also queried for joints/verts
# to compute metrics.
EVAL_GT_FILES = ("evaluation_xyz.json", "evaluation_verts.json")


class TaggedConcat(Dataset):
    """Concatenation of named datasets; item ``i`` is ``(name, sample)``."""

    def __init__(self, datasets: dict[str, Dataset]):
        self.names = list(datasets)
        self.datasets = [datasets[n] for n in self.names]
        self.offsets = [0]
        for ds in self.datasets:
            self.offsets.append(self.offsets[-1] + len(ds))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return self.offsets[-1]

    def __getitem__(self, index: int) -> tuple[str, dict]:
        for k in range(len(self.datasets)):
            if index < self.offsets[k + 1]:
                return self.names[k], self.datasets[k][index - self.offsets[k]]
        raise IndexError(index)


def collate_tagged(items: Sequence[tuple[str, dict]]) -> dict:
    """Normalised batch from ``(dataset name, raw sample)`` pairs.

    Samples of different datasets are normalised separately and concatenated along the batch;
    only keys common to every group are kept.
    """
    groups: dict[str, list[dict]] = {}
    for name, sample in items:
        groups.setdefault(name, []).append(sample)
    parts = [normalize_batch(default_collate(samples), name) for name, samples in groups.items()]
    if len(parts) == 1:
        return parts[0]
    keys = set.intersection(*(set(p) for p in parts))
    out: dict = {}
    for key in keys:
        values = [p[key] for p in parts]
        out[key] = (torch.cat(values) if isinstance(values[0], torch.Tensor)
                    else [v for value in values for v in value])
    return out


def collate_eval(dataset_name: str):
    """Collate function of an evaluation loader: default collation, then normalisation."""
    def collate(samples: Sequence[dict]) -> dict:
        return normalize_batch(default_collate(list(samples)), dataset_name)

    return collate


def build_train_dataset(config: Any) -> TaggedConcat:
    """All training datasets (``controlled_exp`` applied), tagged by name."""
    datasets = {}
    for name in config.train_datasets:
        ds = build_dataset(name, "training", config.dataset_root(name),
                           config.train_queries_for(name), semi_ratio=config.semi_ratio,
                           **dataset_options(config))
        if config.controlled_exp:
            ds = controlled_subset(ds, config.controlled_size, len(config.train_datasets))
        datasets[name] = ds
    return TaggedConcat(datasets)


def has_eval_gt(config: Any, name: str) -> bool:
    """Whether the evaluation split of ``name`` ships 3D ground truth (metrics possible)."""
    root = config.dataset_root(name)
    if root is None:
        return False
    return all((Path(root) / f).is_file() for f in EVAL_GT_FILES)


def build_eval_loaders(config: Any) -> dict[str, tuple[DataLoader, bool]]:
    """``{name: (loader, has_gt)}`` over the evaluation split of each ``val_datasets`` entry.

    GT joints/vertices are added to the queries only when the split has them; they are used for
    metrics and figures, never for losses.
    """
    loaders = {}
    for name in config.val_datasets:
        gt = has_eval_gt(config, name)
        queries = list(config.val_queries) + (["joints", "verts"] if gt else [])
        ds = build_dataset(name, "evaluation", config.dataset_root(name),
                           list(dict.fromkeys(queries)), **dataset_options(config))
        loaders[name] = (DataLoader(ds, batch_size=config.val_batch, shuffle=False,
                                    num_workers=min(config.num_workers, 2),
                                    collate_fn=collate_eval(name)), gt)
    return loaders
