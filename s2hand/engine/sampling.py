"""Deterministic, resumable data order and per-sample randomness.

Exact resume needs two things from the data side:

* the order of samples in an epoch must be a pure function of ``(seed, epoch)`` and the loader
  must be able to start in the middle of it: :class:`ResumableSampler` yields the batches of
  one epoch from a given batch offset, sharded across distributed ranks;
* random augmentation must not depend on which worker process loads a sample or on how many
  samples that worker loaded before: :class:`SeededDataset` reseeds python/numpy/torch from
  ``(seed, epoch, index)`` before each ``__getitem__`` of the wrapped dataset.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler


def _mix(*values: int) -> int:
    """A 63-bit seed mixing several integers (splitmix-style, deterministic across runs)."""
    acc = 0x9E3779B97F4A7C15
    for value in values:
        acc ^= (value + 0x9E3779B97F4A7C15 + (acc << 6) + (acc >> 2)) & 0xFFFFFFFFFFFFFFFF
        acc = (acc * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    return acc >> 1


class SeededDataset(Dataset):
    """Wraps a map-style dataset; items are requested as ``(epoch, index)`` pairs."""

    def __init__(self, dataset: Dataset, seed: int):
        self.dataset = dataset
        self.seed = int(seed)

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, key: tuple[int, int]) -> Any:
        epoch, index = key
        sample_seed = _mix(self.seed, epoch, index)
        random.seed(sample_seed)
        np.random.seed(sample_seed % (2**32))  # noqa: NPY002 - datasets use the global RNG
        torch.manual_seed(sample_seed)
        return self.dataset[index]


class ResumableSampler(Sampler):
    """Batch sampler over ``range(num_samples)`` for one epoch at a time.

    Args:
        num_samples: dataset length.
        batch_size: per-rank batch size.
        shuffle: permute with a generator seeded by ``(seed, epoch)``.
        drop_last: drop a last incomplete batch (per rank).
        rank, world_size: distributed sharding; every rank gets the same number of batches.
        max_batches: cap on batches per epoch (None = all).

    Yields lists of ``(epoch, index)`` pairs, for :class:`SeededDataset`.
    """

    def __init__(self, num_samples: int, batch_size: int, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = True, rank: int = 0, world_size: int = 1,
                 max_batches: int | None = None):
        if num_samples <= 0:
            raise ValueError("ResumableSampler: the dataset is empty")
        self.num_samples = num_samples
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.rank = rank
        self.world_size = world_size
        self.max_batches = max_batches
        self.epoch = 0
        self.start_batch = 0

    def set_epoch(self, epoch: int, start_batch: int = 0) -> None:
        """Select the epoch and skip its first ``start_batch`` batches (mid-epoch resume)."""
        self.epoch = epoch
        self.start_batch = start_batch

    def _rank_indices(self) -> list[int]:
        if self.shuffle:
            gen = torch.Generator().manual_seed(_mix(self.seed, self.epoch))
            order = torch.randperm(self.num_samples, generator=gen).tolist()
        else:
            order = list(range(self.num_samples))
        per_rank = -(-self.num_samples // self.world_size)
        order += order[: per_rank * self.world_size - len(order)]  # pad so ranks stay in step
        return order[self.rank :: self.world_size]

    def batches_per_epoch(self) -> int:
        per_rank = -(-self.num_samples // self.world_size)
        full, rest = divmod(per_rank, self.batch_size)
        count = full if (self.drop_last or rest == 0) else full + 1
        if count == 0:
            raise ValueError(f"ResumableSampler: {self.num_samples} samples give no full batch of "
                             f"{self.batch_size} per rank with drop_last; lower the batch size")
        return count if self.max_batches is None else min(count, self.max_batches)

    def __len__(self) -> int:
        return max(self.batches_per_epoch() - self.start_batch, 0)

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        indices = self._rank_indices()
        for b in range(self.start_batch, self.batches_per_epoch()):
            chunk = indices[b * self.batch_size : (b + 1) * self.batch_size]
            yield [(self.epoch, i) for i in chunk]
