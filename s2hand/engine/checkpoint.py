"""Atomic checkpoint files, RNG state capture and keep-last-N rotation.

A checkpoint is a plain dict saved with ``torch.save``. It is first written to a temporary file
in the target folder, flushed and fsync'ed, then moved over the final name with ``os.replace``,
which is atomic on POSIX and Windows: a reader sees either the old file or the complete new one,
never a half-written one, even if the process is killed mid-write.
"""

from __future__ import annotations

import io
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from s2hand.models.load_failure import load_failure_reason
from s2hand.outputs import atomic_write_bytes, remove_stale_temps

CHECKPOINT_FORMAT = "s2hand-engine/1"
LATEST_NAME = "latest.t7"


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable or not in the expected format."""


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
