"""Exit statuses of s2hand-detect/-predict after SIGTERM and Ctrl-C; an unexpected error in
s2hand-detect is one line and status 1."""

from __future__ import annotations

import os
import signal

from s2hand.cli import detect
from s2hand.cli.interrupts import run_interruptible


def test_signals_give_the_documented_statuses(capsys):
    def terminated() -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        return 0

    def interrupted() -> int:
        raise KeyboardInterrupt

    assert run_interruptible("tool", terminated) == 143
    assert run_interruptible("tool", interrupted) == 130
    assert "tool: terminated" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_unexpected_error_is_one_line_and_status_1(tmp_path, monkeypatch, capsys):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(detect, "list_jobs", broken)
    monkeypatch.delenv("S2HAND_DEBUG", raising=False)
    assert detect.main(["--layout", "folder", str(tmp_path)]) == 1
    assert "s2hand-detect: error: RuntimeError: boom" in capsys.readouterr().err
