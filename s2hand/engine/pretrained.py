"""Initialising sub-networks from checkpoints (``pretrain_model``, ``pretrain_rgb2hm``,
``pretrain_texture_model``, §5.3) and freezing them from the config flags.

Two formats are accepted: our engine checkpoints (``format`` tag, a full ``model`` state dict)
and the original S2HAND ``.t7`` files, which go through
:func:`s2hand.models.load_original_checkpoint`. Each listed sub-network is loaded strictly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .checkpoint import CHECKPOINT_FORMAT, CheckpointError
from .optim import freeze_module

log = logging.getLogger(__name__)

SUB_NETWORKS = ("encoder", "hand_decoder", "rgb2hm", "texture_light_from_low")


def _read_ours(path: Path) -> dict[str, Any] | None:
    """Our checkpoint as a dict, or ``None`` when the file is not one of ours."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - original .t7 files hold a pickled Namespace
        return None
    if isinstance(state, dict) and state.get("format") == CHECKPOINT_FORMAT:
        return state
    return None


def load_parts(model: nn.Module, path: str | Path, parts: Sequence[str] = SUB_NETWORKS,
               key: str = "pretrain_model", require_all: bool = False) -> dict[str, Any]:
    """Load the sub-networks ``parts`` that both ``model`` and the checkpoint have.

    Returns ``{"loaded": [names], "epoch": int | None}``. Raises :class:`CheckpointError`
    (naming the config ``key`` and file) when nothing matches, or when ``require_all`` and a
    requested part that the model has is missing from the file.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{key}: checkpoint {path} does not exist")
    wanted = [p for p in parts if getattr(model, p, None) is not None]
    state = _read_ours(path)
    if state is None:
        return _load_original(model, path, wanted, key)
    full = state["model"]
    loaded = []
    for part in wanted:
        prefix = part + "."
        sub = {k[len(prefix):]: v for k, v in full.items() if k.startswith(prefix)}
        if not sub:
            continue
        module = getattr(model, part)
        # Non-persistent buffers (e.g. the hand model's arrays) are derived data, not weights;
        # files from versions that saved them still load.
        derived = {n for n, _ in module.named_buffers()} - set(module.state_dict())
        sub = {k: v for k, v in sub.items() if k not in derived}
        try:
            module.load_state_dict(sub, strict=True)
        except RuntimeError as exc:
            raise CheckpointError(f"{key}: the {part} weights in {path} do not fit this model "
                                  f"(different hand model or requires?): {exc}") from exc
        loaded.append(part)
    _check_loaded(loaded, wanted, path, key, require_all)
    log.info("%s: loaded %s from %s (epoch %s)", key, ", ".join(loaded), path, state["epoch"])
    return {"loaded": loaded, "epoch": int(state["epoch"])}


def _load_original(model: nn.Module, path: Path, wanted: list[str], key: str) -> dict[str, Any]:
    from s2hand.models import load_original_checkpoint

    try:
        info = load_original_checkpoint(model, path, parts=wanted)
    except ValueError as exc:
        raise CheckpointError(f"{key}: {exc}") from exc
    info = dict(info or {})
    loaded = list(info.get("loaded", wanted))
    _check_loaded(loaded, wanted, path, key, require_all=False)
    log.info("%s: loaded %s from original checkpoint %s", key, ", ".join(loaded), path)
    return {"loaded": loaded, "epoch": info.get("epoch")}


def _check_loaded(loaded: list[str], wanted: list[str], path: Path, key: str,
                  require_all: bool) -> None:
    if not loaded:
        raise CheckpointError(f"{key}: {path} holds none of the sub-networks this model has "
                              f"({', '.join(wanted) or 'none'}); check train_requires/"
                              "test_requires and the file")
    missing = sorted(set(wanted) - set(loaded))
    if require_all and missing:
        raise CheckpointError(f"{key}: {path} has no weights for {', '.join(missing)}")


def load_pretrained(model: nn.Module, config: Any) -> int:
    """Apply the config's three pretrain keys in the original order; returns the epoch offset
    (the ``epoch`` stored in ``pretrain_model``, 0 without one), like ``current_epoch``."""
    offset = 0
    if config.pretrain_model is not None:
        info = load_parts(model, config.pretrain_model, SUB_NETWORKS, "pretrain_model")
        offset = int(info["epoch"] or 0)
    if config.pretrain_texture_model is not None:
        load_parts(model, config.pretrain_texture_model, ("texture_light_from_low",),
                   "pretrain_texture_model", require_all=True)
    if config.pretrain_rgb2hm is not None:
        load_parts(model, config.pretrain_rgb2hm, ("rgb2hm",), "pretrain_rgb2hm",
                   require_all=True)
    return offset


def apply_freezing(model: nn.Module, config: Any) -> list[str]:
    """Freeze sub-networks per ``freeze_hm_estimator``, ``only_train_regressor`` and
    ``only_train_texture`` (§5.3); returns the frozen names."""
    names: list[str] = []
    if config.freeze_hm_estimator:
        names.append("rgb2hm")
    if config.only_train_regressor:
        names += ["encoder", "hand_decoder"]
    if config.only_train_texture:
        names += ["rgb2hm", "encoder", "hand_decoder"]
    frozen = []
    for name in dict.fromkeys(names):
        module = getattr(model, name, None)
        if module is not None:
            freeze_module(module)
            frozen.append(name)
    return frozen
