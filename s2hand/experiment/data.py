"""Data of a run from its config: synthetic data on first use, the training datasets and one
evaluation loader per validation dataset (the one data path; see :mod:`s2hand.data.loading`).

Several training datasets are concatenated; the engine's sampler draws every batch from one of
them, the datasets taking turns (as the original's ``ConcatDataloader``), so per-dataset keys
such as ``losses_frei`` apply to whole batches. With ``folder.clip_frames`` > 1 it keeps clips of
neighbouring Folder video frames together (for ``temporal_smooth``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

from torch.utils.data import DataLoader, Dataset, Subset

from s2hand.config import ExperimentConfig
from s2hand.data import (
    AugmentParams,
    DatasetOptions,
    TaggedConcat,
    build_dataset,
    controlled_subset,
    dataset_spec,
    eval_loader,
)
from s2hand.data.catalog import by_convention
from s2hand.data.video_runs import frame_runs
from s2hand.engine.sampling import Clips
from s2hand.losses.temporal import MAX_FRAME_GAP

from .folder_prep import prepare_folder

log = logging.getLogger(__name__)
# Evaluation loaders use at most this many workers (the test pass is short).
MAX_EVAL_WORKERS = 2


@dataclass
class EvalSplit:
    """The evaluation split of one validation dataset."""

    loader: DataLoader
    has_gt: bool  # 3D ground truth present: metrics are computed
    convention: str  # evaluation convention of the catalog ("freihand", "ho3d")
    label_free: bool = False  # scored without 3D GT (the catalog's label_free_scores)


def dataset_options(config: ExperimentConfig, split: str) -> DatasetOptions:
    """The config's dataset settings (``semi_ratio`` applies to training splits only)."""
    a = config.augmentation
    params = AugmentParams(max_rotation=math.radians(a.rotation_deg), scale_jitter=a.scale_jitter,
                           shift_jitter=a.translation_jitter_px, color_jitter=a.color_jitter)
    return DatasetOptions(ho3d_version=config.ho3d_version, augment_params=params,
                          on_bad_image="fail" if config.fail_on_bad_image else "skip",
                          semi_ratio=config.semi_ratio if split == "training" else None,
                          seed=config.seed, folder=prepare_folder(config))


def prepare_synthetic(config: ExperimentConfig) -> bool:
    """Generate the dataset of ``synthetic_data`` if its root holds none yet; whether it did."""
    synth = config.synthetic_data
    if synth is None:
        return False
    # Imported here: the generator pulls in the hand model and the renderer.
    from s2hand.data.synthetic import ensure_synthetic, scene_for

    spec = by_convention(synth.layout)
    root = config.dataset_root(spec.name)
    if root is None:
        raise ValueError(f"synthetic_data: layout {synth.layout!r} needs {spec.root_key} to say "
                         "where the generated dataset goes")
    scene = scene_for(synth.layout, synth.scene.overrides(), root)
    created = ensure_synthetic(synth.layout, root, synth.num_train, synth.num_eval, synth.seed,
                               hand_model=config.hand_model, scene=scene)
    if created:
        log.info("generated synthetic %s dataset in %s (%d train, %d eval)", synth.layout, root,
                 synth.num_train, synth.num_eval)
    return created


def build_train_dataset(config: ExperimentConfig) -> TaggedConcat:
    """All training datasets (``controlled_exp`` applied), tagged by name; the Folder's video
    frames in clips when ``folder.clip_frames`` > 1."""
    datasets, clips = {}, {}
    for name in config.train_datasets:
        ds = build_dataset(name, "training", config.dataset_root(name),
                           config.train_queries_for(name), dataset_options(config, "training"))
        if config.controlled_exp:
            ds = controlled_subset(ds, config.controlled_size, len(config.train_datasets))
        datasets[name] = ds
        if name == "Folder" and config.folder.clip_frames > 1:
            clips[name] = folder_clips(ds, config.folder.clip_frames)
    return TaggedConcat(datasets, clips)


def folder_clips(dataset: Dataset, length: int) -> Clips:
    """The sampler's clips of a Folder training split (or a ``Subset`` of it): runs of one
    video's frames at most the temporal term's ``MAX_FRAME_GAP`` apart, still images alone."""
    base, rows = ((dataset.dataset, list(dataset.indices)) if isinstance(dataset, Subset)
                  else (dataset, range(len(dataset))))
    items = [base.items[r] for r in rows]
    runs = frame_runs([i.sequence for i in items], [i.frame for i in items], MAX_FRAME_GAP)
    stills = sum(i.sequence < 0 for i in items)
    log.info("Folder: training batches from clips of up to %d neighbouring frames (runs of "
             "video frames: %d; still images, clips of one: %d)", length, len(runs) - stills,
             stills)
    return Clips(tuple(tuple(run) for run in runs), length)


def has_eval_gt(config: ExperimentConfig, name: str) -> bool:
    """Whether the evaluation split of ``name`` ships 3D ground truth (metrics possible)."""
    root, files = config.dataset_root(name), dataset_spec(name).eval_gt_files
    return root is not None and bool(files) and all((Path(root) / f).is_file() for f in files)


def build_eval_splits(config: ExperimentConfig) -> dict[str, EvalSplit]:
    """``{name: EvalSplit}`` over the evaluation split of each ``val_datasets`` entry.

    GT joints/vertices are added to the queries only when the split has them; they are used for
    metrics and figures, never for losses.
    """
    splits = {}
    for name in config.val_datasets:
        spec = dataset_spec(name)
        gt = has_eval_gt(config, name)
        queries = list(config.val_queries) + (list(spec.eval_gt_queries) if gt else [])
        ds = build_dataset(name, "evaluation", config.dataset_root(name),
                           list(dict.fromkeys(queries)), dataset_options(config, "evaluation"))
        loader = eval_loader(ds, name, config.val_batch, min(config.num_workers,
                                                              MAX_EVAL_WORKERS))
        splits[name] = EvalSplit(loader, gt, spec.convention, spec.label_free_scores)
    return splits
