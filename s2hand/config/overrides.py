"""``--set key=value`` command-line overrides of config keys."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .errors import Problem


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"a.b=1e-4"`` -> ``(["a", "b"], 0.0001)``.

    The value is read as JSON (numbers, true/false, null, lists, objects, quoted strings); text
    that is not valid JSON is taken as a plain string, so ``mode=evaluation`` works unquoted.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f'"{text}" is not key=value, e.g. --set init_lr=1e-4')
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.split("."), value


def apply_overrides(
    data: dict, overrides: Iterable[str]
) -> tuple[dict, dict[str, str], list[Problem]]:
    """Merge ``overrides`` into a copy of ``data``.

    Returns the merged dict, the JSON path → ``--set`` text of every override (so problems can
    name their true source), and the problems of malformed overrides.
    """
    merged = json.loads(json.dumps(data))
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    for text in overrides:
        try:
            keys, value = parse_override(text)
        except ValueError as err:
            problems.append(Problem("", str(err), source="--set"))
            continue
        node = merged
        for depth, key in enumerate(keys[:-1]):
            child = node.get(key)
            if child is None:
                child = node[key] = {}
            if not isinstance(child, dict):
                problems.append(
                    Problem(".".join(keys[: depth + 1]), "is not an object", source=f"--set {text}")
                )
                break
            node = child
        else:
            node[keys[-1]] = value
            sources[".".join(keys)] = f"--set {text}"
    return merged, sources, problems
