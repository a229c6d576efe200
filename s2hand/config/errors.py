"""Config problems: one line each, with the JSON path of the key and the fix."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config.

    ``path`` is the JSON path of the offending key (``"init_lr"``, ``"losses[2]"``,
    ``"synthetic_data.num_train"``); ``message`` says what is wrong and what would be right.
    """

    path: str
    message: str
    source: str | None = None  # where the problem comes from, when not the config file

    def line(self, source: str) -> str:
        source = self.source or source
        return (
            f'{source}: key "{self.path}" {self.message}'
            if self.path
            else f"{source}: {self.message}"
        )


class ConfigError(ValueError):
    """Raised with every problem of a config at once; ``str()`` gives one line per problem."""

    def __init__(self, lines: Sequence[str]):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def json_path(loc: Iterable[Any]) -> str:
    """``("losses", 2)`` -> ``"losses[2]"``; ``("augmentation", "x")`` -> ``"augmentation.x"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The valid name closest to ``word`` (case-insensitive), or None if nothing is close."""
    choices = sorted(choices)
    lowered = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` or an empty string."""
    guess = closest(word, choices)
    return f' (did you mean "{guess}"?)' if guess else ""


def show(value: Any) -> str:
    """Short JSON rendering of a user value with its JSON type, for messages."""
    kind = {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "list",
        dict: "object",
        type(None): "null",
    }.get(type(value), type(value).__name__)
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text if value is None else f"{text} ({kind})"


# Friendly wording for pydantic's type errors; anything else falls back to pydantic's message.
_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "path_type": "a path string",
    "none_required": "null",
}


def problem_from_pydantic(err: dict, valid_keys_at: dict[str, Iterable[str]]) -> Problem:
    """Turn one entry of ``ValidationError.errors()`` into a ``Problem``.

    ``valid_keys_at`` maps the JSON path of an object ("" for the top level) to its valid keys,
    so that unknown keys get the closest valid one suggested.
    """
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    # Unions and tagged validators append the branch name (e.g. "function-after[...]", "str")
    # to ``loc``; users only care about their own keys and indices.
    loc = tuple(p for p in loc if isinstance(p, int) or not _is_branch_name(p))
    path = json_path(loc)
    if kind == "extra_forbidden":
        parent = json_path(loc[:-1])
        key = str(loc[-1])
        hint = did_you_mean(key, valid_keys_at.get(parent, ()))
        return Problem(path, f"is not a valid key{hint}")
    if kind == "missing":
        return Problem(path, "is required but missing")
    if kind in _EXPECTED:
        return Problem(path, f"must be {_EXPECTED[kind]}, got {show(value)}")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        hint = (
            did_you_mean(str(value), _literal_choices(expected)) if isinstance(value, str) else ""
        )
        return Problem(path, f"must be one of {expected}, got {show(value)}{hint}")
    if kind == "value_error":
        # Our own validators already word the message and quote the value where useful.
        return Problem(path, str(err["msg"]).removeprefix("Value error, "))
    ctx = err.get("ctx", {})
    for ctx_key, template in _BOUNDS.items():
        if kind.startswith(("greater", "less", "multiple", "too_")) and ctx_key in ctx:
            bound = template.format(ctx[ctx_key])
            return Problem(path, f"must {bound}, got {show(value)}")
    message = err["msg"]
    return Problem(path, f"{message[0].lower()}{message[1:]} (got {show(value)})")


_BOUNDS = {
    "gt": "be > {}",
    "ge": "be >= {}",
    "lt": "be < {}",
    "le": "be <= {}",
    "multiple_of": "be a multiple of {}",
    "min_length": "have at least {} item(s)",
    "max_length": "have at most {} item(s)",
}


def _is_branch_name(part: Any) -> bool:
    text = str(part)
    return (
        "[" in text
        or text in {"str", "int", "float", "bool", "list", "dict", "none"}
        or (text.startswith("literal"))
    )


def _literal_choices(expected: str) -> list[str]:
    return [c.strip().strip("'\"") for c in expected.replace(" or ", ",").split(",") if c.strip()]
