"""Entry points of the synthetic generator: :func:`generate_synthetic` and
:func:`ensure_synthetic` (generate on first use, as the config key ``synthetic_data`` asks)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from s2hand.data.errors import DataError
from s2hand.data.synthetic.freihand_layout import write_freihand_split
from s2hand.data.synthetic.ho3d_layout import HO3D_SCENE, write_ho3d_split
from s2hand.data.synthetic.noise import DetectionNoise
from s2hand.data.synthetic.render import HandRenderer
from s2hand.data.synthetic.scene import SceneParams
from s2hand.data.synthetic.target import (
    MARKER,
    claim_output_folder,
    finish_output_folder,
    interrupted,
)
from s2hand.hand.hand_model import HandModel

GENERATOR_VERSION = 1
LAYOUTS = ("freihand", "ho3d")
# Files whose presence means "a dataset is already here" (never overwritten).
_DATASET_FILES = {"freihand": "training_K.json", "ho3d": "train.txt"}


def generate_synthetic(layout: Literal["freihand", "ho3d"], out_dir: str | Path,
                       num_train: int, num_eval: int, seed: int = 0,
                       hand_model: HandModel | str | Path | None = None, *,
                       noise: DetectionNoise = DetectionNoise(),
                       scene: SceneParams | None = None, num_versions: int = 1,
                       ho3d_version: Literal["v2", "v3"] = "v2", frames_per_seq: int = 50,
                       batch_size: int = 32, torch_threads: int | None = 1,
                       progress: Callable[[int], None] | None = None,
                       overwrite: bool = False) -> dict[str, Any]:
    """Render a synthetic dataset into ``out_dir`` in the FreiHAND or HO3D layout.

    Deterministic by ``seed``: the training and evaluation splits use independent random
    streams, so changing ``num_train`` does not change the evaluation set. ``hand_model``
    (default: the shipped OpenHand) is used for rendering and for the GT joints/vertices.
    ``progress`` is called with the number of samples finished after every batch.
    ``torch_threads`` is torch's thread count while generating (restored afterwards; None leaves
    it alone): one rendering thread plus the two image-encoding threads was 3x faster than
    torch's default on the shared 2-core machine. Returns the metadata written to
    ``out_dir/synthetic.json``. Files the generator did not write are never overwritten, and a
    finished synthetic dataset only with ``overwrite`` (see :mod:`.target`).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if num_train < 1 or num_eval < 1:
        raise ValueError(f"num_train and num_eval must be >= 1, got {num_train}, {num_eval}")
    if not 1 <= num_versions <= 4:
        raise ValueError(f"num_versions must be in 1..4, got {num_versions}")
    out = Path(out_dir)
    claim_output_folder(out, overwrite)
    with _torch_threads(torch_threads):
        return _generate(layout, out, num_train, num_eval, seed, hand_model, noise, scene,
                         num_versions, ho3d_version, frames_per_seq, batch_size, progress)


@contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _generate(layout: str, out: Path, num_train: int, num_eval: int, seed: int,
              hand_model: HandModel | str | Path | None, noise: DetectionNoise,
              scene: SceneParams | None, num_versions: int, ho3d_version: str,
              frames_per_seq: int, batch_size: int,
              progress: Callable[[int], None] | None) -> dict[str, Any]:
    hand = (HandRenderer(hand_model) if isinstance(hand_model, HandModel)
            else _cached_hand(None if hand_model is None else str(hand_model)))
    if layout == "freihand":
        scene = scene or SceneParams()
        for k, (split, n) in enumerate((("training", num_train), ("evaluation", num_eval))):
            write_freihand_split(out, split, n, np.random.default_rng([seed, k]), hand, scene,
                                 noise, num_versions, batch_size, progress)
    else:
        scene = scene or HO3D_SCENE
        for k, (split, n) in enumerate((("training", num_train), ("evaluation", num_eval))):
            write_ho3d_split(out, split, n, np.random.default_rng([seed, k]), hand, scene, noise,
                             ho3d_version, frames_per_seq, batch_size, progress)
    meta = _metadata(layout, num_train, num_eval, seed, hand.model.name, noise, scene,
                     num_versions, ho3d_version, frames_per_seq)
    return finish_output_folder(out, meta)


@functools.lru_cache(maxsize=2)
def _cached_hand(path: str | None) -> HandRenderer:
    # Building the layer factorises the pose correctives (an SVD, ~0.5-2 s); reuse it.
    return HandRenderer(path)


def _metadata(layout: str, num_train: int, num_eval: int, seed: int, hand_name: str,
              noise: DetectionNoise, scene: SceneParams, num_versions: int, ho3d_version: str,
              frames_per_seq: int) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "generator_version": GENERATOR_VERSION, "layout": layout, "num_train": num_train,
        "num_eval": num_eval, "seed": seed, "hand_model": hand_name,
        "noise": asdict(noise), "scene": asdict(scene)}
    if layout == "freihand":
        meta["num_versions"] = num_versions
    else:
        meta.update(ho3d_version=ho3d_version, frames_per_seq=frames_per_seq)
    return json.loads(json.dumps(meta))  # tuples → lists, as read back from disk


def ensure_synthetic(layout: Literal["freihand", "ho3d"], out_dir: str | Path | None,
                     num_train: int, num_eval: int, seed: int = 0,
                     hand_model: HandModel | str | Path | None = None, **kwargs: Any) -> bool:
    """Generate the dataset unless ``out_dir`` already holds it. Returns True if generated.

    A real dataset (no ``synthetic.json`` but the layout's index file present) is left alone;
    a synthetic one generated with other settings raises :class:`DataError` instead of being
    overwritten.
    """
    if out_dir is None:
        raise DataError(f"synthetic_data is set but no dataset root is configured for the "
                        f"{layout} layout (set freihand_base_path / ho3d_base_path).")
    out = Path(out_dir)
    marker = out / MARKER
    if interrupted(out):  # every file there is the generator's own: start again
        generate_synthetic(layout, out, num_train, num_eval, seed, hand_model, **kwargs)
        return True
    if marker.is_file():
        have = json.loads(marker.read_text())
        want = {"layout": layout, "num_train": num_train, "num_eval": num_eval, "seed": seed}
        diff = {k: (have.get(k), v) for k, v in want.items() if have.get(k) != v}
        if diff:
            raise DataError(
                f"{marker}: the synthetic dataset there was generated with different settings "
                f"({', '.join(f'{k}: {a} on disk, {b} wanted' for k, (a, b) in diff.items())}). "
                "Delete the folder to regenerate it or point the config at another folder.")
        return False
    if (out / _DATASET_FILES[layout]).is_file():
        return False
    generate_synthetic(layout, out, num_train, num_eval, seed, hand_model, **kwargs)
    return True

