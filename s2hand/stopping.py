"""Stopping on SIGINT or SIGTERM: the exception that ends a run, and SIGTERM raising it.

Ctrl-C raises ``KeyboardInterrupt`` in the main thread; SIGTERM by default kills the process
at once, with no clean-up and no message. :func:`raise_on_sigterm` makes SIGTERM raise
:class:`StopSignal` instead, so that both unwind through ``finally`` blocks (temporary files
are removed, locks released) and reach the tool, which reports them as exit status 130 / 143.
Torch-free: the engine and the command-line tools share it; :func:`ignore_stop_signals` is
the ``worker_init_fn`` of every DataLoader with worker processes.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class StopSignal(KeyboardInterrupt):
    """A signal ends the run now; ``signum`` says which, ``note`` (may be empty) what the code
    that was stopped kept. A ``KeyboardInterrupt``, so that ``except Exception`` lets it
    through and code that cleans up after Ctrl-C does so for SIGTERM too."""

    def __init__(self, signum: int, note: str = ""):
        super().__init__(int(signum))
        self.signum = int(signum)
        self.note = note


def signal_of(stop: KeyboardInterrupt) -> int:
    """The signal behind ``stop``: its ``signum``, or SIGINT for a plain Ctrl-C."""
    return getattr(stop, "signum", signal.SIGINT)


def _raise_stop(signum: int, frame: object) -> None:  # noqa: ARG001 - handler signature
    raise StopSignal(signum)


@contextmanager
def raise_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`StopSignal` in the main thread (outside the
    main thread, where Python cannot set handlers, nothing changes); the previous handler is
    restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def hold_stop_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM wait: the first one arriving during it is sent
    again when the block ends (handled then as it would have been), e.g. after the last of a
    set of files that belong together is written. Main thread only (elsewhere nothing
    changes); keep the block short, a stuck one is ended by SIGKILL only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: held.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if handler is not None:   # None: a handler not set from Python, left as it is
                signal.signal(sig, handler)
        if held:
            signal.raise_signal(held[0])


def ignore_stop_signals(worker_id: int = 0) -> None:  # noqa: ARG001 - worker_init_fn signature
    """``worker_init_fn`` of DataLoaders: SIGINT and SIGTERM sent to the whole process group
    (Ctrl-C in a terminal, a batch system stopping a job) are left to the main process, which
    stops the run and then shuts its workers down; workers killed by them would make the run
    fail with "DataLoader worker exited unexpectedly" instead."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
