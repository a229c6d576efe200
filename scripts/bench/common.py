"""Shared helpers for the benchmark sub-commands: timing and machine description."""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import torch


def int_at_least(low: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer >= ``low``; anything else is refused as bad usage
    (exit status 2) with the option and the value in the message."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text!r}")
        return value

    return parse


#: Batch sizes, repeats, image sizes, thread counts.
positive_int = int_at_least(1)


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
