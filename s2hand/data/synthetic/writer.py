"""Background image encoding for the generator: JPEG/PNG encoding releases the GIL, so a couple
of threads overlap it with rendering and compositing. File contents do not depend on the
thread schedule, so generation stays deterministic."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import numpy as np

from s2hand.data.io import write_image


class ImageWriter:
    """Context manager: ``submit(path, image)``; leaving the block waits for every write and
    re-raises the first error."""

    def __init__(self, threads: int = 2):
        self._pool = ThreadPoolExecutor(max_workers=threads)
        self._pending: list[Future] = []

    def submit(self, path: Path, image: np.ndarray) -> None:
        self._pending.append(self._pool.submit(write_image, path, image))
        if len(self._pending) > 256:  # bound the memory held by queued images
            self._drain(128)

    def _drain(self, keep: int = 0) -> None:
        while len(self._pending) > keep:
            self._pending.pop(0).result()

    def __enter__(self) -> ImageWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self._drain()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=exc_type is not None)
