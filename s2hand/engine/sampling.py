"""Deterministic, resumable data order and per-sample randomness.

Exact resume needs two things from the data side:

* the order of samples in an epoch must be a pure function of ``(seed, epoch)`` and the loader
  must be able to start in the middle of it: :class:`ResumableSampler` yields the batches of
  one epoch from a given batch offset, sharded across distributed ranks; a dataset can ask for
  clips of neighbouring samples to stay together in that order (:class:`Clips`);
* random augmentation must not depend on which worker process loads a sample or on how many
  samples that worker loaded before: :class:`SeededDataset` reseeds python/numpy/torch from
  ``(seed, epoch, index)`` before each ``__getitem__`` of the wrapped dataset, and, when the
  sample is loaded in the training process itself (``num_workers=0``), puts the generators back
  afterwards, so the training stream (e.g. dropout) is the same with or without workers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler, get_worker_info

from .checkpoint import preserved_rng


def _mix(*values: int) -> int:
    """A 63-bit seed mixing several integers (splitmix-style, deterministic across runs)."""
    acc = 0x9E3779B97F4A7C15
    for value in values:
        acc ^= (value + 0x9E3779B97F4A7C15 + (acc << 6) + (acc >> 2)) & 0xFFFFFFFFFFFFFFFF
        acc = (acc * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    return acc >> 1


class SeededDataset(Dataset):
    """Wraps a map-style dataset; items are requested as ``(epoch, index)`` pairs (a dataset
    with ``get_for_epoch(index, epoch)`` is asked through it)."""

    def __init__(self, dataset: Dataset, seed: int):
        self.dataset = dataset
        self.seed = int(seed)

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, key: tuple[int, int]) -> Any:
        if get_worker_info() is None:  # in the training process: leave its stream alone
            with preserved_rng():
                return self._seeded_item(key)
        return self._seeded_item(key)

    def _seeded_item(self, key: tuple[int, int]) -> Any:
        epoch, index = key
        sample_seed = _mix(self.seed, epoch, index)
        random.seed(sample_seed)
        np.random.seed(sample_seed % (2**32))  # noqa: NPY002 - datasets use the global RNG
        torch.manual_seed(sample_seed)
        # A dataset whose samples change with the epoch (e.g. DeepHandMesh's drawn depth views)
        # says so with ``get_for_epoch``, so its draws follow the run's epochs on resume.
        for_epoch = getattr(self.dataset, "get_for_epoch", None)
        return for_epoch(index, epoch) if for_epoch is not None else self.dataset[index]


@dataclass(frozen=True)
class Clips:
    """Clip-wise order of one dataset of a :class:`ResumableSampler`.

    ``runs`` are groups of neighbouring samples (indices into that dataset, in their order;
    together every index once). Each epoch every run is cut into clips of ``length`` consecutive
    samples, its first clip ``0..length-1`` samples long at random so that the clip borders
    move between epochs; the clips are shuffled and laid end to end, so a clip lands in one
    batch unless it straddles two. A run of one sample is a clip of one.
    """

    runs: tuple[tuple[int, ...], ...]
    length: int


def cut_runs(runs: Sequence[Sequence[int]], length: int, phases: Sequence[int]
             ) -> list[list[int]]:
    """Each run cut into clips of ``length`` consecutive items, run ``r``'s first clip
    ``phases[r] % length`` items long when that is not 0; every item once, runs in order."""
    clips = []
    for run, phase in zip(runs, phases, strict=True):
        first = phase % length
        if first:
            clips.append(list(run[:first]))
        clips += [list(run[i : i + length]) for i in range(first, len(run), length)]
    return clips


def _check_clips(clips: Clips, size: int, k: int) -> None:
    indices = sorted(i for run in clips.runs for i in run)
    if indices != list(range(size)) or clips.length < 1:
        raise ValueError(f"ResumableSampler: the clips of dataset {k} must hold each of its "
                         f"{size} indices once and have a length >= 1 (got {len(indices)} "
                         f"indices, length {clips.length})")


class ResumableSampler(Sampler):
    """Batch sampler over one or several concatenated datasets, one epoch at a time.

    With several datasets (``num_samples`` a sequence of sizes, the datasets laid end to end as
    in :class:`s2hand.data.TaggedConcat`) every batch comes from one dataset and the datasets
    take turns, one batch each, as the original's ``ConcatDataloader`` (s2hand.md §4.1); the
    epoch ends when the first dataset runs out of full batches. So a batch always has a single
    dataset and its per-dataset settings (e.g. ``losses_frei``) apply.

    Args:
        num_samples: dataset length, or the lengths of the concatenated datasets.
        batch_size: per-rank batch size.
        shuffle: permute each dataset with a generator seeded by ``(seed, epoch, dataset)``.
        drop_last: drop a last incomplete batch (per rank and dataset).
        rank, world_size: distributed sharding; every rank gets the same number of batches.
        max_batches: cap on batches per epoch (None = all).
        clips: per dataset, :class:`Clips` to keep neighbouring samples together, or ``None``
            (samples shuffled one by one, the default). A dataset with clips is split across
            ranks in contiguous blocks of its epoch order, so clips stay on one rank.

    Yields lists of ``(epoch, index)`` pairs, for :class:`SeededDataset`.
    """

    def __init__(self, num_samples: int | Sequence[int], batch_size: int, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = True, rank: int = 0, world_size: int = 1,
                 max_batches: int | None = None, clips: Sequence[Clips | None] | None = None):
        sizes = [num_samples] if isinstance(num_samples, int) else list(num_samples)
        if not sizes or min(sizes) <= 0:
            raise ValueError(f"ResumableSampler: a dataset is empty (sizes {sizes})")
        self.clips = list(clips) if clips is not None else [None] * len(sizes)
        if len(self.clips) != len(sizes):
            raise ValueError(f"ResumableSampler: {len(self.clips)} clip entries for "
                             f"{len(sizes)} datasets")
        for k, c in enumerate(self.clips):
            if c is not None:
                _check_clips(c, sizes[k], k)
        self.sizes = sizes
        self.offsets = [sum(sizes[:k]) for k in range(len(sizes))]
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

    def _epoch_order(self, k: int) -> list[int]:
        """Dataset ``k``'s order of this epoch (indices into it), a function of (seed, epoch)."""
        clips = self.clips[k]
        if not self.shuffle:
            return list(range(self.sizes[k])) if clips is None else [
                i for run in clips.runs for i in run]
        # Dataset 0 keeps the single-dataset seed, so one dataset orders as it always did.
        mix = _mix(self.seed, self.epoch) if k == 0 else _mix(self.seed, self.epoch, k)
        generator = torch.Generator().manual_seed(mix)
        if clips is None:
            return torch.randperm(self.sizes[k], generator=generator).tolist()
        phases = torch.randint(clips.length, (len(clips.runs),), generator=generator).tolist()
        pieces = cut_runs(clips.runs, clips.length, phases)
        return [i for p in torch.randperm(len(pieces), generator=generator).tolist()
                for i in pieces[p]]

    def _rank_indices(self, k: int) -> list[int]:
        """This rank's share of dataset ``k``'s epoch order (indices into the concatenation)."""
        order = self._epoch_order(k)
        per_rank = -(-self.sizes[k] // self.world_size)
        order += order[: per_rank * self.world_size - len(order)]  # pad so ranks stay in step
        if self.clips[k] is None:
            share = order[self.rank :: self.world_size]
        else:  # contiguous blocks keep the clips whole
            share = order[self.rank * per_rank : (self.rank + 1) * per_rank]
        return [self.offsets[k] + i for i in share]

    def _dataset_batches(self, k: int) -> int:
        per_rank = -(-self.sizes[k] // self.world_size)
        full, rest = divmod(per_rank, self.batch_size)
        count = full if (self.drop_last or rest == 0) else full + 1
        if count == 0:
            raise ValueError(f"ResumableSampler: {self.sizes[k]} samples give no full batch of "
                             f"{self.batch_size} per rank with drop_last; lower the batch size")
        return count

    def _schedule(self) -> list[tuple[int, int]]:
        """``(dataset, batch number within it)`` of every batch of the epoch, in order."""
        counts = [self._dataset_batches(k) for k in range(len(self.sizes))]
        shortest = min(counts)
        order = [(k, b) for b in range(shortest) for k in range(len(counts))]
        # The datasets before the first shortest one still have a batch in the last round.
        order += [(k, shortest) for k in range(counts.index(shortest))]
        return order if self.max_batches is None else order[: self.max_batches]

    def batches_per_epoch(self) -> int:
        return len(self._schedule())

    def __len__(self) -> int:
        return max(self.batches_per_epoch() - self.start_batch, 0)

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        indices = {k: self._rank_indices(k) for k in range(len(self.sizes))}
        for k, b in self._schedule()[self.start_batch :]:
            chunk = indices[k][b * self.batch_size : (b + 1) * self.batch_size]
            yield [(self.epoch, i) for i in chunk]
