"""Loss registry: the rows of :mod:`s2hand.losses.terms` with their functions resolved.

``compute_losses`` evaluates only the requested terms (the original computes every term whose
inputs exist and then sums the requested ones, spec §3.1) and returns them weighted.

NaN / zero handling (spec §3.1, Q14). The original silently drops a term that is NaN or ≤ 0 and
skips a batch whose total is below 1e-10. Here:

* confidence-weighted terms whose weights sum to 0 (e.g. no joint detected in the batch, or
  ``texture_con`` all 0) are an exact 0 with a zero, finite gradient, instead of NaN;
* a term with weight ``λ = 0`` is an exact 0 and is not evaluated;
* any other NaN (a diverged prediction) is returned as NaN, so that ``total_loss`` is NaN and the
  engine's NaN guard can count and skip the step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import import_module
from types import MappingProxyType
from typing import Any

import torch
from torch import Tensor

from s2hand.losses._checks import LossInputError
from s2hand.losses.terms import LOSS_NAMES, TERM_SPECS, TermSpec


@dataclass(frozen=True)
class LossTerm:
    """A row of :data:`s2hand.losses.terms.TERMS` with its function resolved.

    Attributes:
        spec: the table row (name, inputs, weight key and default).
        function: the loss function, called with the row's inputs in order.
    """

    spec: TermSpec
    function: Callable[..., Tensor]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def weight_key(self) -> str:
        return self.spec.weight_key

    @property
    def default_weight(self) -> float:
        return self.spec.default_weight

    @property
    def output_fields(self) -> tuple[str, ...]:
        return self.spec.output_fields

    @property
    def batch_fields(self) -> tuple[str, ...]:
        return self.spec.batch_fields

    def compute(self, output: Any, batch: Any) -> Tensor:
        """The unweighted value on ``output`` and ``batch``."""
        return self.function(*(_argument(a, output, batch) for a in self.spec.inputs))


def _argument(source: str, output: Any, batch: Any) -> Any:
    if source.startswith("batch."):
        return getattr(batch, source[6:])
    field = source[4:]
    if field.endswith("[-1]"):
        return getattr(output, field[:-4])[-1]
    return getattr(output, field)


def _resolve(spec: TermSpec) -> LossTerm:
    module, _, name = spec.function.rpartition(".")
    return LossTerm(spec, getattr(import_module(f"s2hand.losses.{module}"), name))


#: name → LossTerm for every selectable term (read-only), in table order.
LOSS_TERMS: Mapping[str, LossTerm] = MappingProxyType(
    {name: _resolve(spec) for name, spec in TERM_SPECS.items()})


class _MappingView:
    """Attribute access over a Mapping, so outputs may be dataclasses or dicts."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        return self._data.get(name)


def _missing_fields(term: LossTerm, output: Any, batch: Any) -> list[str]:
    missing = [f"output.{f}" for f in term.output_fields if getattr(output, f, None) is None]
    missing += [f"batch.{k}" for k in term.batch_fields if getattr(batch, k, None) is None]
    return missing


def _weight(term: LossTerm, weights: Mapping[str, float] | None) -> float:
    value = term.default_weight if weights is None else weights.get(term.weight_key,
                                                                    term.default_weight)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise LossInputError(
            f"loss weight '{term.weight_key}' (term '{term.name}'): expected a number, "
            f"got {value!r}."
        ) from None


def _zero_like_input(term: LossTerm, output: Any) -> Tensor:
    """Exact 0-dim zero on the device/dtype of the term's first output field."""
    value = getattr(output, term.output_fields[0])
    if isinstance(value, (list, tuple)):
        value = value[-1]
    return torch.zeros((), device=value.device, dtype=value.dtype)


def _views(output: Any, batch: Any) -> tuple[Any, Any]:
    """Attribute access on both, so that plain dicts work too (e.g. in tests)."""
    return tuple(_MappingView(x) if isinstance(x, Mapping) else x for x in (output, batch))


def computable_losses(names: Iterable[str], output: Any, batch: Any) -> list[str]:
    """The known names among ``names`` whose every input is present (e.g. for test-pass
    losses, where ``texture_weight`` or the renders may be absent); order kept, unknown
    dropped."""
    output, batch = _views(output, batch)
    return [n for n in dict.fromkeys(names)
            if n in LOSS_TERMS and not _missing_fields(LOSS_TERMS[n], output, batch)]


def compute_losses(
    names: Iterable[str],
    output: Any,
    batch: Any,
    weights: Mapping[str, float] | None = None,
) -> dict[str, Tensor]:
    """Evaluate the named terms and return them weighted, ``{name: λ·value}`` (0-dim tensors).

    Args:
        names: loss names (config ``losses``); each must be in :data:`LOSS_NAMES`.
        output: an ``S2HandOutput`` (or any object/Mapping with its field names).
        batch: the normalised batch (:class:`s2hand.data.HandBatch`, or a Mapping with its
            field names).
        weights: ``{lambda_* key: value}``; a key it lacks takes the original default
            (:data:`DEFAULT_WEIGHTS`). None means all defaults.

    Raises:
        LossInputError: unknown name, or a field/key a requested term needs is missing (one
            line per problem), or a tensor of the wrong shape.
    """
    names = list(dict.fromkeys(names))
    output, batch = _views(output, batch)
    problems = []
    for name in names:
        term = LOSS_TERMS.get(name)
        if term is None:
            problems.append(f"unknown loss '{name}'; known: {', '.join(sorted(LOSS_NAMES))}")
            continue
        missing = _missing_fields(term, output, batch)
        if missing:
            problems.append(f"loss '{name}' needs {', '.join(missing)}, which is missing/None")
    if problems:
        raise LossInputError("cannot compute the losses:\n  " + "\n  ".join(problems))

    out: dict[str, Tensor] = {}
    for name in names:
        term = LOSS_TERMS[name]
        weight = _weight(term, weights)
        if weight == 0.0:
            out[name] = _zero_like_input(term, output)
        else:
            out[name] = weight * term.compute(output, batch)
    return out


def total_loss(terms: Mapping[str, Tensor]) -> Tensor:
    """Sum of the weighted terms (0-dim). NaN if any term is NaN; see the module docstring.

    Raises:
        LossInputError: ``terms`` is empty (nothing to optimise).
    """
    if not terms:
        raise LossInputError("total_loss: no loss terms were computed (empty 'losses' list?).")
    values = list(terms.values())
    total = values[0]
    for value in values[1:]:
        total = total + value.to(total.device)
    return total

