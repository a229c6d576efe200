"""Read, override, validate and save experiment configs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from s2hand.outputs.atomic import atomic_write_text

from .checks import cross_problems
from .errors import ConfigError, Problem, problem_from_pydantic
from .overrides import apply_overrides
from .paths import path_problems
from .schema import ExperimentConfig

# Keys the cross-key rules and the path rules read: if one of them is invalid, evaluating the
# rules with its default would report problems the user does not have.
_CROSS_INPUT_KEYS = frozenset(
    {
        "mode",
        "method",
        "deephandmesh",
        "task",
        "train_datasets",
        "val_datasets",
        "init_lr",
        "total_epochs",
        "losses",
        "losses_frei",
        "train_requires",
        "test_requires",
        "train_queries",
        "train_queries_frei",
        "train_queries_ho3d",
        "val_queries",
        "test_refinement",
    }
)
_PATH_INPUT_KEYS = frozenset({"mode", "method", "train_datasets", "val_datasets"})

RESOLVED_CONFIG_NAME = "config.json"


def load_config(
    path: str | Path, overrides: Iterable[str] = (), check_paths: bool = True
) -> ExperimentConfig:
    """Load a JSON experiment config, apply ``--set`` overrides and validate it.

    Relative paths in the config are resolved against the current working directory. Raises
    ``ConfigError`` listing every problem (one line each: source, JSON path, fix).
    """
    source = str(path)
    data = read_json(path)
    return config_from_dict(data, source=source, overrides=overrides, check_paths=check_paths)


def read_json(path: str | Path) -> dict:
    """The JSON object stored in ``path``; ``ConfigError`` for a missing or malformed file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{source}: config file not found"]) from None
    except OSError as err:
        raise ConfigError([f"{source}: cannot read config file ({err.strerror})"]) from None
    except UnicodeDecodeError as err:
        raise ConfigError([f"{source}: not a UTF-8 text file (byte {err.start} cannot be "
                           "decoded); a config is a JSON object saved as UTF-8 text"]) from None
    duplicates: list[str] = []
    try:
        data = json.loads(text, object_pairs_hook=lambda pairs: _no_duplicates(pairs, duplicates))
    except json.JSONDecodeError as err:
        raise ConfigError(
            [f"{source}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}"]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{source}: must contain a JSON object {{...}} of config keys"])
    if duplicates:
        raise ConfigError(
            [f'{source}: key "{key}" appears more than once; keep one' for key in duplicates]
        )
    return data


def config_from_dict(
    data: Mapping[str, Any],
    source: str = "<config>",
    overrides: Iterable[str] = (),
    check_paths: bool = False,
) -> ExperimentConfig:
    """Validate a config given as a dict (see ``load_config``)."""
    merged, sources, problems = apply_overrides(dict(data), overrides)
    bad_keys: set[str] = set()
    try:
        cfg = ExperimentConfig.model_validate(merged, context={"skip_cross_checks": True})
    except ValidationError as err:
        # Keep going with the valid keys only, so that every problem is reported in one go.
        field_problems = _pydantic_problems(err)
        problems += field_problems
        bad_keys = {_top_key(p.path) for p in field_problems}
        cfg = _partial(merged, bad_keys)
    if cfg is not None:
        if not bad_keys & _CROSS_INPUT_KEYS:
            problems += cross_problems(cfg)
        if check_paths and not bad_keys & _PATH_INPUT_KEYS:
            problems += [p for p in path_problems(cfg) if _top_key(p.path) not in bad_keys]
    if problems:
        order = {key: i for i, key in enumerate(merged)}
        problems.sort(key=lambda p: order.get(_top_key(p.path), len(order)))
        raise ConfigError([p.line(_source_of(p.path, sources, source)) for p in problems])
    assert cfg is not None
    return cfg


def config_to_dict(cfg: ExperimentConfig) -> dict:
    """JSON-ready dict of every key, defaults included (paths as absolute strings)."""
    return cfg.model_dump(mode="json")


def save_config(cfg: ExperimentConfig, folder: str | Path) -> Path:
    """Write the resolved config to ``folder/config.json`` and return that path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / RESOLVED_CONFIG_NAME
    atomic_write_text(target, json.dumps(config_to_dict(cfg), indent=2) + "\n")
    return target


def valid_keys() -> dict[str, list[str]]:
    """JSON path of each object in the schema → its valid keys (for suggestions)."""
    out: dict[str, list[str]] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        out[prefix] = list(model.model_fields)
        for name, field in model.model_fields.items():
            for sub in _model_types(field.annotation):
                walk(sub, f"{prefix}.{name}" if prefix else name)

    walk(ExperimentConfig, "")
    return out


def _model_types(annotation: Any) -> list[type[BaseModel]]:
    args = getattr(annotation, "__args__", None)
    candidates = args if args else (annotation,)
    return [a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)]


def _pydantic_problems(err: ValidationError) -> list[Problem]:
    keys = valid_keys()
    problems: dict[str, Problem] = {}
    for entry in err.errors():
        problem = problem_from_pydantic(entry, keys)
        # A union reports one error per branch; the first one is the most useful.
        problems.setdefault(problem.path, problem)
    return list(problems.values())


def _partial(data: dict, bad_keys: set[str]) -> ExperimentConfig | None:
    kept = {k: v for k, v in data.items() if k not in bad_keys}
    try:
        return ExperimentConfig.model_validate(kept, context={"skip_cross_checks": True})
    except ValidationError:
        return None


def _top_key(path: str) -> str:
    return path.split(".")[0].split("[")[0]


def _source_of(path: str, sources: dict[str, str], default: str) -> str:
    matches = [
        key
        for key in sources
        if path == key
        or path.startswith((f"{key}.", f"{key}["))
        or (path and key.startswith(f"{path}."))
    ]
    return sources[max(matches, key=len)] if matches else default


def _no_duplicates(pairs: list[tuple[str, Any]], duplicates: list[str]) -> dict:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            duplicates.append(key)
        out[key] = value
    return out
