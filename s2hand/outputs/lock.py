"""One live run per output folder: an exclusive ``fcntl.flock`` on ``<folder>/.s2hand.lock``.

The lock file records who holds it (pid, host, start time, command). The operating system drops
a ``flock`` when its holder dies, however it dies, so a lock left by a killed run is simply free;
its recorded holder is then reported as a stale lock taken over. A clean release empties the
file. POSIX only; on network file systems without ``flock`` support the lock is advisory at best.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_NAME = ".s2hand.lock"

# Folders locked by this process -> nesting depth (the CLI locks, then run_experiment re-enters).
_HELD: dict[Path, int] = {}


class OutputFolderBusy(RuntimeError):
    """Another live run holds the output folder."""


def _holder_text(info: dict) -> str:
    parts = [f"pid {info.get('pid', '?')} on {info.get('host', '?')}"]
    if info.get("started"):
        parts.append(f"started {info['started']}")
    if info.get("command"):
        parts.append(f"command: {info['command']}")
    return ", ".join(parts)


def _read_info(fd: int) -> dict:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 65536)
    try:
        info = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        info = {"pid": "unknown (unreadable lock file)"}
    return info if isinstance(info, dict) else {}


def acquire(folder: str | Path, what: str = "run") -> int:
    """Lock ``folder`` (created if needed) for this process; returns the lock's descriptor.

    Raises :class:`OutputFolderBusy` naming the folder and the live holder. Logs a warning when
    the previous holder died without releasing the lock.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder_text(_read_info(fd))
        os.close(fd)
        raise OutputFolderBusy(
            f"{folder} is in use by another live {what} ({holder}; lock file {path}). Two runs "
            "in one output folder would overwrite each other's checkpoints, config.json and "
            "logs: wait for it to finish, stop it, or choose another output folder "
            "(base_out_path).") from None
    previous = _read_info(fd)
    if previous.get("pid") is not None:
        log.warning("%s: took over a stale lock of a %s that is no longer running (%s)",
                    folder, what, _holder_text(previous))
    info = {"pid": os.getpid(), "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"), "command": " ".join(sys.argv)}
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, json.dumps(info).encode("utf-8"))
    os.fsync(fd)
    return fd


def release(fd: int) -> None:
    """Empty the lock file (so that no stale holder is reported later) and unlock it."""
    os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


@contextmanager
def hold_output_folder(folder: str | Path, what: str = "run") -> Iterator[None]:
    """Hold the lock of ``folder`` for the ``with`` block; re-entrant within one process."""
    key = Path(folder).resolve()
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    fd = acquire(folder, what)
    _HELD[key] = 1
    try:
        yield
    finally:
        del _HELD[key]
        release(fd)
