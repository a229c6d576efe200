"""Input validation shared by the loss functions: clear errors instead of broadcasting surprises."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


class LossInputError(ValueError):
    """A loss received a missing field or a tensor of the wrong shape."""


def check_shape(name: str, tensor: object, expected: Sequence[int | str | None]) -> None:
    """Raise :class:`LossInputError` unless ``tensor`` is a Tensor matching ``expected``.

    ``expected`` lists one entry per dimension: an int is a fixed size, a str or None any size.
    Named (str) dimensions are only for the message, e.g. ``("B", 21, 2)``.
    """
    spec = "(" + ",".join("*" if d is None else str(d) for d in expected) + ")"
    if not isinstance(tensor, Tensor):
        raise LossInputError(
            f"loss input '{name}': expected a torch.Tensor of shape {spec}, "
            f"got {type(tensor).__name__}."
        )
    ok = tensor.dim() == len(expected) and all(
        not isinstance(d, int) or tensor.shape[i] == d for i, d in enumerate(expected)
    )
    if not ok:
        raise LossInputError(
            f"loss input '{name}': expected shape {spec}, got {tuple(tensor.shape)}."
        )


def check_same_batch(**tensors: Tensor) -> None:
    """Raise :class:`LossInputError` unless every tensor has the same leading (batch) size."""
    sizes = {k: int(v.shape[0]) for k, v in tensors.items()}
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{k}={s}" for k, s in sizes.items())
        raise LossInputError(f"loss inputs disagree on the batch size: {listed}.")


def weighted_mean(values: Tensor, weights: Tensor) -> Tensor:
    """``Σ values·weights / Σ weights`` as a 0-dim tensor; exactly 0 when ``Σ weights == 0``.

    The original divides unconditionally, so an all-zero confidence batch gives 0/0 = NaN
    (spec §3.1, Q14). Here that case is an exact 0 whose gradient is 0 (not NaN): the division
    uses a denominator of 1 where the sum is 0 and the result is masked by ``torch.where``.
    """
    num = (values * weights).sum()
    den = weights.sum()
    positive = den > 0
    safe_den = torch.where(positive, den, torch.ones_like(den))
    return torch.where(positive, num / safe_den, torch.zeros_like(num))
