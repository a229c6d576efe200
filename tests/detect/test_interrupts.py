"""Exit statuses of s2hand-detect/-predict after SIGTERM, Ctrl-C and an unexpected error."""

from __future__ import annotations

import os
import signal

from s2hand.cli.interrupts import run_interruptible


def test_signals_and_unexpected_errors_give_the_documented_statuses(capsys):
    def terminated() -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        return 0

    def interrupted() -> int:
        raise KeyboardInterrupt

    def broken() -> int:
        raise RuntimeError("boom")

    assert run_interruptible("tool", terminated) == 143
    assert run_interruptible("tool", interrupted) == 130
    assert run_interruptible("tool", broken) == 1
    err = capsys.readouterr().err
    assert "tool: terminated" in err and "tool: error: RuntimeError: boom" in err
    assert signal.getsignal(signal.SIGTERM) is not None
