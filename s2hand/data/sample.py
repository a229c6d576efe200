"""Helpers shared by the dataset classes: per-sample random generators, tensor conversion and
the skip-or-fail policy for unreadable images."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Literal

import numpy as np
import torch
from torch.utils.data import Dataset

from s2hand.data.errors import CorruptImageError

BadImagePolicy = Literal["fail", "skip"]
# How many following samples are tried before giving up when images are unreadable.
MAX_SKIP = 16


def checked_queries(dataset: str, split: str, queries: Iterable[str], valid: frozenset[str],
                    why: str = "") -> frozenset[str]:
    """``queries`` as a set, after checking ``split`` and that every query is in ``valid``.

    Raises ``ValueError`` naming the dataset, the bad split or queries, and ``why`` they are not
    provided.
    """
    if split not in ("training", "evaluation"):
        raise ValueError(f"{dataset} split must be 'training' or 'evaluation', got {split!r}")
    chosen = frozenset(queries)
    unknown = chosen - valid
    if unknown:
        raise ValueError(f"{dataset} queries {sorted(unknown)} are not provided (valid: "
                         f"{sorted(valid)}){why}")
    return chosen


def sample_rng(seed: int, idx: int) -> np.random.Generator:
    """Generator for one draw of sample ``idx``.

    Mixes the dataset seed, the index and one draw of torch's generator: with a fixed
    ``torch.manual_seed`` (and DataLoader worker seeding) the draws are reproducible, while every
    epoch sees new augmentations.
    """
    draw = int(torch.randint(0, 2**31 - 1, ()).item())
    return np.random.default_rng([seed, idx, draw])


def image_tensor(img: np.ndarray) -> torch.Tensor:
    """``uint8 (H,W,3)`` RGB or float ``(H,W,3)`` in [0,1] → float32 ``(3,H,W)`` in [0,1]."""
    # numpy, not torch: torch's element-wise ops on a permuted uint8 tensor are ~50x slower
    # here (thread start-up per call), which dominated a loader worker's time.
    out = np.empty((img.shape[2], *img.shape[:2]), dtype=np.float32)
    scale = np.float32(1 / 255) if img.dtype == np.uint8 else np.float32(1)
    np.multiply(img.transpose(2, 0, 1), scale, out=out)
    return torch.from_numpy(out)


def f32(x: np.ndarray | float) -> torch.Tensor:
    """float32 tensor of a numpy array or scalar."""
    return torch.as_tensor(np.asarray(x, dtype=np.float32))


class SkipCounter:
    """Implements the bad-image policy: ``fail`` re-raises, ``skip`` warns, counts the file and
    substitutes the next readable sample (training only: see :class:`SkippingDataset`)."""

    def __init__(self, policy: BadImagePolicy):
        if policy not in ("fail", "skip"):
            raise ValueError(f"on_bad_image must be 'fail' or 'skip', got {policy!r}")
        self.policy = policy
        self.skipped: list[str] = []

    def load(self, idx: int, length: int, get: Callable[[int], dict],
             substitute: bool = True) -> dict:
        """``get(idx)``, or under ``skip`` (and ``substitute``) the first readable of
        ``idx+1, idx+2, ...``."""
        for attempt in range(MAX_SKIP):
            j = (idx + attempt) % length
            try:
                sample = get(j)
            except CorruptImageError as err:
                if self.policy == "fail":
                    raise
                if not substitute:
                    raise CorruptImageError(
                        f"{err} An evaluation sample is never replaced by another one (its row "
                        "of pred.json would hold another image's prediction, scored against "
                        "this one's ground truth): repair or re-extract the file.") from err
                self.skipped.append(str(err).split(":", 1)[0])
                warnings.warn(f"skipping unreadable sample {j}: {err} ({len(self.skipped)} "
                              "skipped so far in this process)", stacklevel=3)
                continue
            return sample
        raise CorruptImageError(f"{MAX_SKIP} consecutive unreadable samples from index {idx}; "
                                f"last files: {', '.join(self.skipped[-3:])}")


class SkippingDataset(Dataset):
    """Base of the dataset classes: index checking and the bad-image policy around ``_get``.

    Subclasses set ``self.split`` and ``self._skip = SkipCounter(policy)`` and define
    ``__len__`` and ``_get(i) -> dict`` (one sample, raising :class:`CorruptImageError` for
    unreadable files). Only the training split substitutes samples; each of its samples then
    carries ``skipped_files`` (``";"``-joined files skipped to produce it, ``""`` if none), so
    that the training loop can count and log skips made in DataLoader workers.
    """

    split: str
    _skip: SkipCounter
    _get: Callable[[int], dict]

    @property
    def skipped_files(self) -> list[str]:
        """Files skipped as unreadable in this process (``on_bad_image="skip"``)."""
        return list(self._skip.skipped)

    def __getitem__(self, i: int) -> dict:
        if not 0 <= i < len(self):
            raise IndexError(f"sample {i} out of range for {len(self)} samples")
        substitute = self.split != "evaluation"
        before = len(self._skip.skipped)
        sample = self._skip.load(i, len(self), self._get, substitute)
        if substitute and self._skip.policy == "skip":
            sample["skipped_files"] = ";".join(self._skip.skipped[before:])
        return sample
