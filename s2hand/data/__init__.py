"""Datasets (FreiHAND, HO3D), offline 2D detections, augmentation, batch normalisation and the
synthetic dataset generator. See docs/datasets.md."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from s2hand.data.augment import AugmentParams
from s2hand.data.batch import normalize_batch
from s2hand.data.combined import CombinedLoader, controlled_subset, make_loader
from s2hand.data.detections import Detections, read_detections, write_detections
from s2hand.data.errors import (
    CorruptImageError,
    DataError,
    DetectionsError,
    MissingFileError,
    UnsafePickleError,
)
from s2hand.data.freihand import FreiHandDataset
from s2hand.data.ho3d import HO3DDataset

log = logging.getLogger(__name__)

__all__ = [
    "AugmentParams", "CombinedLoader", "CorruptImageError", "DataError", "Detections",
    "DetectionsError", "FreiHandDataset", "HO3DDataset", "Loaders", "MissingFileError",
    "UnsafePickleError", "build_dataset", "build_loaders", "dataset_options", "ensure_synthetic",
    "generate_synthetic", "normalize_batch", "prepare_synthetic", "read_detections",
    "synthetic_scene_kwargs",
    "write_detections",
]


def build_dataset(name: str, split: str, base_path: str | Path, queries: Iterable[str], *,
                  ho3d_version: str = "v2", augment_params: AugmentParams | None = None,
                  on_bad_image: str = "fail", semi_ratio: float | None = None,
                  versions: Iterable[str] = ("gs",), seed: int = 0) -> Dataset:
    """Dataset ``name`` ("FreiHand" or "HO3D") for ``split`` ("training"/"evaluation")."""
    if base_path is None:
        raise DataError(f"no root folder configured for dataset {name!r} (set "
                        f"{'freihand' if name == 'FreiHand' else 'ho3d'}_base_path).")
    if name == "FreiHand":
        return FreiHandDataset(base_path, split, queries, versions=versions,
                               augment_params=augment_params or AugmentParams(),
                               semi_ratio=semi_ratio, on_bad_image=on_bad_image, seed=seed)
    if name == "HO3D":
        return HO3DDataset(base_path, split, queries, version=ho3d_version,
                           on_bad_image=on_bad_image, seed=seed)
    raise ValueError(f"unknown dataset {name!r}; expected 'FreiHand' or 'HO3D'")


@dataclass
class Loaders:
    """``train``: round-robin over the training datasets (None in evaluation mode);
    ``val``: one loader per validation dataset, by name. All yield normalised batches."""

    train: CombinedLoader | None
    val: dict[str, CombinedLoader]


def dataset_options(config: Any) -> dict:
    """Keyword arguments of :func:`build_dataset` that an ExperimentConfig sets for every
    dataset: HO3D version, augmentation, bad-image policy and seed."""
    a = config.augmentation
    params = AugmentParams(max_rotation=math.radians(a.rotation_deg), scale_jitter=a.scale_jitter,
                           shift_jitter=a.translation_jitter_px, color_jitter=a.color_jitter)
    return dict(ho3d_version=config.ho3d_version, augment_params=params,
                on_bad_image="fail" if config.fail_on_bad_image else "skip", seed=config.seed)


def prepare_synthetic(config: Any) -> bool:
    """Generate the synthetic dataset of ``config.synthetic_data`` if its root holds no dataset
    yet. Returns whether one was generated."""
    synth = config.synthetic_data
    if synth is None:
        return False
    name = "FreiHand" if synth.layout == "freihand" else "HO3D"
    root = config.dataset_root(name)
    if root is None:
        raise ValueError(f"synthetic_data: layout {synth.layout!r} needs "
                         f"{'freihand' if name == 'FreiHand' else 'ho3d'}_base_path to say where "
                         "the generated dataset goes")
    created = ensure_synthetic(synth.layout, root, synth.num_train, synth.num_eval, synth.seed,
                               hand_model=config.hand_model, **synthetic_scene_kwargs(synth, root))
    if created:
        log.info("generated synthetic %s dataset in %s (%d train, %d eval)", synth.layout, root,
                 synth.num_train, synth.num_eval)
    return created


def build_loaders(config: Any) -> Loaders:
    """Loaders of an :class:`~s2hand.config.ExperimentConfig`.

    Generates the configured synthetic dataset first when ``config.synthetic_data`` is set and
    the dataset root holds no dataset yet.
    """
    prepare_synthetic(config)
    common = dataset_options(config)
    train = None
    if config.run_mode == "training":
        loaders = {}
        for k, name in enumerate(config.train_datasets):
            ds = build_dataset(name, "training", config.dataset_root(name),
                               config.train_queries_for(name), semi_ratio=config.semi_ratio,
                               **common)
            if config.controlled_exp:
                ds = controlled_subset(ds, config.controlled_size, len(config.train_datasets))
            loaders[name] = make_loader(ds, config.train_batch, True, config.num_workers,
                                        config.seed + k)
        train = CombinedLoader(loaders)
    val = {}
    for name in config.val_datasets:
        ds = build_dataset(name, "evaluation", config.dataset_root(name), config.val_queries,
                           **common)
        val[name] = CombinedLoader({name: make_loader(ds, config.val_batch, False,
                                                      config.num_workers, config.seed)})
    return Loaders(train, val)


def synthetic_scene_kwargs(synth: Any, root: str | Path) -> dict:
    """``{"scene": SceneParams}``: the layout's default scene with the ``synthetic_data.scene``
    overrides of the config ``synth`` applied.

    ``ensure_synthetic`` compares only sizes, seed and layout with a dataset already on disk, so
    a dataset generated with other scene ranges is refused here rather than silently reused.
    """
    # Imported here: the generator pulls in the hand model and the renderer.
    from s2hand.data.synthetic import SceneParams
    from s2hand.data.synthetic.generate import MARKER
    from s2hand.data.synthetic.ho3d_layout import HO3D_SCENE

    default = HO3D_SCENE if synth.layout == "ho3d" else SceneParams()
    scene = replace(default, **synth.scene.overrides())
    marker = Path(root) / MARKER
    if marker.is_file():
        have = json.loads(marker.read_text()).get("scene", {})
        want = json.loads(json.dumps(asdict(scene)))
        diff = [f"{k}: {have.get(k)} on disk, {v} wanted" for k, v in want.items()
                if have.get(k) != v]
        if diff:
            raise DataError(f"{marker}: the synthetic dataset there was generated with other "
                            f"synthetic_data.scene settings ({', '.join(diff)}). Delete the "
                            "folder to regenerate it or point the config at another folder.")
    return {"scene": scene}


def generate_synthetic(*args: Any, **kwargs: Any) -> dict:
    """See :func:`s2hand.data.synthetic.generate_synthetic` (imported lazily: needs the hand
    model and the renderer)."""
    from s2hand.data.synthetic import generate_synthetic as gen

    return gen(*args, **kwargs)


def ensure_synthetic(*args: Any, **kwargs: Any) -> bool:
    """See :func:`s2hand.data.synthetic.ensure_synthetic`."""
    from s2hand.data.synthetic import ensure_synthetic as ensure

    return ensure(*args, **kwargs)
