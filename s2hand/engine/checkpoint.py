"""Checkpoints: the engine's format (atomic files, RNG state, keep-last-N rotation, resume) and
loading sub-networks from it or from an original S2HAND ``.t7`` (``pretrain_*``, §5.2-5.3).

An engine checkpoint is a plain dict with the format tag :data:`CHECKPOINT_FORMAT`, the full
``model`` state dict, optimiser/scheduler/RNG state and the resolved config. It is first written
to a temporary file in the target folder, flushed and fsync'ed, then moved over the final name
with ``os.replace``, which is atomic on POSIX and Windows: a reader sees either the old file or
the complete new one, never a half-written one, even if the process is killed mid-write.

An original ``.t7`` is a dict with one ``state_dict`` per sub-network under the original's key
(``decoder`` for ``hand_decoder`` ...), plus ``args`` (a pickled ``argparse.Namespace``),
``optimizer`` and ``epoch``. Both are read with ``weights_only=True``; the only extra class
allowed is ``argparse.Namespace``.
"""

from __future__ import annotations

import argparse
import io
import random
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from s2hand.outputs import atomic_write_bytes, remove_stale_temps

from .load_failure import load_failure_reason

CHECKPOINT_FORMAT = "s2hand-engine/1"
LATEST_NAME = "latest.t7"


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable, not in the expected format or does not fit the
    model; the message says why."""


def atomic_torch_save(obj: Any, path: str | Path) -> Path:
    """``torch.save(obj, path)`` such that ``path`` is never left half-written.

    Serialised in memory first, so that a failed write (a full disk) surfaces as an
    :class:`~s2hand.outputs.OutputWriteError` naming the file, not as torch's internal error.
    """
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return atomic_write_bytes(path, buffer.getbuffer())


def _numpy_state_to_plain(state: tuple) -> dict[str, Any]:
    # ``weights_only`` loading refuses numpy arrays, so the MT19937 key travels as a tensor.
    name, keys, pos, has_gauss, cached = state
    return {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
            "has_gauss": int(has_gauss), "cached": float(cached)}


def _numpy_state_from_plain(state: dict[str, Any]) -> tuple:
    keys = state["keys"].numpy().astype(np.uint32)
    return (state["name"], keys, state["pos"], state["has_gauss"], state["cached"])


def capture_rng_state() -> dict[str, Any]:
    """States of every random generator the training loop draws from (python, numpy, torch)."""
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": _numpy_state_to_plain(np.random.get_state()),  # noqa: NPY002 (global state)
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng_state`; CUDA states are restored only when CUDA exists."""
    random.setstate(state["python"])
    np.random.set_state(_numpy_state_from_plain(state["numpy"]))  # noqa: NPY002
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


@contextmanager
def preserved_rng() -> Iterator[None]:
    """Run the body, then put every random generator back as it was: what the body draws (a
    test pass, a figure, a sample's seeded augmentation) never shifts the training stream."""
    state = capture_rng_state()
    try:
        yield
    finally:
        restore_rng_state(state)


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load one of our checkpoints with ``weights_only=True`` (no arbitrary unpickling).

    Raises :class:`CheckpointError` naming the file when it is absent or not ours.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist (expected a file written by "
                              "s2hand training, e.g. <base_out_path>/model/latest.t7)")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is reported the same way
        raise CheckpointError(f"checkpoint {path} could not be read safely: "
                              f"{load_failure_reason(exc)}") from exc
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"checkpoint {path} is not an s2hand engine checkpoint "
                              f"(missing format tag {CHECKPOINT_FORMAT!r}); original S2HAND .t7 "
                              "files are loaded through pretrain_model instead of resume")
    return state


def save_model_checkpoint(model: nn.Module, path: str | Path, epoch: int = 0,
                          metadata: Mapping[str, Any] | None = None) -> Path:
    """Write only the model's weights, in the engine format (what :func:`load_parts` and
    ``pretrain_model`` read), atomically. ``metadata`` must hold plain values only."""
    return atomic_torch_save({"format": CHECKPOINT_FORMAT, "model": model.state_dict(),
                              "epoch": int(epoch), "metadata": dict(metadata or {})}, path)


class CheckpointManager:
    """Writes ``<folder>/<prefix>_<epoch>.t7`` on request and ``latest.t7`` at every save.

    Only the ``keep_last`` most recent epoch files are kept (0 or less keeps all); ``latest.t7``
    is always the newest state, including mid-epoch saves, and is what ``resume`` reads.
    """

    def __init__(self, folder: str | Path, prefix: str = "checkpoint", keep_last: int = 3):
        self.folder = Path(folder)
        self.prefix = prefix
        self.keep_last = keep_last
        # temp files of a run killed mid-write (a live run's are kept); checkpoints are whole
        remove_stale_temps(self.folder, "*.t7")

    @property
    def latest_path(self) -> Path:
        return self.folder / LATEST_NAME

    def epoch_path(self, epoch: int) -> Path:
        return self.folder / f"{self.prefix}_{epoch}.t7"

    def save(self, state: dict[str, Any], numbered: bool) -> Path:
        """Save ``state`` (a dict with an ``epoch`` label) as latest and, when ``numbered``, as
        ``<prefix>_<epoch>.t7``; returns the numbered path if written, else the latest path."""
        state = {"format": CHECKPOINT_FORMAT, **state}
        path = self.latest_path
        if numbered:
            path = atomic_torch_save(state, self.epoch_path(int(state["epoch"])))
            self._rotate()
        atomic_torch_save(state, self.latest_path)
        return path

    def epoch_files(self) -> list[Path]:
        pattern = re.compile(rf"^{re.escape(self.prefix)}_(\d+)\.t7$")
        found = []
        for path in self.folder.glob(f"{self.prefix}_*.t7"):
            match = pattern.match(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return [p for _, p in sorted(found)]

    def _rotate(self) -> None:
        if self.keep_last <= 0:
            return
        for old in self.epoch_files()[: -self.keep_last]:
            old.unlink()


# ---------------------------------------------------------------------- loading sub-networks
_LIST_LIMIT = 8


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """An engine checkpoint or an original ``.t7``, read safely (tensors, plain containers and
    ``argparse.Namespace`` only)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is reported the same way
        raise CheckpointError(
            f"checkpoint {path} could not be read safely: {load_failure_reason(exc)} (an S2HAND "
            ".t7 may hold tensors, plain containers and argparse.Namespace)") from exc
    if not isinstance(state, dict):
        raise CheckpointError(f"checkpoint {path} holds a {type(state).__name__}; expected a dict "
                              "(an s2hand checkpoint or the original's save_model output)")
    return state


def trained_state(module: nn.Module, constant_prefixes: tuple[str, ...] = ()) -> dict[str, Any]:
    """``module.state_dict()`` without the keys under ``constant_prefixes`` (fixed data such as
    a hand model's arrays, which come from their own file)."""
    return {k: v for k, v in module.state_dict().items() if not k.startswith(constant_prefixes)}


def load_parts(model: nn.Module, path: str | Path, parts: Mapping[str, str],
               key: str = "pretrain_model", require_all: bool = False,
               constant_prefixes: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, Any]:
    """Load the sub-networks ``parts`` that both ``model`` and the checkpoint at ``path`` have.

    Args:
        parts: sub-network (attribute of ``model``) -> its key in an original ``.t7``.
        key: config key naming the file, for messages.
        require_all: every part the model has must be in the file.
        constant_prefixes: per part, state-dict prefixes that are not stored in original files.

    Returns:
        ``{"loaded": names, "epoch": stored epoch or None}``. Each part loads strictly; when any
        chosen part does not fit, nothing is loaded.

    Raises:
        CheckpointError: naming ``key``, the file and every missing, unexpected or wrongly shaped
            key (and the model's hints, ``model.checkpoint_hints(part, given)``, when it has them).
    """
    path = Path(path)
    wanted = [p for p in parts if getattr(model, p, None) is not None]
    try:
        state = read_checkpoint(path)
    except CheckpointError as exc:
        raise CheckpointError(f"{key}: {exc}") from None
    ours = state.get("format") == CHECKPOINT_FORMAT
    subs = _our_parts(model, state, wanted) if ours else {
        p: state[parts[p]] for p in wanted if parts[p] in state}
    prefixes = {} if ours else dict(constant_prefixes or {})
    problems = [line for p, given in subs.items()
                for line in _part_problems(model, p, given, prefixes.get(p, ()))]
    if problems:
        raise CheckpointError(f"{key}: checkpoint {path} does not fit the model:\n  "
                              + "\n  ".join(problems))
    loaded = list(subs)
    if not loaded:
        in_file = sorted(k for k in state if k in parts.values())
        raise CheckpointError(f"{key}: {path} holds none of the sub-networks this model has "
                              f"({', '.join(wanted) or 'none'}; the file has {in_file}); check "
                              "train_requires/test_requires and the file")
    missing = sorted(set(wanted) - set(loaded))
    if require_all and missing:
        raise CheckpointError(f"{key}: {path} has no weights for {', '.join(missing)}")
    for part in loaded:
        # strict=False only for the constants absent from original files; every other key was
        # checked above.
        getattr(model, part).load_state_dict(dict(subs[part]), strict=not prefixes.get(part))
    epoch = state.get("epoch")
    return {"loaded": loaded, "epoch": None if epoch is None else int(epoch)}


def _our_parts(model: nn.Module, state: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    full = state["model"]
    subs = {}
    for part in wanted:
        prefix = part + "."
        sub = {k[len(prefix):]: v for k, v in full.items() if k.startswith(prefix)}
        if sub:
            # Non-persistent buffers (e.g. the hand model's arrays) are derived data, not weights;
            # files from versions that saved them still load.
            module = getattr(model, part)
            derived = {n for n, _ in module.named_buffers()} - set(module.state_dict())
            subs[part] = {k: v for k, v in sub.items() if k not in derived}
    return subs


def _part_problems(model: nn.Module, part: str, given: Any,
                   constant_prefixes: tuple[str, ...]) -> list[str]:
    if not isinstance(given, Mapping):
        return [f"[{part}] is a {type(given).__name__}, expected a state_dict"]
    expected = trained_state(getattr(model, part), constant_prefixes)
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
    hints = getattr(model, "checkpoint_hints", None)
    if problems and hints is not None:
        problems += hints(part, given)
    return problems


def _shape(value: Any) -> tuple[int, ...] | str:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else f"a {type(value).__name__}"
