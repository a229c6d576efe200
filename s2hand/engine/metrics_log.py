"""Metrics sinks: TensorBoard (global step = iteration), a CSV file and a JSON-lines file.

Only rank 0 writes; other ranks get a logger whose methods do nothing.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CSV_FIELDS = ("iteration", "epoch", "phase", "name", "value")


class MetricsLogger:
    """``log(phase, scalars, iteration, epoch)`` appends one row per scalar to
    ``<folder>/metrics.csv`` and one JSON object per call to ``<folder>/metrics.jsonl``, and adds
    ``<phase>/<name>`` scalars to TensorBoard when ``tb_dir`` is given."""

    def __init__(self, folder: str | Path | None, tb_dir: str | Path | None = None,
                 enabled: bool = True):
        self.enabled = enabled and folder is not None
        self.writer = None
        if not self.enabled:
            return
        self.folder = Path(folder)  # type: ignore[arg-type]
        self.folder.mkdir(parents=True, exist_ok=True)
        self.csv_path = self.folder / "metrics.csv"
        self.jsonl_path = self.folder / "metrics.jsonl"
        if not self.csv_path.exists():
            with self.csv_path.open("w", newline="") as handle:
                csv.writer(handle).writerow(CSV_FIELDS)
        if tb_dir is not None:
            from tensorboardX import SummaryWriter

            self.writer = SummaryWriter(logdir=str(tb_dir))

    def log(self, phase: str, scalars: Mapping[str, float], iteration: int, epoch: int) -> None:
        if not self.enabled:
            return
        clean = {k: float(v) for k, v in scalars.items()}
        with self.csv_path.open("a", newline="") as handle:
            writer = csv.writer(handle)
            for name, value in clean.items():
                writer.writerow((iteration, epoch, phase, name, repr(value)))
        record: dict[str, Any] = {"phase": phase, "iteration": iteration, "epoch": epoch}
        record.update({k: (v if math.isfinite(v) else str(v)) for k, v in clean.items()})
        with self.jsonl_path.open("a") as handle:
            handle.write(json.dumps(record) + "\n")
        if self.writer is not None:
            for name, value in clean.items():
                self.writer.add_scalar(f"{phase}/{name}", value, iteration)

    def log_image(self, tag: str, image_hwc: Any, iteration: int) -> None:
        """Add an ``(H,W,3)`` uint8/float image to TensorBoard (no-op without a writer)."""
        if self.writer is not None:
            self.writer.add_image(tag, image_hwc, iteration, dataformats="HWC")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()
            self.writer = None
