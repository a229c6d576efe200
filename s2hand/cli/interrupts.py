"""Ctrl-C and SIGTERM as exit statuses 130 and 143, with a one-line note of what was kept."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from s2hand.cli.errors import exit_status_after_signal
from s2hand.stopping import raise_on_sigterm, signal_of

#: The note of the tools whose outputs are whole files written atomically, without resuming.
KEPT_WHOLE_FILES = "no file is half-written (each is complete or left as it was)"
#: The note of the tools that write no files (temporary ones are removed as they unwind).
KEPT_NOTHING = "nothing is left on disk (this tool writes no files)"


def run_interruptible(prog: str, run: Callable[[], int],
                      kept: str | Callable[[], str] = "finished work is kept, rerun to resume"
                      ) -> int:
    """``run()``, with Ctrl-C giving 130 and SIGTERM 143 and one line on stderr:
    ``"<prog>: interrupted; <kept>"`` (``"terminated"`` after SIGTERM).

    ``kept`` says what the tool leaves on disk; a function is called after the stop, so that it
    can look (e.g. for an unfinished-folder mark).
    """
    with raise_on_sigterm():
        try:
            return run()
        except KeyboardInterrupt as stop:
            signum = signal_of(stop)
            word = "interrupted" if signum == signal.SIGINT else "terminated"
            print(f"{prog}: {word}; {kept() if callable(kept) else kept}", file=sys.stderr)
            return exit_status_after_signal(signum)
