"""DeepHandMesh weights: the released ``snapshot_{E}.pth.tar`` files, engine checkpoints and
our own model file.

* original (deephandmesh.md §12): ``{'epoch', 'network', 'optimizer'}`` with ``network`` a
  ``DataParallel`` state dict (``module.`` prefixes) that also holds the loss buffers
  ``penet_loss.segmentation (V,)`` and ``lap_loss.laplacian (V, V)``; these are dropped
  (the segmentation comes from the hand model, the Laplacian is rebuilt from the faces);
* engine (``s2hand.engine``): ``{'format': 's2hand-engine/1', 'model': state_dict, ...}``;
* ours: ``{'format': 's2hand-deephandmesh/1', 'model': state_dict, 'metadata': {...}}``,
  written atomically by :func:`save_dhm_checkpoint`.

Every file is read with ``torch.load(weights_only=True)``. A model built without the backbone
ignores ``backbone_net.*``. Mismatches raise :class:`DHMCheckpointError`, one paragraph naming
the keys and shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from s2hand.engine.checkpoint import CHECKPOINT_FORMAT as ENGINE_FORMAT
from s2hand.engine.checkpoint import atomic_torch_save
from s2hand.models.deephandmesh.model import DeepHandMesh
from s2hand.models.load_failure import load_failure_reason

DHM_MODEL_FORMAT = "s2hand-deephandmesh/1"
DATA_PARALLEL_PREFIX = "module."
LOSS_BUFFERS = ("penet_loss.segmentation", "lap_loss.laplacian")
BACKBONE_PREFIX = "backbone_net."
_LIST_LIMIT = 6


class DHMCheckpointError(ValueError):
    """A DeepHandMesh checkpoint cannot be read or does not fit the model."""


def read_dhm_checkpoint(path: str | Path) -> dict[str, Any]:
    """The raw dict of any of the three kinds, loaded safely to CPU."""
    path = Path(path)
    if not path.is_file():
        raise DHMCheckpointError(f"checkpoint {path} does not exist (expected an original "
                                 "snapshot_{E}.pth.tar or a file written by s2hand)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - every unpickling failure is reported alike
        raise DHMCheckpointError(f"checkpoint {path} could not be read safely "
                                 f"(torch.load with weights_only=True): "
                                 f"{load_failure_reason(exc)}") from exc
    if not isinstance(state, dict):
        raise DHMCheckpointError(f"checkpoint {path} holds a {type(state).__name__}, expected "
                                 "a dict with 'network' (original) or 'model' (s2hand)")
    return state


def model_state(state: Mapping[str, Any], path: str | Path) -> tuple[dict[str, Tensor], str]:
    """``(state dict in our key names, kind)`` with kind ``original``, ``engine`` or ``ours``;
    ``module.`` prefixes and the loss buffers are removed."""
    fmt = state.get("format")
    if fmt in (DHM_MODEL_FORMAT, ENGINE_FORMAT) and isinstance(state.get("model"), Mapping):
        return dict(state["model"]), "ours" if fmt == DHM_MODEL_FORMAT else "engine"
    network = state.get("network")
    if not isinstance(network, Mapping):
        raise DHMCheckpointError(f"checkpoint {path} has neither 'network' (an original "
                                 f"DeepHandMesh snapshot) nor a 'model' with format "
                                 f"{DHM_MODEL_FORMAT!r} or {ENGINE_FORMAT!r}; its keys: "
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
                        "(another architecture?)")
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
    """Load any of the three kinds into ``model``; returns ``{'kind', 'epoch', 'metadata'}``."""
    state = read_dhm_checkpoint(path)
    weights, kind = model_state(state, path)
    load_state_into(model, weights, str(path))
    return {"kind": kind, "epoch": state.get("epoch", state.get("epochs_done")),
            "metadata": dict(state.get("metadata", {}))}


def save_dhm_checkpoint(model: DeepHandMesh, path: str | Path,
                        metadata: Mapping[str, Any] | None = None) -> Path:
    """Write ``{'format', 'model', 'metadata'}`` (plain values only, ``weights_only``-safe);
    the hand model's name, vertex count and joint names go into the metadata."""
    info = {"hand_model": model.hand_model.name,
            "num_vertices": model.hand_model.num_vertices,
            "joint_names": list(model.hand_model.joint_names), **dict(metadata or {})}
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return atomic_torch_save({"format": DHM_MODEL_FORMAT, "model": state, "metadata": info},
                             path)
