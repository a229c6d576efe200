"""Where the synthetic generator may write: never over files it did not write itself.

A finished dataset's ``synthetic.json`` lists every file the generator wrote; while it is
writing, ``synthetic.partial`` says that the folder holds only its files (it was empty, or held
only listed files, when the generator started). Everything else in a folder is someone's data.
"""

from __future__ import annotations

import json
from pathlib import Path

from s2hand.data.errors import DataError

MARKER = "synthetic.json"
PARTIAL = "synthetic.partial"
_SHOWN = 3


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and p.name not in (MARKER, PARTIAL))


def _shown(names: list[str]) -> str:
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return ", ".join(names[:_SHOWN]) + more


def claim_output_folder(out: Path, overwrite: bool = False) -> None:
    """Check that ``out`` may be written, then mark it as being written (``synthetic.partial``).

    Raises :class:`DataError` when ``out`` or one of its parents is not a folder, when it holds
    files the generator did not write, or when it holds a finished synthetic dataset and
    ``overwrite`` is false.
    """
    for parent in (out, *out.parents):
        if parent.exists():
            if not parent.is_dir():
                where = "it" if parent == out else f"its parent {parent}"
                raise DataError(f"{out}: cannot be the output folder, {where} is a file, not a "
                                "folder; pass a new folder or one written by "
                                "s2hand-make-synthetic.")
            break
    if out.is_dir():
        present = _files(out)
        marker, partial = out / MARKER, out / PARTIAL
        if marker.is_file() and not partial.is_file():
            listed = json.loads(marker.read_text(encoding="utf-8")).get("files")
            if not overwrite:
                raise DataError(f"{out}: already holds a synthetic dataset ({marker}); pass "
                                "--overwrite to replace it, or choose another folder.")
            if listed is None:
                raise DataError(f"{marker} does not list the files it wrote (written by an older "
                                "version), so nothing in the folder is overwritten; delete the "
                                "folder yourself or choose another one.")
            foreign = sorted(set(present) - set(listed))
            if foreign:
                raise DataError(f"{out}: holds {len(foreign)} file(s) the generator did not "
                                f"write ({_shown(foreign)}); refusing to write there even with "
                                "--overwrite. Move them away or choose another folder.")
        elif present and not partial.is_file():
            raise DataError(f"{out}: holds {len(present)} file(s) not written by "
                            f"s2hand-make-synthetic ({_shown(present)}); refusing to write "
                            "into it. Choose a new or empty folder.")
    out.mkdir(parents=True, exist_ok=True)
    # Mark first, then drop the finished-dataset claim: a stop in between leaves both, which
    # reads as unfinished (rewritable), never as a folder with files but no claim (refused).
    (out / PARTIAL).write_text("s2hand-make-synthetic is writing this folder\n", encoding="utf-8")
    (out / MARKER).unlink(missing_ok=True)


def finish_output_folder(out: Path, meta: dict) -> dict:
    """Write ``synthetic.json`` (``meta`` plus the list of files written) and drop the partial
    mark; returns the metadata written."""
    from s2hand.outputs import atomic_write_text

    meta = {**meta, "files": _files(out)}
    atomic_write_text(out / MARKER, json.dumps(meta, indent=2))
    (out / PARTIAL).unlink(missing_ok=True)
    return meta


def interrupted(out: Path) -> bool:
    """Whether a generation into ``out`` was started and never finished."""
    return (out / PARTIAL).is_file() and not (out / MARKER).is_file()


def unfinished_note(out: Path) -> str:
    """What a generation into ``out`` that was stopped part-way left there, in one phrase."""
    if interrupted(out):
        return f"{out} is marked unfinished ({PARTIAL}) and is rewritten by the next run into it"
    return f"nothing half-written is left in {out}"
