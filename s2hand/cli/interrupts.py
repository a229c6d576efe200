"""Ctrl-C and SIGTERM as exit statuses 130 and 143 for the long-running tools."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(Exception):
    """Raised in the main thread when SIGTERM arrives."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def run_interruptible(prog: str, run: Callable[[], int]) -> int:
    """``run()``, with Ctrl-C giving 130 and SIGTERM 143 and a one-line note on stderr.

    Work already written to disk by ``run`` stays (the tools write atomically and resume).
    """
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return run()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; finished work is kept, rerun to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print(f"{prog}: terminated; finished work is kept, rerun to resume", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        signal.signal(signal.SIGTERM, previous)
