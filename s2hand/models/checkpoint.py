"""Model weights in the original S2HAND layout: load the released ``.t7`` files, save our own.

An original checkpoint (§5.2) is a ``torch.save``'d dict with one ``state_dict`` per sub-network
(``encoder``, ``decoder``, ``rgb2hm``, ``texture_light_from_low``) plus ``args`` (a pickled
``argparse.Namespace``), ``optimizer`` and ``epoch``. It is read with ``weights_only=True`` and
exactly one extra allowed class, ``argparse.Namespace``; anything else in the pickle is refused.

Our model file uses the same four sub-dicts (so one loader serves both) plus a format tag and the
build settings. Hand-model constants (the MANO layer's buffers) are never stored: they come from
the hand-model file.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from s2hand.models.load_failure import load_failure_reason

MODEL_FORMAT = "s2hand-model/1"
# Sub-network (attribute of S2HandNet) -> its sub-dict key in a checkpoint file (§5.2-5.3).
FILE_KEYS: dict[str, str] = {
    "encoder": "encoder",
    "hand_decoder": "decoder",
    "rgb2hm": "rgb2hm",
    "texture_light_from_low": "texture_light_from_low",
}
_BY_FILE_KEY = {v: k for k, v in FILE_KEYS.items()}
# State-dict prefixes of a sub-network that hold fixed hand-model data, not trained weights.
_CONSTANT_PREFIXES: dict[str, tuple[str, ...]] = {"hand_decoder": ("mano_layer.",)}
_LIST_LIMIT = 8


class CheckpointError(ValueError):
    """A checkpoint cannot be read or does not fit the model; the message says why."""


def part_state_dict(model: nn.Module, part: str) -> dict[str, Tensor]:
    """Trained state of one sub-network of ``model`` with the original's key names.

    ``part`` is a sub-network name (``hand_decoder``) or its file key (``decoder``).
    """
    part = _resolve(part)
    module = getattr(model, part, None)
    if module is None:
        raise CheckpointError(f"the model has no {part!r}; it was not built for these requires")
    prefixes = _CONSTANT_PREFIXES.get(part, ())
    return {k: v for k, v in module.state_dict().items() if not k.startswith(prefixes)}


def model_state_dicts(model: nn.Module) -> dict[str, dict[str, Tensor]]:
    """``{file key: state_dict}`` for every sub-network the model has (original layout)."""
    return {key: part_state_dict(model, part) for part, key in FILE_KEYS.items()
            if getattr(model, part, None) is not None}


def load_state_dicts(model: nn.Module, state: Mapping[str, Any],
                     parts: Iterable[str] | None = None, require_all: bool = False,
                     source: str = "<memory>") -> list[str]:
    """Load sub-dicts of ``state`` (original layout) into ``model``, each one strictly.

    Args:
        state: a dict with some of the file keys ``encoder``, ``decoder``, ``rgb2hm``,
            ``texture_light_from_low``, each a ``state_dict``.
        parts: sub-networks to consider (names as on the model, or file keys); ``None`` = all
            that the model has. Each must exist on the model.
        require_all: every considered part must be in ``state``. Otherwise parts absent from
            ``state`` are skipped (the original's rule, §5.3), but at least one must load.
        source: name of the file, for messages.

    Returns:
        Names (as on the model) of the sub-networks that were loaded.

    Raises:
        CheckpointError: naming every missing, unexpected and wrongly shaped key. Nothing is
            loaded when any chosen part does not fit.
    """
    if parts is None:
        candidates = [p for p in FILE_KEYS if getattr(model, p, None) is not None]
    else:
        candidates = [_resolve(p) for p in parts]
    in_file = sorted(k for k in state if k in _BY_FILE_KEY)
    chosen = []
    problems = []
    for part in candidates:
        if getattr(model, part, None) is None:
            problems.append(f"[{part}] the model has no {part!r}; build it with requires that "
                            f"include {'heatmaps' if part == 'rgb2hm' else 'joints/verts'}")
        elif FILE_KEYS[part] in state:
            chosen.append(part)
            problems += _part_problems(model, part, state[FILE_KEYS[part]])
        elif require_all:
            problems.append(f"[{part}] the file has no {FILE_KEYS[part]!r} entry (it has "
                            f"{in_file})")
    if not chosen and not problems:
        problems.append(f"none of {candidates} is in the file (it has {in_file})")
    if getattr(model, "encoder", None) is not None and any(p.startswith("[encoder]")
                                                           for p in problems):
        problems.append(f"(the model's encoder is {type(model.encoder).__name__}; a checkpoint "
                        "trained with another config key \"encoder\" does not fit it)")
    if problems:
        raise CheckpointError(f"checkpoint {source} does not fit the model:\n  "
                              + "\n  ".join(problems))
    for part in chosen:
        # strict=False only because the hand-model constants are absent from the file; every
        # other key was checked above.
        getattr(model, part).load_state_dict(dict(state[FILE_KEYS[part]]), strict=False)
    return chosen


def read_original_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read an original S2HAND ``.t7`` safely (tensors, containers and ``argparse.Namespace``)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist (expected an S2HAND .t7 such "
                              "as texturehand_freihand.t7)")
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is reported the same way
        raise CheckpointError(
            f"checkpoint {path} could not be read safely: {load_failure_reason(exc)} (an S2HAND "
            ".t7 may hold tensors, plain containers and argparse.Namespace)") from exc
    if not isinstance(state, dict):
        raise CheckpointError(f"checkpoint {path} holds a {type(state).__name__}; expected the "
                              "dict written by S2HAND's save_model")
    return state


def load_original_checkpoint(model: nn.Module, path: str | Path,
                             parts: Iterable[str] | None = None,
                             require_all: bool = False) -> dict[str, Any]:
    """Load an original ``texturehand_*.t7`` / ``handhm_*.t7`` into ``model``.

    ``parts`` and ``require_all`` as in :func:`load_state_dicts`.

    Returns:
        ``{"loaded": sub-network names, "epoch": stored epoch or None, "args": the stored
        options as a dict}``.
    """
    state = read_original_checkpoint(path)
    if state.get("format") == MODEL_FORMAT:
        raise CheckpointError(f"checkpoint {path} is an s2hand model file, not an original "
                              "S2HAND .t7; load it with load_model_checkpoint")
    return _load_original(model, state, path, parts, require_all)


def save_model_checkpoint(model: nn.Module, path: str | Path,
                          metadata: Mapping[str, Any] | None = None) -> Path:
    """Write the model's weights (original layout) plus ``metadata`` to ``path``.

    ``metadata`` must hold only plain values (numbers, strings, lists, dicts) so that the file
    loads with ``weights_only=True``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {"format": MODEL_FORMAT, "metadata": dict(metadata or {})}
    state.update(model_state_dicts(model))
    torch.save(state, path)
    return path


def load_model_checkpoint(model: nn.Module, path: str | Path,
                          parts: Iterable[str] | None = None,
                          require_all: bool = False) -> dict[str, Any]:
    """Load a file written by :func:`save_model_checkpoint`.

    Returns ``{"loaded": sub-network names, "metadata": the saved metadata}``.
    """
    state = read_original_checkpoint(path)
    if state.get("format") != MODEL_FORMAT:
        raise CheckpointError(f"checkpoint {path} has no {MODEL_FORMAT!r} format tag; an "
                              "original S2HAND .t7 is loaded with load_original_checkpoint")
    return _load_ours(model, state, path, parts, require_all)


def load_any_checkpoint(model: nn.Module, path: str | Path, parts: Iterable[str] | None = None,
                        require_all: bool = False) -> dict[str, Any]:
    """Load our model file or an original ``.t7``, whichever ``path`` is."""
    state = read_original_checkpoint(path)
    if state.get("format") == MODEL_FORMAT:
        return _load_ours(model, state, path, parts, require_all)
    return _load_original(model, state, path, parts, require_all)


def _load_original(model: nn.Module, state: dict[str, Any], path: str | Path,
                   parts: Iterable[str] | None, require_all: bool) -> dict[str, Any]:
    loaded = load_state_dicts(model, state, parts, require_all, source=str(path))
    args = state.get("args")
    return {"loaded": loaded, "epoch": state.get("epoch"),
            "args": dict(vars(args)) if isinstance(args, argparse.Namespace) else {}}


def _load_ours(model: nn.Module, state: dict[str, Any], path: str | Path,
               parts: Iterable[str] | None, require_all: bool) -> dict[str, Any]:
    loaded = load_state_dicts(model, state, parts, require_all, source=str(path))
    return {"loaded": loaded, "metadata": state.get("metadata", {})}


def _resolve(part: str) -> str:
    if part in FILE_KEYS:
        return part
    if part in _BY_FILE_KEY:
        return _BY_FILE_KEY[part]
    raise CheckpointError(f"unknown sub-network {part!r}; expected one of {list(FILE_KEYS)} "
                          f"(or a file key among {list(_BY_FILE_KEY)})")


def _part_problems(model: nn.Module, part: str, given: Any) -> list[str]:
    module = getattr(model, part)
    if not isinstance(given, Mapping):
        return [f"[{part}] is a {type(given).__name__}, expected a state_dict"]
    expected = part_state_dict(model, part)
    missing = [k for k in expected if k not in given]
    unexpected = [k for k in given if k not in expected]
    wrong = [f"{k}: file {_shape(given[k])} vs model {tuple(v.shape)}"
             for k, v in expected.items() if k in given and _shape(given[k]) != tuple(v.shape)]
    problems = []
    for label, keys in (("missing keys", missing), ("unexpected keys", unexpected),
                        ("wrong shapes", wrong)):
        if keys:
            shown = ", ".join(keys[:_LIST_LIMIT])
            more = f" (+{len(keys) - _LIST_LIMIT} more)" if len(keys) > _LIST_LIMIT else ""
            problems.append(f"[{part}] {len(keys)} {label}: {shown}{more}")
    texture_keys = [k for k in ("texture_reg.2.bias", "texture_reg.2.weight")
                    if k in given and k in expected and isinstance(given[k], Tensor)
                    and given[k].dim() > 0 and _shape(given[k]) != tuple(expected[k].shape)]
    if part == "texture_light_from_low" and texture_keys:
        file_faces = given[texture_keys[0]].shape[0] // 3
        problems.append(f"[{part}] the texture head predicts one colour per face: the file was "
                        f"trained with a {file_faces}-face hand model, this model's hand has "
                        f"{getattr(module, 'num_faces', '?')} faces; build the model with the "
                        "same hand model (MANO for the released checkpoints)")
    return problems


def _shape(value: Any) -> tuple[int, ...] | str:
    return tuple(value.shape) if isinstance(value, Tensor) else f"a {type(value).__name__}"
