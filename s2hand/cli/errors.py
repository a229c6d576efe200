"""Shared exit path of the command-line tools: expected errors become one line and status 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

EXIT_INPUT_ERROR = 2


def run_reporting_errors(prog: str, run: Callable[[argparse.Namespace], int],
                         args: argparse.Namespace,
                         errors: tuple[type[Exception], ...]) -> int:
    """``run(args)``; an exception of ``errors`` is printed as ``"<prog>: error: <message>"``
    on stderr (no traceback) and gives exit status 2."""
    try:
        return run(args)
    except errors as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return EXIT_INPUT_ERROR
