"""Before resuming: does the checkpoint's model fit this run's? If not, say why in a few lines.

``load_state_dict`` would list every key (25 KB for a changed encoder) without naming the file;
this names the file, counts the mismatches, shows a few, and points at the config keys that
differ between the run that wrote the checkpoint and this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torch import Tensor

from .checkpoint import CheckpointError

_SHOWN = 3


def _shape(value: Any) -> tuple[int, ...] | None:
    return tuple(value.shape) if isinstance(value, Tensor) else None


def _config_differences(saved: Mapping[str, Any], current: Mapping[str, Any],
                        modules: set[str]) -> list[str]:
    """``key (A there, B here)`` for differing config keys; keys named like a mismatched
    sub-module (``encoder`` for ``encoder.*`` weights) first."""
    keys = [k for k in current if k in saved and saved[k] != current[k]]
    keys.sort(key=lambda k: (not any(k == m or k.startswith(f"{m}_") for m in modules), k))
    return [f"{k} ({saved[k]!r} there, {current[k]!r} here)" for k in keys[:_SHOWN]]


def check_resumable(path: str | Path, expected: Mapping[str, Tensor], given: Any,
                    saved_config: Mapping[str, Any] | None,
                    config: Mapping[str, Any] | None) -> None:
    """Raise :class:`CheckpointError` unless ``given`` (the checkpoint's model state) has
    exactly the keys and shapes of ``expected`` (this run's model state)."""
    if not isinstance(given, Mapping):
        raise CheckpointError(f"checkpoint {path}: its 'model' entry is a "
                              f"{type(given).__name__}, expected a state_dict")
    missing = [k for k in expected if k not in given]
    unexpected = [k for k in given if k not in expected]
    reshaped = [f"{k} {_shape(given[k])} vs {tuple(v.shape)}" for k, v in expected.items()
                if k in given and _shape(given[k]) != tuple(v.shape)]
    if not (missing or unexpected or reshaped):
        return
    parts = [f"{len(keys)} {label} (e.g. {', '.join(keys[:_SHOWN])})"
             for label, keys in (("missing keys", missing), ("unexpected keys", unexpected),
                                 ("keys of another shape", reshaped)) if keys]
    modules = {k.split(".", 1)[0] for k in missing + unexpected + [r.split(" ")[0]
                                                                   for r in reshaped]}
    differences = _config_differences(saved_config or {}, config or {}, modules)
    why = (f" The checkpoint was written with another config: {'; '.join(differences)}."
           if differences else "")
    raise CheckpointError(
        f"checkpoint {path} does not fit this run's model: {'; '.join(parts)}.{why} Resume "
        "only with the config that wrote it, or start in another base_out_path and load its "
        "weights with pretrain_model.")
