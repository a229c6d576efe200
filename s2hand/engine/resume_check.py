"""Before resuming: does the checkpoint's model fit this run's, and was it written under this
run's settings? If not, say why in a few lines.

``load_state_dict`` would list every key (25 KB for a changed encoder) without naming the file;
this names the file, counts the mismatches, shows a few, and points at the config keys that
differ between the run that wrote the checkpoint and this one. The settings a continuation
depends on (the caller's, plus the trainer's own facts) are recorded in every checkpoint and
compared here, so that a changed batch size or loss weight is not continued silently.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torch import Tensor

from .checkpoint import CheckpointError

log = logging.getLogger(__name__)

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


class SettingsChanged(CheckpointError):
    """The checkpoint continues a run with other settings; ``changes`` lists
    ``(name, value there, value here)``, nested names dotted (``folder.clip_frames``)."""

    def __init__(self, path: str | Path, changes: list[tuple[str, Any, Any]]):
        self.path = Path(path)
        self.changes = changes
        listed = "; ".join(f"{name} ({old!r} there, {new!r} here)" for name, old, new in changes)
        super().__init__(f"checkpoint {path} was written under other settings than this run's: "
                         f"{listed}. Resume only with the settings that wrote it.")


def _compare(recorded: Any, current: Any, name: str, changes: list, unrecorded: list) -> None:
    if isinstance(recorded, Mapping) and isinstance(current, Mapping):
        for key in [*current, *(k for k in recorded if k not in current)]:
            sub = f"{name}.{key}" if name else str(key)
            if key in recorded and key in current:
                _compare(recorded[key], current[key], sub, changes, unrecorded)
            else:
                unrecorded.append(sub)
    elif recorded != current:
        changes.append((name, recorded, current))


def check_settings(path: str | Path, recorded: Mapping[str, Any] | None,
                   current: Mapping[str, Any]) -> None:
    """Raise :class:`SettingsChanged` unless the settings ``recorded`` in the checkpoint at
    ``path`` equal ``current``. A checkpoint without a record (written before records were
    kept) and names known on one side only (a key added to or removed from the config since)
    cannot be checked: each gets one warning line."""
    if recorded is None:
        log.warning("checkpoint %s records no settings (written by an older s2hand): whether "
                    "this run continues it with the same settings cannot be checked", path)
        return
    changes: list[tuple[str, Any, Any]] = []
    unrecorded: list[str] = []
    _compare(recorded, current, "", changes, unrecorded)
    if unrecorded:
        log.warning("checkpoint %s: settings known to only one of it and this run, not checked: "
                    "%s", path, ", ".join(unrecorded))
    if changes:
        raise SettingsChanged(path, changes)
