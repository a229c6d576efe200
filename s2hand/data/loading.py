"""Datasets by catalog name, their concatenation for training and the evaluation loaders.

The one data path of a run: :func:`build_dataset` per dataset (class from the catalog),
:class:`TaggedConcat` over the training datasets (the engine's resumable sampler draws every
batch from one of them, the datasets taking turns) and :func:`collate_tagged`, which turns the
raw samples of one dataset into a normalised batch; evaluation has one :func:`eval_loader` per
dataset, in file order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from torch.utils.data import DataLoader, Dataset, Subset
from torch.utils.data._utils.collate import default_collate

from s2hand.data.augment import AugmentParams
from s2hand.data.batch import normalize_batch
from s2hand.data.catalog import dataset_spec
from s2hand.data.errors import DataError
from s2hand.stopping import ignore_stop_signals


@dataclass(frozen=True)
class DatasetOptions:
    """Settings every dataset class is built with (each reads those it has).

    Attributes:
        ho3d_version: HO3D release (``"v2"`` png frames, ``"v3"`` jpg).
        augment_params: ranges of the training augmentation (``trans_*`` queries).
        on_bad_image: ``"fail"`` or ``"skip"`` (warn, count, use the next sample).
        semi_ratio: FreiHAND: this fraction of samples uses GT 2D instead of detections.
        versions: FreiHAND training image versions.
        seed: mixed into every per-sample random generator.
        folder: the prepared Folder dataset (:class:`s2hand.data.folder.FolderSettings`).
    """

    ho3d_version: str = "v2"
    augment_params: AugmentParams = field(default_factory=AugmentParams)
    on_bad_image: str = "fail"
    semi_ratio: float | None = None
    versions: tuple[str, ...] = ("gs",)
    seed: int = 0
    folder: Any = None


def build_dataset(name: str, split: str, base_path: str | Path | None, queries: Iterable[str],
                  options: DatasetOptions | None = None) -> Dataset:
    """Dataset ``name`` (a catalog name) for ``split`` ("training"/"evaluation")."""
    spec = dataset_spec(name)
    if base_path is None:
        raise DataError(f"no root folder configured for dataset {name!r} (set "
                        f"{spec.root_key}).")
    module, _, cls = spec.builder.partition(":")
    dataset_class = getattr(import_module(module), cls)
    return dataset_class.build(base_path, split, list(queries), options or DatasetOptions())


def controlled_subset(dataset: Dataset, controlled_size: int, num_datasets: int) -> Subset:
    """The first ``controlled_size // num_datasets`` samples (``controlled_exp``, §1.2)."""
    n = min(len(dataset), max(1, controlled_size // max(1, num_datasets)))
    return Subset(dataset, range(n))


class TaggedConcat(Dataset):
    """Concatenation of named datasets; item ``i`` is ``(name, sample)``.

    ``sizes`` tells the engine's sampler where each dataset starts, so that it can draw every
    batch from a single dataset; ``clips`` (``None``, or one entry per dataset: the engine's
    ``sampling.Clips`` or ``None``) which neighbouring samples it keeps together.
    """

    def __init__(self, datasets: dict[str, Dataset], clips: Mapping[str, Any] | None = None):
        self.names = list(datasets)
        self.datasets = [datasets[n] for n in self.names]
        self.sizes = [len(ds) for ds in self.datasets]  # type: ignore[arg-type]
        self.clips = [clips.get(n) for n in self.names] if clips else None
        self.offsets = [sum(self.sizes[:k]) for k in range(len(self.sizes) + 1)]

    def __len__(self) -> int:
        return self.offsets[-1]

    def __getitem__(self, index: int) -> tuple[str, dict]:
        for k in range(len(self.datasets)):
            if index < self.offsets[k + 1]:
                return self.names[k], self.datasets[k][index - self.offsets[k]]
        raise IndexError(index)


def collate_tagged(items: Sequence[tuple[str, dict]]) -> dict:
    """Normalised batch from ``(dataset name, raw sample)`` pairs of one dataset."""
    names = {name for name, _ in items}
    if len(names) != 1:
        raise ValueError(f"collate_tagged: a batch must come from one dataset, got {sorted(names)}"
                         " (sample TaggedConcat with the engine's ResumableSampler)")
    return normalize_batch(default_collate([sample for _, sample in items]), names.pop())


def eval_loader(dataset: Dataset, name: str, batch_size: int, num_workers: int) -> DataLoader:
    """Loader over an evaluation split in file order, yielding normalised batches."""
    def collate(samples: Sequence[dict]) -> dict:
        return normalize_batch(default_collate(list(samples)), name)

    return DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                      collate_fn=collate, worker_init_fn=ignore_stop_signals)
