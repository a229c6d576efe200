"""Ctrl-C and SIGTERM as exit statuses 130 and 143 for the long-running tools, and any
unexpected error as one line and status 1 (the traceback only under ``S2HAND_DEBUG``)."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from s2hand.cli.errors import (
    DEBUG_ENV,
    EXIT_FAILED,
    debug_requested,
    describe_error,
    exit_status_after_signal,
)

EXIT_INTERRUPTED = exit_status_after_signal(signal.SIGINT)
EXIT_TERMINATED = exit_status_after_signal(signal.SIGTERM)


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
    except Exception as err:
        if debug_requested():
            raise
        print(f"{prog}: error: {type(err).__name__}: {describe_error(err)} (set {DEBUG_ENV}=1 "
              "for the traceback)", file=sys.stderr)
        return EXIT_FAILED
    finally:
        signal.signal(signal.SIGTERM, previous)
