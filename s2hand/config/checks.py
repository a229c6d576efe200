"""Rules that involve several keys of an ``ExperimentConfig`` (no file-system access)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import Problem
from .names import DATASETS, TERM_SPECS

if TYPE_CHECKING:
    from .schema import ExperimentConfig

HM_ONLY_LOSSES = frozenset({"hm_integral", "hm_integral_gt"})


# Top-level keys a DeepHandMesh run reads (schedule, run control, outputs); every other
# top-level key is S2HAND's and is refused when set in a DeepHandMesh config.
DHM_SHARED_KEYS = frozenset({
    "mode", "mode_0", "method", "deephandmesh", "seed", "device", "base_out_path",
    "save_interval", "resume", "keep_last_checkpoints", "is_write_tb", "writer_topic",
    "print_freq", "demo_freq", "total_epochs", "init_lr", "lr_steps", "lr_gamma", "optimizer",
    "weight_decay", "train_batch", "val_batch", "num_workers", "max_iters_per_epoch", "amp",
    "max_bad_batches", "pretrain_model",
})


def cross_problems(cfg: ExperimentConfig) -> list[Problem]:
    """Every cross-key problem of ``cfg``, in key order."""
    if cfg.method == "deephandmesh":
        return _deephandmesh(cfg)
    problems: list[Problem] = []
    if cfg.deephandmesh is not None:
        problems.append(Problem("deephandmesh", 'is read only with "method": "deephandmesh" '
                                f'(this config\'s method is "{cfg.method}"); remove it or set '
                                "the method"))
    for key in (
        "train_datasets",
        "val_datasets",
        "losses",
        "losses_frei",
        "train_requires",
        "test_requires",
        "train_queries",
        "train_queries_frei",
        "train_queries_ho3d",
        "val_queries",
    ):
        problems += _duplicates(key, getattr(cfg, key))
    if not cfg.val_datasets:
        problems.append(Problem("val_datasets", "must name at least one dataset"))
    problems += _val_queries(cfg)
    if cfg.test_refinement and "heatmaps" not in cfg.test_requires:
        problems.append(
            Problem(
                "test_refinement", 'needs "heatmaps" in test_requires (it fits to the 2D branch)'
            )
        )
    if cfg.save_2d:
        # Accepted for the original's configs, but never silently ignored when switched on.
        problems.append(
            Problem("save_2d", "true is not implemented in s2hand yet (2D error curves); "
                    "set it to false")
        )
    if cfg.run_mode == "training":
        problems += _training(cfg)
    return problems


def _duplicates(key: str, values: list[str]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for i, value in enumerate(values):
        if value in seen:
            out.append(Problem(f"{key}[{i}]", f'"{value}" is listed twice; remove one'))
        seen.add(value)
    return out


def _val_queries(cfg: ExperimentConfig) -> list[Problem]:
    problems = []
    for dataset in cfg.val_datasets:
        problems += _unsupported_queries("val_queries", cfg.val_queries, dataset)
        problems += _image_queries("val_queries", cfg.val_queries, dataset)
    return problems


def _unsupported_queries(key: str, queries: list[str], dataset: str) -> list[Problem]:
    valid = DATASETS[dataset].queries
    return [
        Problem(f"{key}[{i}]", f'query "{query}" is not available for {dataset}')
        for i, query in enumerate(queries)
        if query not in valid
    ]


def _image_queries(key: str, queries: list[str], dataset: str) -> list[Problem]:
    """The network needs an image and its K from every dataset (the catalog's rule)."""
    needed = DATASETS[dataset].image_queries
    missing = [group.split("|") for group in needed if not set(group.split("|")) & set(queries)]
    if not missing:
        return []
    if all(len(group) == 1 for group in missing):
        # e.g. HO3D, whose crop comes only through trans_images/trans_Ks (Q2)
        names = " and ".join(f'"{group[0]}"' for group in missing)
        return [Problem(key, f"must contain {names} for {dataset} (its image and intrinsics)")]
    return [Problem(key, f"must contain {' or '.join(chr(34) + q + chr(34) for q in group)} for "
                    f"{dataset}") for group in missing]


def _training(cfg: ExperimentConfig) -> list[Problem]:
    problems: list[Problem] = []
    if not cfg.train_datasets:
        problems.append(Problem("train_datasets", "must name at least one dataset in training"))
    if cfg.init_lr <= 0:
        problems.append(Problem("init_lr", f"must be > 0 in training, got {cfg.init_lr}"))
    if cfg.total_epochs < 1:
        problems.append(Problem("total_epochs", "must be at least 1 in training"))
    if not cfg.losses:
        problems.append(Problem("losses", "must name at least one loss term in training"))
    for dataset in cfg.train_datasets:
        queries = cfg.train_queries_for(dataset)
        key = cfg.train_queries_key(dataset)
        problems += _unsupported_queries(key, queries, dataset)
        problems += _image_queries(key, queries, dataset)
        needs_detections = sorted(n for n in cfg.losses_for(dataset)
                                  if TERM_SPECS[n].needs_detections)
        if needs_detections and not {"open_2dj", "trans_open_2dj"} & set(queries):
            problems.append(
                Problem(
                    key,
                    f'must contain "open_2dj" or "trans_open_2dj" for {dataset}: losses '
                    f"{', '.join(needs_detections)} use the 2D detections",
                )
            )
    for key in ("losses", "losses_frei"):
        for i, name in enumerate(getattr(cfg, key)):
            problems += _loss_inputs(cfg, f"{key}[{i}]", name)
    problems += _clip_frames(cfg)
    return problems


def _clip_frames(cfg: ExperimentConfig) -> list[Problem]:
    """Clips of video frames are only there for the temporal term: never silently unused."""
    if cfg.folder.clip_frames == 1:
        return []
    if "Folder" not in cfg.train_datasets:
        return [Problem("folder.clip_frames", f"is {cfg.folder.clip_frames}, but Folder is not "
                        "in train_datasets; set it to 1 or train on the Folder")]
    if "temporal_smooth" not in cfg.losses_for("Folder"):
        return [Problem("folder.clip_frames", f"is {cfg.folder.clip_frames}: clips of video "
                        "frames are for the temporal_smooth term, which is not in the Folder's "
                        "losses; add it to losses or set folder.clip_frames to 1")]
    return []


def _loss_inputs(cfg: ExperimentConfig, path: str, name: str) -> list[Problem]:
    if cfg.task == "hm_train" and name not in HM_ONLY_LOSSES:
        allowed = ", ".join(sorted(HM_ONLY_LOSSES))
        return [Problem(path, f'"{name}" cannot be trained with task "hm_train" (only {allowed})')]
    requires = set(cfg.train_requires)
    for group in TERM_SPECS[name].requires:
        if not requires & set(group):
            need = " or ".join(f'"{g}"' for g in group)
            return [Problem(path, f'"{name}" needs {need} in train_requires')]
    return []


def _deephandmesh(cfg: ExperimentConfig) -> list[Problem]:
    if cfg.deephandmesh is None:
        return [Problem("deephandmesh", 'must be set with "method": "deephandmesh" (at least '
                        '{"root": <dataset folder>})')]
    # Only keys set to another value than their default: a resolved config.json (every key
    # written out) is a valid config again.
    problems = [Problem(key, 'is an S2HAND key that DeepHandMesh does not read; remove it '
                        '(DeepHandMesh\'s own keys go into "deephandmesh")')
                for key, field in type(cfg).model_fields.items()
                if key in cfg.model_fields_set and key not in DHM_SHARED_KEYS
                and getattr(cfg, key) != field.get_default(call_default_factory=True,
                                                           validated_data={})]
    d = cfg.deephandmesh
    if d.backbone_input_size is not None and d.backbone != "small-cnn":
        problems.append(Problem("deephandmesh.backbone_input_size",
                                'is only read by backbone "small-cnn"; set it to null'))
    if d.synthetic is not None and d.synthetic.heldout >= d.synthetic.sequences:
        problems.append(Problem("deephandmesh.synthetic.heldout",
                                f"must be smaller than sequences ({d.synthetic.sequences}), got "
                                f"{d.synthetic.heldout}: some sequences must remain to train on"))
    if d.synthetic is not None and d.synthetic.cameras < d.num_views:
        problems.append(Problem("deephandmesh.synthetic.cameras",
                                f"must be at least num_views ({d.num_views}), got "
                                f"{d.synthetic.cameras}"))
    problems += _duplicates("deephandmesh.test_sequences", d.test_sequences or [])
    if cfg.run_mode == "training":
        if cfg.init_lr <= 0:
            problems.append(Problem("init_lr", f"must be > 0 in training, got {cfg.init_lr}"))
        if cfg.total_epochs < 1:
            problems.append(Problem("total_epochs", "must be at least 1 in training"))
    return problems
