#!/usr/bin/env python
"""Check that the running environment holds exactly the packages of the given lock files.

    python scripts/check_environment.py requirements-dev.lock [requirements-detect.lock]

Reads ``name==version`` lines (following ``-r other.lock``), compares them with the installed
distributions and lists every package that is missing, at another version, or installed but
not pinned. Exit 0 when they agree, 1 otherwise, 2 for an unreadable lock file. CI runs it right
after building its fresh environment, so an unpinned dependency fails there as it would on a
newcomer's machine.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

# Installed by venv itself, or the project in editable mode: never pinned.
UNPINNED = {"pip", "s2hand"}


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path, seen: set[Path] | None = None) -> dict[str, str]:
    """``{canonical name: version}`` of a lock file and the files it includes with ``-r``."""
    seen = set() if seen is None else seen
    path = path.resolve()
    if path in seen:
        return {}
    seen.add(path)
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            pins.update(read_lock(path.parent / line[3:].strip(), seen))
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if not match:
            raise ValueError(f"{path}:{number}: expected 'name==version', got {raw.strip()!r}")
        pins[canonical(match[1])] = match[2]
    return pins


def installed() -> dict[str, str]:
    """``{canonical name: version}`` of the distributions importable in this interpreter."""
    return {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locks", type=Path, nargs="+", metavar="LOCK",
                        help="lock files, e.g. requirements-dev.lock")
    args = parser.parse_args(argv)
    pins: dict[str, str] = {}
    try:
        for lock in args.locks:
            pins.update(read_lock(lock))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        print(f"check_environment: cannot read the lock file: {err}", file=sys.stderr)
        return 2
    names = " + ".join(str(lock) for lock in args.locks)
    problems = compare(pins, installed())
    for line in problems:
        print(f"check_environment: {line}", file=sys.stderr)
    if problems:
        print(f"check_environment: the environment differs from {names} in {len(problems)} "
              "package(s); build a fresh virtual environment from the lock files as the README "
              "says.", file=sys.stderr)
        return 1
    print(f"check_environment: {len(pins)} packages, all as pinned in {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
