"""File-system checks of a config: every path the run will read must exist before it starts."""

from __future__ import annotations

from pathlib import Path

from .errors import Problem
from .names import DATASETS
from .schema import ExperimentConfig

_FILE_KEYS = (
    "pretrain_model", "pretrain_rgb2hm", "pretrain_texture_model", "hand_model", "encoder_weights"
)


def path_problems(cfg: ExperimentConfig) -> list[Problem]:
    """Missing dataset roots and input files of ``cfg``, one ``Problem`` each.

    A dataset root may be missing when ``synthetic_data`` is set with that dataset's layout:
    the engine generates the folder on first use.
    """
    problems: list[Problem] = []
    synthetic = cfg.synthetic_data.layout if cfg.synthetic_data is not None else None
    for dataset in cfg.datasets_used():
        key = DATASETS[dataset].root_key
        root: Path | None = getattr(cfg, key)
        if root is None:
            # HO3D/SSL-e2e.json of the original sets the FreiHAND key by mistake (Q2).
            hint = ""
            for other, spec in DATASETS.items():
                if other not in cfg.datasets_used() and getattr(cfg, spec.root_key) is not None:
                    hint = f' ("{spec.root_key}" is set, but only {other} reads it)'
            problems.append(
                Problem(key, f"must be set: {dataset} is used by train_datasets/val_datasets{hint}")
            )
        elif root.exists() and not root.is_dir():
            problems.append(Problem(key, f"must be a folder, but {root} is a file"))
        elif not root.exists() and DATASETS[dataset].label_free_scores:
            problems.append(Problem(key, f"points to a missing folder {root} (expected your "
                                         "folder of hand images/videos, see docs/folder.md)"))
        elif not root.exists() and synthetic != DATASETS[dataset].convention:
            problems.append(
                Problem(
                    key,
                    f"points to a missing folder {root} (download {dataset} there, see "
                    'data/README.md, or set "synthetic_data" to generate a stand-in)',
                )
            )
    for key in _FILE_KEYS:
        problems += _input_file(key, getattr(cfg, key))
    if cfg.deephandmesh is not None:
        problems += _deephandmesh_paths(cfg)
    if cfg.resume not in (None, "auto"):
        problems += _input_file("resume", cfg.resume)
    if cfg.base_out_path.exists() and not cfg.base_out_path.is_dir():
        problems.append(
            Problem("base_out_path", f"must be a folder, but {cfg.base_out_path} is a file")
        )
    return problems


def _input_file(key: str, path: Path | None) -> list[Problem]:
    if path is None:
        return []
    if not path.exists():
        return [Problem(key, f"points to a missing file {path} (fix the path or set it to null)")]
    if not path.is_file():
        return [Problem(key, f"must be a file, but {path} is a folder")]
    return []


def _deephandmesh_paths(cfg: ExperimentConfig) -> list[Problem]:
    d = cfg.deephandmesh
    problems = []
    if d.root.exists() and not d.root.is_dir():
        problems.append(Problem("deephandmesh.root", f"must be a folder, but {d.root} is a file"))
    elif not d.root.exists() and d.synthetic is None:
        problems.append(Problem("deephandmesh.root", f"points to a missing folder {d.root} (put "
                                "the dataset there in the original layout, or set "
                                '"deephandmesh.synthetic" to generate a synthetic subject)'))
    if d.hand_model is not None and not d.hand_model.is_dir():
        problems.append(Problem("deephandmesh.hand_model", f"must be a hand-model folder (six "
                                f"files, docs/deephandmesh.md), but {d.hand_model} is not one"))
    return problems
