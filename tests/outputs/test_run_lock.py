"""One live run per output folder; a dead run's lock is taken over with a message."""

import logging
import subprocess
import sys

import pytest

from s2hand.outputs import LOCK_NAME, OutputFolderBusy, hold_output_folder

HOLDER = """
import sys, time
from s2hand.outputs.lock import acquire
acquire(sys.argv[1])
print("locked", flush=True)
time.sleep(120)
"""


def _holder(folder):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_live_lock_refuses_then_stale_lock_is_taken_over(tmp_path, caplog):
    proc = _holder(tmp_path)
    try:
        with pytest.raises(OutputFolderBusy) as caught, hold_output_folder(tmp_path):
            pass
        message = str(caught.value)
        assert str(tmp_path) in message and f"pid {proc.pid}" in message
        assert "base_out_path" in message
    finally:
        proc.kill()  # dies holding the lock: the lock file still names it
        proc.wait()
    caplog.set_level(logging.WARNING, logger="s2hand.outputs.lock")
    with hold_output_folder(tmp_path):
        assert any("stale lock" in r.getMessage() and f"pid {proc.pid}" in r.getMessage()
                   for r in caplog.records)
    assert (tmp_path / LOCK_NAME).read_text() == ""  # released cleanly: nothing stale later


def test_lock_is_reentrant_in_one_process_and_released_after(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    with hold_output_folder(tmp_path), hold_output_folder(tmp_path / "."):
        assert '"pid"' in (tmp_path / LOCK_NAME).read_text()
    with hold_output_folder(tmp_path):
        pass
    assert not caplog.records  # no stale-lock message after clean releases
    proc = _holder(tmp_path)  # released: another process can take it now
    proc.kill()
    proc.wait()
