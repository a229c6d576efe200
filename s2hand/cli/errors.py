"""Exit statuses and error messages of the command-line tools (one policy for all of them).

0 success; 1 bad data or a failed run; 2 bad usage or config; 128 + N after signal N (130 after
Ctrl-C, 143 after SIGTERM). Errors are one paragraph on stderr, without a Python traceback
unless the environment variable ``S2HAND_DEBUG`` is set to a non-empty value (``s2hand-train``
also shows them with ``--log_level DEBUG`` and always writes them to ``train.log``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

EXIT_FAILED = 1
EXIT_INPUT_ERROR = 2
DEBUG_ENV = "S2HAND_DEBUG"

# torch re-raises a DataLoader worker's exception with the worker's whole traceback as message.
_WORKER_TRACEBACK = "\nOriginal Traceback (most recent call last):\n"


def exit_status_after_signal(signum: int) -> int:
    """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + int(signum)


def debug_requested() -> bool:
    return bool(os.environ.get(DEBUG_ENV))


def describe_error(err: BaseException) -> str:
    """The message of ``err``; for an error raised in a DataLoader worker, the worker's own
    message plus where it happened, without the worker's traceback."""
    text = str(err)
    head, sep, trace = text.partition(_WORKER_TRACEBACK)
    if not sep:
        return text
    name = type(err).__name__
    lines = trace.rstrip("\n").splitlines()
    for i in range(len(lines) - 1, -1, -1):
        prefix, colon, rest = lines[i].partition(": ")
        if colon and not lines[i][:1].isspace() and prefix.split(".")[-1] == name:
            message = "\n".join([rest, *lines[i + 1:]]).strip()
            where = head.removeprefix(f"Caught {name} ").rstrip(".")
            return f"{message} ({where})"
    return head


class UsageError(ValueError):
    """A bad command line: wrong or missing options (exit status 2)."""


def run_reporting_errors(prog: str, run: Callable[[argparse.Namespace], int],
                         args: argparse.Namespace,
                         errors: tuple[type[Exception], ...],
                         data_errors: tuple[type[Exception], ...] = ()) -> int:
    """``run(args)``; an exception of ``errors`` (bad usage or config) is printed as
    ``"<prog>: error: <message>"`` on stderr (no traceback) and gives exit status 2, one of
    ``data_errors`` (bad input files) the same message and status 1; when both name one of its
    classes (e.g. ``ValueError`` and a ``ValueError`` subclass), the closer class decides. Any
    other exception gives status 1 with its one-line message (the traceback only under
    ``S2HAND_DEBUG``)."""
    try:
        return run(args)
    except (*errors, *data_errors) as err:
        print(f"{prog}: error: {describe_error(err)}", file=sys.stderr)
        return _status_of(err, errors, data_errors)
    except Exception as err:
        if debug_requested():
            raise
        print(f"{prog}: error: {type(err).__name__}: {describe_error(err)} (set {DEBUG_ENV}=1 "
              "for the traceback)", file=sys.stderr)
        return EXIT_FAILED


def _status_of(err: Exception, errors: tuple[type[Exception], ...],
               data_errors: tuple[type[Exception], ...]) -> int:
    for cls in type(err).__mro__:
        if cls in data_errors:
            return EXIT_FAILED
        if cls in errors:
            return EXIT_INPUT_ERROR
    # Only a virtual subclass (registered with an ABC) has none of them in its MRO.
    return EXIT_INPUT_ERROR if isinstance(err, errors) else EXIT_FAILED
