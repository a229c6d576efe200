"""DeepHandMesh weights through the engine's checkpoint machinery (:mod:`s2hand.engine.checkpoint`):
one reader (``read_checkpoint``, ``weights_only=True``), one error (``CheckpointError``), one
file format (``s2hand-engine/1``, what training writes and :func:`save_dhm_checkpoint` writes).

Readable kinds:

* original (deephandmesh.md §12): ``{'epoch', 'network', 'optimizer'}`` with ``network`` a
  ``DataParallel`` state dict (``module.`` prefixes) that also holds the loss buffers
  ``penet_loss.segmentation (V,)`` and ``lap_loss.laplacian (V, V)``; these are dropped
  (the segmentation comes from the hand model, the Laplacian is rebuilt from the faces);
* engine: ``{'format': 's2hand-engine/1', 'model': state_dict, ...}`` (training checkpoints
  such as ``model/latest.t7``, and :func:`save_dhm_checkpoint`'s files);
* ``{'format': 's2hand-deephandmesh/1', 'model', 'metadata'}``, the model files of the first
  DeepHandMesh release (read only).

A model built without the backbone ignores ``backbone_net.*``. Mismatches raise
:class:`DHMCheckpointError` (a :class:`~s2hand.engine.CheckpointError`), one paragraph naming
the keys and shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from s2hand.engine.checkpoint import (
    CHECKPOINT_FORMAT,
    CheckpointError,
    read_checkpoint,
    save_model_checkpoint,
)
from s2hand.models.deephandmesh.model import DeepHandMesh

LEGACY_MODEL_FORMAT = "s2hand-deephandmesh/1"
DATA_PARALLEL_PREFIX = "module."
LOSS_BUFFERS = ("penet_loss.segmentation", "lap_loss.laplacian")
BACKBONE_PREFIX = "backbone_net."
_LIST_LIMIT = 6


class DHMCheckpointError(CheckpointError):
    """A DeepHandMesh checkpoint cannot be read or does not fit the model."""


def read_dhm_checkpoint(path: str | Path) -> dict[str, Any]:
    """The raw dict of any of the readable kinds (the engine's safe reader)."""
    try:
        return read_checkpoint(path)
    except CheckpointError as err:
        raise DHMCheckpointError(f"{err} (expected an original snapshot_{{E}}.pth.tar or a "
                                 "file written by s2hand; read with weights_only=True)") from None


def model_state(state: Mapping[str, Any], path: str | Path) -> tuple[dict[str, Tensor], str]:
    """``(state dict in our key names, kind)`` with kind ``original`` or ``engine``;
    ``module.`` prefixes and the loss buffers are removed."""
    fmt = state.get("format")
    if fmt in (LEGACY_MODEL_FORMAT, CHECKPOINT_FORMAT) and isinstance(state.get("model"),
                                                                     Mapping):
        return dict(state["model"]), "engine"
    network = state.get("network")
    if not isinstance(network, Mapping):
        raise DHMCheckpointError(f"checkpoint {path} has neither 'network' (an original "
                                 f"DeepHandMesh snapshot) nor a 'model' with format "
                                 f"{CHECKPOINT_FORMAT!r}; its keys: "
                                 f"{sorted(map(str, state))[:_LIST_LIMIT]}")
    out = {}
    for key, value in network.items():
        name = key[len(DATA_PARALLEL_PREFIX):] if key.startswith(DATA_PARALLEL_PREFIX) else key
        if name not in LOSS_BUFFERS:
            out[name] = value
    return out, "original"


def load_state_into(model: DeepHandMesh, weights: Mapping[str, Tensor], source: str) -> None:
    """Strict load with one paragraph naming missing/unexpected keys and shape mismatches."""
    if model.backbone_net is None:
        weights = {k: v for k, v in weights.items() if not k.startswith(BACKBONE_PREFIX)}
    own = model.state_dict()
    missing = sorted(set(own) - set(weights))
    unexpected = sorted(set(weights) - set(own))
    shapes = [f"{k} {tuple(weights[k].shape)} (this model: {tuple(own[k].shape)})"
              for k in own if k in weights and tuple(weights[k].shape) != tuple(own[k].shape)]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing keys, e.g. {missing[:_LIST_LIMIT]}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys, e.g. {unexpected[:_LIST_LIMIT]} "
                        "(another architecture or backbone?)")
    if shapes:
        problems.append(f"shape mismatches: {'; '.join(shapes[:_LIST_LIMIT])}")
        key = "skin_refine_net.fc_id.2.bias"
        if key in weights and tuple(weights[key].shape) != tuple(own[key].shape):
            problems.append(f"the checkpoint was trained on a hand model with "
                            f"{weights[key].shape[0] // 3} vertices, this one has "
                            f"{model.hand_model.num_vertices}; pass the hand model it was "
                            "trained with")
    if not problems and "pose_net.DoF" in weights and not torch.equal(
            weights["pose_net.DoF"].to(own["pose_net.DoF"]), own["pose_net.DoF"]):
        problems.append("pose_net.DoF differs from the hand model's DoF (another skeleton)")
    if problems:
        raise DHMCheckpointError(f"checkpoint {source} does not fit this DeepHandMesh model "
                                 f"({model.hand_model.name}, {model.hand_model.num_vertices} "
                                 f"vertices): " + "; ".join(problems) + ".")
    model.load_state_dict(weights)


def load_dhm_checkpoint(model: DeepHandMesh, path: str | Path) -> dict[str, Any]:
    """Load any readable kind into ``model``; returns ``{'kind', 'epoch', 'metadata'}``."""
    state = read_dhm_checkpoint(path)
    weights, kind = model_state(state, path)
    load_state_into(model, weights, str(path))
    return {"kind": kind, "epoch": state.get("epoch", state.get("epochs_done")),
            "metadata": dict(state.get("metadata", {}))}


def save_dhm_checkpoint(model: DeepHandMesh, path: str | Path,
                        metadata: Mapping[str, Any] | None = None, epoch: int = 0) -> Path:
    """The model's weights in the engine format (atomically); the hand model's name, vertex
    count and joint names go into the metadata (plain values only)."""
    info = {"hand_model": model.hand_model.name,
            "num_vertices": model.hand_model.num_vertices,
            "joint_names": list(model.hand_model.joint_names), **dict(metadata or {})}
    return save_model_checkpoint(model, path, epoch, info)
