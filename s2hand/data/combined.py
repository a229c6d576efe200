"""Loaders that yield normalised batches, round-robin over several training datasets.

Mirrors the original's ``ConcatDataloader`` (s2hand.md §4.1): one batch from each dataset in
turn, stopping when the first loader is exhausted; every batch goes through
:func:`~s2hand.data.batch.normalize_batch` with its dataset's name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import torch
from torch.utils.data import DataLoader, Dataset, Subset

from s2hand.data.batch import normalize_batch


class CombinedLoader:
    """Round-robin over ``{dataset name: DataLoader}``; yields normalised batches."""

    def __init__(self, loaders: Mapping[str, DataLoader]):
        if not loaders:
            raise ValueError("CombinedLoader needs at least one loader")
        self.loaders = dict(loaders)

    def __len__(self) -> int:
        # Full rounds, then the loaders before the first shortest one in the last round.
        lengths = [len(loader) for loader in self.loaders.values()]
        shortest = min(lengths)
        return shortest * len(lengths) + lengths.index(shortest)

    def __iter__(self) -> Iterator[dict]:
        iterators = {name: iter(loader) for name, loader in self.loaders.items()}
        while True:
            for name, it in iterators.items():
                try:
                    raw = next(it)
                except StopIteration:
                    return
                yield normalize_batch(raw, name)

    @property
    def datasets(self) -> dict[str, Dataset]:
        """The underlying datasets by name."""
        return {name: loader.dataset for name, loader in self.loaders.items()}


def controlled_subset(dataset: Dataset, controlled_size: int, num_datasets: int) -> Subset:
    """The first ``controlled_size // num_datasets`` samples (``controlled_exp``, §1.2)."""
    n = min(len(dataset), max(1, controlled_size // max(1, num_datasets)))
    return Subset(dataset, range(n))


def make_loader(dataset: Dataset, batch_size: int, train: bool, num_workers: int,
                seed: int) -> DataLoader:
    """DataLoader with the original's settings: training shuffles and drops the last partial
    batch, evaluation keeps the order and every sample. Shuffling and worker seeds follow
    ``seed``."""
    # A dataset smaller than one batch still yields that one (short) batch.
    drop_last = train and len(dataset) >= batch_size
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=train, drop_last=drop_last,
        num_workers=num_workers, pin_memory=torch.cuda.is_available(),
        persistent_workers=num_workers > 0, generator=torch.Generator().manual_seed(seed))
