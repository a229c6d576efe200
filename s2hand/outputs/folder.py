"""A fresh run never lands on top of a previous one: it resumes when asked, or it is refused."""

from __future__ import annotations

from pathlib import Path

from s2hand.config.errors import ConfigError

# What a run leaves that a fresh run would overwrite. config.json and train.log alone do not
# count: they are all a run that failed at start-up leaves behind.
_RUN_FILES = ("summary.json", "scores.json")
_CHECKPOINT_GLOB = "model/*.t7"


def previous_run_files(folder: str | Path) -> list[str]:
    """Outputs of an earlier run found in ``folder`` (relative names, sorted)."""
    folder = Path(folder)
    found = [name for name in _RUN_FILES if (folder / name).is_file()]
    found += sorted(str(p.relative_to(folder)) for p in folder.glob(_CHECKPOINT_GLOB))
    return found


def refuse_fresh_run_over_previous(folder: str | Path, mode: str, resume: str | None,
                                   source: str = "config") -> None:
    """Raise :class:`ConfigError` when ``folder`` holds an earlier run that this one (not
    resuming) would overwrite; the message names the folder, what is there and the options."""
    if mode == "training" and resume is not None:
        return
    found = previous_run_files(folder)
    if not found:
        return
    shown = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
    options = ("continue it with --set resume=auto (or resume=<checkpoint>), "
               if mode == "training" else "")
    raise ConfigError([
        f'{source}: key "base_out_path": {folder} already holds the outputs of an earlier run '
        f"({shown}); a fresh {mode} run would overwrite them. To keep them, {options}choose "
        "another base_out_path, or move that folder away first."])
