"""How a training run stops on SIGINT / SIGTERM: at a safe point first, at once the second time.

The first signal asks for a stop: the trainer saves ``latest.t7`` after the current iteration,
and an evaluation pass whose batches come through :meth:`StopRequest.batches` ends before its
next batch. A second signal raises :class:`s2hand.stopping.StopSignal` at once, except while
a checkpoint is being written: that write is finished first, so a checkpoint is never cut
short and ``latest.t7`` is always the last complete state.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from s2hand.stopping import StopSignal


class PassStopped(BaseException):
    """An evaluation pass ended before its next batch because a stop was requested (a
    BaseException, so that the pass's ``except Exception`` handlers let it through)."""


class StopRequest:
    """The stop state of one run: ``requested``, the ``signum`` that asked (None when asked
    by :meth:`request`), and the handlers that set it."""

    def __init__(self) -> None:
        self.requested = False
        self.signum: int | None = None
        self._writing = 0
        self._pending: int | None = None  # a second signal held back during a write

    def request(self) -> None:
        self.requested = True

    def install(self) -> Callable[[], None]:
        """Handle SIGINT and SIGTERM (main thread only); returns the function restoring the
        previous handlers."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {sig: signal.signal(sig, self._handle)
                    for sig in (signal.SIGTERM, signal.SIGINT)}

        def restore() -> None:
            for sig, old in previous.items():
                signal.signal(sig, old)

        return restore

    def _handle(self, signum: int, frame: Any) -> None:  # noqa: ARG002 - handler signature
        if not self.requested:
            self.signum = signum
            self.request()
        elif self._writing:
            self._pending = signum
        else:
            raise StopSignal(signum)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A second signal arriving within the block stops the run when the block is done."""
        self._writing += 1
        try:
            yield
        finally:
            self._writing -= 1
        if not self._writing and self._pending is not None:
            signum, self._pending = self._pending, None
            raise StopSignal(signum)

    def batches(self, loader: Iterable) -> StopAwareBatches:
        """``loader``'s batches, ending the pass with :class:`PassStopped` before the next one
        once a stop is requested."""
        return StopAwareBatches(loader, self)


class StopAwareBatches:
    """An iterable of batches (with the loader's ``len``) that stops between two batches."""

    def __init__(self, loader: Iterable, stop: StopRequest):
        self.loader = loader
        self.stop = stop

    def __len__(self) -> int:
        return len(self.loader)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        batches = iter(self.loader)
        while not self.stop.requested:
            try:
                batch = next(batches)
            except StopIteration:
                return
            if self.stop.requested:  # arrived while the batch was loading
                break
            yield batch
        raise PassStopped()
