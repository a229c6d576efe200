"""Shared helpers for the benchmark sub-commands: timing and machine description."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import torch


def machine_description() -> str:
    """One line naming the CPU/GPU, core count and torch version."""
    cpu = platform.processor() or platform.machine()
    threads = torch.get_num_threads()
    line = f"{cpu}, {os.cpu_count()} cores ({threads} torch threads), torch {torch.__version__}"
    if torch.cuda.is_available():
        line += f", CUDA {torch.cuda.get_device_name(0)}"
    return line


def time_call(fn: Callable[[], object], device: torch.device, repeats: int = 10,
              warmup: int = 2) -> float:
    """Median wall time in seconds of ``fn()`` over ``repeats`` runs after ``warmup`` runs."""
    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def devices() -> list[torch.device]:
    """CPU always, CUDA when present."""
    out = [torch.device("cpu")]
    if torch.cuda.is_available():
        out.append(torch.device("cuda"))
    return out


def print_table(header: list[str], rows: list[list[object]]) -> None:
    """Print a markdown table."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
