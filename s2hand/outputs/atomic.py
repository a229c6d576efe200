"""Files that are either absent, the old version, or the complete new one; never half-written.

The bytes go to a temporary file in the target's folder, are flushed and fsync'ed, then moved
over the final name with ``os.replace`` (atomic on POSIX and Windows). The temporary name
carries the writer's process id, ``.<name>.<pid>.<random>.tmp``, so that clean-up after a crash
removes only files whose writer is gone, never those of a live run. The file gets the mode a
plain ``open(path, "w")`` would give it: the replaced file's, else ``0o666`` less the umask
(``mkstemp`` alone would leave every output readable by its owner only).
"""

from __future__ import annotations

import errno
import io
import os
import stat
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def process_umask() -> int:
    """The process's umask (read by setting and restoring it: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Read once, at import, in the importing thread (changing the umask is process-wide).
_UMASK = process_umask()


def _target_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_UMASK


class OutputWriteError(OSError):
    """An output file could not be written; the message names it and says what is left."""


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``path``.

    Raises :class:`OutputWriteError` naming the file (and saying "No space left on device" for
    a full disk); the previous file, if any, is unchanged and no temporary file is left.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as err:
        file = next((p for p in (path.parent, *path.parent.parents) if p.is_file()), path.parent)
        raise OutputWriteError(f"{path} could not be written: {file} is a file, not a folder. "
                               "Nothing was written.") from err
    except OSError as err:
        raise _write_error(path, err) from err
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.",
                                        suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as err:
        raise _write_error(path, err) from err
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_all(handle, data)
            handle.flush()
            os.fchmod(handle.fileno(), _target_mode(path))
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as err:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        if isinstance(err, OSError) and not isinstance(err, OutputWriteError):
            raise _write_error(path, err) from err
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """:func:`atomic_write_bytes` of ``text`` encoded as UTF-8."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_savefig(fig, path: str | Path, **savefig_kwargs) -> Path:  # noqa: ANN001
    """Save a matplotlib figure as :func:`atomic_write_bytes` does (rendered in memory first;
    the format follows the suffix of ``path``); returns ``path``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=Path(path).suffix[1:], **savefig_kwargs)
    return atomic_write_bytes(path, buffer.getvalue())


def _write_all(handle, data: bytes) -> None:  # noqa: ANN001 - a binary file object
    # Its own function so that tests can make the disk "full" here.
    handle.write(data)


def _write_error(path: Path, err: OSError) -> OutputWriteError:
    reason = os.strerror(err.errno) if err.errno else str(err)
    hint = ""
    if err.errno == errno.ENOSPC:
        hint = f"; free space on the disk holding {path.parent} and run again"
    error = OutputWriteError(f"{path} could not be written: {reason}. The previous version "
                             f"of the file, if any, is unchanged{hint}.")
    error.errno = err.errno
    return error


def temp_writer_pid(temp: Path) -> int | None:
    """Process id in a temporary name written by :func:`atomic_write_bytes` (None if absent)."""
    parts = temp.name.rsplit(".", 3)
    if len(parts) != 4 or parts[3] != TEMP_SUFFIX[1:] or not parts[1].isdigit():
        return None
    return int(parts[1])


def process_alive(pid: int) -> bool:
    """Whether a process with id ``pid`` exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def remove_stale_temps(folder: str | Path, name_glob: str = "*") -> list[Path]:
    """Delete temporary files of ``folder`` (targets matching ``name_glob``) whose writer is no
    longer running; returns them. Files of live processes (this one included) are kept; names
    without a process id (written before ids were recorded) count as stale."""
    removed = []
    for temp in Path(folder).glob(f".{name_glob}.*{TEMP_SUFFIX}"):
        pid = temp_writer_pid(temp)
        if pid is not None and process_alive(pid):
            continue
        temp.unlink(missing_ok=True)
        removed.append(temp)
    return removed
