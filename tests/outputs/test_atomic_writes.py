"""Atomic writes: a full disk names the file and keeps the old one; clean-up spares live runs."""

import errno
import os
import subprocess
import sys

import pytest
import torch

from s2hand.engine.checkpoint import CheckpointManager, atomic_torch_save
from s2hand.outputs import OutputWriteError, atomic_write_text, remove_stale_temps
from s2hand.outputs import atomic as atomic_mod


def _disk_full(handle, data):
    handle.write(bytes(data)[:10])  # the disk took a few bytes, then filled up
    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_while_saving_a_checkpoint_names_the_file(tmp_path, monkeypatch):
    target = tmp_path / "model" / "latest.t7"
    atomic_torch_save({"v": torch.ones(3)}, target)
    monkeypatch.setattr(atomic_mod, "_write_all", _disk_full)
    with pytest.raises(OutputWriteError) as caught:
        CheckpointManager(tmp_path / "model").save({"epoch": 1, "v": torch.zeros(3)},
                                                   numbered=False)
    message = str(caught.value)
    assert str(target) in message and "No space left on device" in message
    assert "unexpected pos" not in message and caught.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert torch.equal(torch.load(target, weights_only=True)["v"], torch.ones(3))
    assert os.listdir(target.parent) == ["latest.t7"]  # no temp file left behind


def test_text_write_failure_keeps_previous_content(tmp_path, monkeypatch):
    target = tmp_path / "scores.json"
    atomic_write_text(target, "old")
    monkeypatch.setattr(atomic_mod, "_write_all", _disk_full)
    with pytest.raises(OutputWriteError, match="scores.json could not be written"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["scores.json"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_start_up_clean_up_spares_temp_files_of_live_runs(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        other_run = tmp_path / f".latest.t7.{live.pid}.abc123.tmp"
        own = tmp_path / f".latest.t7.{os.getpid()}.def456.tmp"
        dead = tmp_path / f".latest.t7.{_dead_pid()}.ghi789.tmp"
        legacy = tmp_path / ".latest.t7.k2j4h5g6.tmp"  # written before pids were recorded
        for path in (other_run, own, dead, legacy):
            path.write_bytes(b"in flight")
        CheckpointManager(tmp_path)  # what every run does at start-up
        assert other_run.exists() and own.exists()
        assert not dead.exists() and not legacy.exists()
    finally:
        live.kill()
        live.wait()
    assert remove_stale_temps(tmp_path, "*.t7") == [other_run]


def test_new_files_get_the_umask_mode_and_replaced_files_keep_theirs(tmp_path):
    import stat

    from s2hand.outputs import process_umask

    new = atomic_write_text(tmp_path / "new.json", "{}")
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~process_umask()   # not mkstemp's 0600
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    os.chmod(kept, 0o640)
    atomic_write_text(kept, "new")
    assert kept.read_text() == "new" and stat.S_IMODE(kept.stat().st_mode) == 0o640


def test_a_parent_that_is_a_file_is_named(tmp_path):
    blocker = tmp_path / "runs"
    blocker.write_text("not a folder")
    with pytest.raises(OutputWriteError, match="runs is a file, not a folder"):
        atomic_write_text(blocker / "a" / "scores.json", "{}")
