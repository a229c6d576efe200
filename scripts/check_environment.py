#!/usr/bin/env python
"""Check that the running environment holds exactly the packages of the given lock files.

    python scripts/check_environment.py requirements-dev.lock [requirements-detect.lock]

Reads ``name==version`` lines (following ``-r other.lock``), compares them with the installed
distributions and lists every package that is missing, at another version, or installed but
not pinned, one line per package. Exit 0 when they agree, 1 otherwise (drift), 2 for an
unreadable lock file or bad usage, 130 / 143 after Ctrl-C / SIGTERM. CI runs it right after
building its fresh environment, so an unpinned dependency fails there as it would on a
newcomer's machine.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

from s2hand.cli.errors import run_reporting_errors
from s2hand.cli.interrupts import KEPT_NOTHING, run_interruptible

PROG = "check_environment"
# Installed by venv itself, or the project in editable mode: never pinned.
UNPINNED = {"pip", "s2hand"}


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


class LockFileError(ValueError):
    """A lock file cannot be read or is not a list of ``name==version`` lines (exit 2)."""


def _lock_text(path: Path, where: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise LockFileError(f"{where}: not UTF-8 text (byte {err.start}: {err.reason}); "
                            "expected a lock file of 'name==version' lines") from None
    except OSError as err:
        raise LockFileError(f"{where}: cannot be read ({err.strerror or err}); expected a "
                            "lock file such as requirements-dev.lock") from None


def read_lock(path: Path, seen: set[Path] | None = None,
              included_from: str | None = None) -> dict[str, str]:
    """``{canonical name: version}`` of a lock file and the files it includes with ``-r``;
    :class:`LockFileError` names the file (and the line that includes it)."""
    seen = set() if seen is None else seen
    where = str(path) if included_from is None else f"{path} (included by {included_from})"
    path = path.resolve()
    if path in seen:
        return {}
    seen.add(path)
    pins: dict[str, str] = {}
    for number, raw in enumerate(_lock_text(path, where).splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            pins.update(read_lock(path.parent / line[3:].strip(), seen, f"{path}:{number}"))
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if not match:
            raise LockFileError(f"{path}:{number}: expected 'name==version', got "
                                f"{raw.strip()!r}")
        pins[canonical(match[1])] = match[2]
    return pins


def installed() -> tuple[dict[str, str], list[str]]:
    """``{canonical name: version}`` of the distributions importable in this interpreter, and
    where those without a project name are (broken or half-removed installs)."""
    have, broken = {}, []
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            have[canonical(name)] = dist.version
        else:
            broken.append(str(getattr(dist, "_path", dist)))
    return have, broken


def compare(pins: dict[str, str], have: dict[str, str]) -> list[str]:
    """One line per disagreement; a local label (``+cpu``) satisfies a pin without one."""
    problems = []
    for name, version in sorted(pins.items()):
        got = have.get(name)
        if got is None:
            problems.append(f"missing: {name}=={version}")
        elif got != version and got.split("+", 1)[0] != version:
            problems.append(f"other version: {name} {got} installed, {version} pinned")
    for name in sorted(set(have) - set(pins) - UNPINNED):
        problems.append(f"not pinned: {name}=={have[name]}")
    return problems


def check(args: argparse.Namespace) -> int:
    pins: dict[str, str] = {}
    for lock in args.locks:
        pins.update(read_lock(lock))
    names = " + ".join(str(lock) for lock in args.locks)
    have, broken = installed()
    problems = compare(pins, have) + [f"unreadable: the distribution at {where} has no project "
                                      "name (a broken or half-removed install)"
                                      for where in broken]
    for line in problems:
        print(f"{PROG}: {line}", file=sys.stderr)
    if problems:
        print(f"{PROG}: the environment differs from {names} in {len(problems)} package(s); "
              "build a fresh virtual environment from the lock files as the README says.",
              file=sys.stderr)
        return 1
    print(f"{PROG}: {len(pins)} packages, all as pinned in {names}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("locks", type=Path, nargs="+", metavar="LOCK",
                        help="lock files, e.g. requirements-dev.lock")
    args = parser.parse_args(argv)
    return run_interruptible(PROG, lambda: run_reporting_errors(PROG, check, args,
                                                                (LockFileError,)),
                             KEPT_NOTHING)


if __name__ == "__main__":
    sys.exit(main())
