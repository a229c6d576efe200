"""Ctrl-C and SIGTERM as exit statuses 130 and 143 for the long-running tools."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from s2hand.cli.errors import exit_status_after_signal

EXIT_INTERRUPTED = exit_status_after_signal(signal.SIGINT)
EXIT_TERMINATED = exit_status_after_signal(signal.SIGTERM)


class Terminated(BaseException):
    """Raised in the main thread when SIGTERM arrives (a BaseException, like
    KeyboardInterrupt, so that ``except Exception`` handlers let it through)."""


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
