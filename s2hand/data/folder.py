"""The ``Folder`` dataset: a user's own unlabeled hand images and video frames (docs/folder.md).

The experiment prepares the folder on first use (:mod:`s2hand.experiment.folder_prep`: the
image index, video frames and the 2D detections of ``s2hand-detect``'s machinery, cached); this
class reads that cache. Per image the best detected hand is used when it is confident
(``min_joints`` joints found, mean confidence of the found joints >= ``min_confidence``),
else the image is skipped and counted in the log. The hand is cropped exactly as
``s2hand-predict`` crops it (:func:`s2hand.data.hand_crop.crop_hand`: square box of the
detected keypoints, side 4x the half extent plus ``crop_margin``, to 224x224, with
``K_crop = A K``); training crops add centre noise (``crop_jitter``). Left hands are mirrored
(or skipped). Every ``holdout_every``-th usable image is the evaluation split.

Samples carry the HO3D-like queries ``trans_images``, ``trans_Ks``, ``trans_open_2dj``,
``open_2dj_con`` (``images``/``Ks``/``open_2dj`` are the same crop), plus ``sequence_ids``/
``frame_index`` (video frames; -1 for still images) for the temporal smoothness term.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from s2hand.data.camera import image_intrinsics
from s2hand.data.crop import CropParams
from s2hand.data.detections import read_detections
from s2hand.data.errors import DataError
from s2hand.data.folder_index import FolderItem, read_intrinsics
from s2hand.data.hand_crop import crop_hand
from s2hand.data.io import load_json, read_image
from s2hand.data.sample import (
    SkipCounter,
    SkippingDataset,
    checked_queries,
    f32,
    image_tensor,
    sample_rng,
)

if TYPE_CHECKING:
    from s2hand.data.loading import DatasetOptions

log = logging.getLogger(__name__)
QUERIES = frozenset({"images", "Ks", "open_2dj", "trans_images", "trans_Ks", "trans_open_2dj"})


@dataclass(frozen=True)
class FolderSettings:
    """Typed ``folder`` config section (see :class:`s2hand.config.folder_section.FolderConfig`)
    plus the prepared cache: ``items`` (all images/frames), ``detections`` file and ``sides``
    file (``None``: every hand is taken as a right hand)."""

    items: tuple[FolderItem, ...]
    detections: Path
    sides: Path | None = None
    intrinsics: Path | None = None
    fov_deg: float = 60.0
    crop_margin: float = 10.0
    crop_jitter: float = 5.0
    left_hands: Literal["mirror", "skip", "right"] = "mirror"
    min_confidence: float = 0.5
    min_joints: int = 15
    holdout_every: int = 5


@dataclass(frozen=True)
class FolderSelection:
    """Which items are usable and why the others are not (counts for the log)."""

    rows: list[int]
    no_hand: int
    left_skipped: int
    left_mirrored: int


def select_items(conf: np.ndarray, sides: list[str], settings: FolderSettings) -> FolderSelection:
    """Usable rows among detections ``conf (N,21)`` with ``sides`` (N)."""
    rows, no_hand, left_skipped, left_mirrored = [], 0, 0, 0
    for i, c in enumerate(conf):
        found = c > 0
        if found.sum() < settings.min_joints or c[found].mean() < settings.min_confidence:
            no_hand += 1
            continue
        if sides[i] == "left" and settings.left_hands != "right":
            if settings.left_hands == "skip":
                left_skipped += 1
                continue
            left_mirrored += 1
        rows.append(i)
    return FolderSelection(rows, no_hand, left_skipped, left_mirrored)


def holdout_split(rows: list[int], every: int) -> tuple[list[int], list[int]]:
    """``(training, held out)`` rows: every ``every``-th of the usable ``rows`` is held out."""
    return ([r for k, r in enumerate(rows) if k % every != every - 1],
            [r for k, r in enumerate(rows) if k % every == every - 1])


def read_sides(settings: FolderSettings) -> list[str]:
    """The detector's side of each item's hand (``"right"`` without a sides file, or for an
    image the file does not list: hands resumed from an interrupted detection)."""
    if settings.sides is None:
        return ["right"] * len(settings.items)
    sides = load_json(settings.sides, "{name: 'right'|'left'}")
    if not isinstance(sides, dict):
        raise DataError(f"{settings.sides}: expected {{name: 'right' or 'left'}}")
    return [sides.get(i.name, "right") for i in settings.items]


class FolderDataset(SkippingDataset):
    """One split (``"training"``/``"evaluation"`` = held-out part) of a prepared folder."""

    name = "Folder"

    def __init__(self, root: str | Path, split: str, queries: Iterable[str],
                 settings: FolderSettings, on_bad_image: str = "fail", seed: int = 0):
        self.queries = checked_queries("Folder", split, queries, QUERIES,
                                       ": the folder has no labels")
        self.root, self.split, self.settings, self.seed = Path(root), split, settings, seed
        self._skip = SkipCounter(on_bad_image)
        items = list(settings.items)
        det = read_detections(settings.detections).select([i.name for i in items],
                                                          settings.detections)
        sides = read_sides(settings)
        sel = select_items(det.conf, sides, settings)
        if not sel.rows:
            raise DataError(
                f"{self.root}: no confident hand in any of the {len(items)} images/frames "
                f"({sel.no_hand} without a hand of >= {settings.min_joints} joints at mean "
                f"confidence >= {settings.min_confidence}, {sel.left_skipped} left hands "
                f"skipped; detections: {settings.detections}). Lower folder.min_confidence / "
                "folder.min_joints, or check the images.")
        training, held_out = holdout_split(sel.rows, settings.holdout_every)
        rows = held_out if split == "evaluation" else training
        if not rows:
            raise DataError(f"{self.root}: only {len(sel.rows)} usable images, none left for "
                            f"the {split} split (every {settings.holdout_every}-th is held "
                            "out); add images or change folder.holdout_every")
        self.items = [items[r] for r in rows]
        self.det_xy, self.det_conf = det.xy[rows], det.conf[rows]
        self.mirrored = np.array([sides[r] == "left" and settings.left_hands == "mirror"
                                  for r in rows])
        self.intrinsics = read_intrinsics(settings.intrinsics)
        self.crop = CropParams(margin=settings.crop_margin, center_std=settings.crop_jitter)
        self.augment = split == "training" and settings.crop_jitter > 0
        left = {"mirror": f"{sel.left_mirrored} left hands mirrored (both splits)",
                "skip": f"{sel.left_skipped} left hands skipped",
                "right": "every hand taken as a right hand (folder.left_hands)"}
        log.info("Folder %s split: %d of %d images/frames used; %d without a confident hand "
                 "skipped, %s; %s", split, len(rows), len(items), sel.no_hand,
                 left[settings.left_hands], self._camera_note())

    @classmethod
    def build(cls, root: str | Path, split: str, queries: Iterable[str],
              options: DatasetOptions) -> FolderDataset:
        """The catalog's builder; ``options.folder`` comes from the experiment's preparation."""
        if options.folder is None:
            raise DataError("the Folder dataset is built from a prepared folder (options.folder "
                            "is unset; the experiment prepares it, see "
                            "s2hand.experiment.folder_prep)")
        return cls(root, split, queries, options.folder, options.on_bad_image, options.seed)

    @property
    def names(self) -> list[str]:
        """Names of this split's samples, in order (pred.json rows)."""
        return [i.name for i in self.items]

    def _camera_note(self) -> str:
        if self.intrinsics is None:
            return (f"no intrinsics given: K from the default field of view "
                    f"{self.settings.fov_deg:g} deg over the longer image side (folder.fov_deg)")
        return f"intrinsics from {self.settings.intrinsics}"

    def _K(self, item: FolderItem, width: int, height: int) -> np.ndarray:
        if isinstance(self.intrinsics, np.ndarray):
            return self.intrinsics
        if isinstance(self.intrinsics, dict):
            K = self.intrinsics.get(item.source)
            if K is None:
                raise DataError(f"folder.intrinsics {self.settings.intrinsics}: no entry for "
                                f"{item.source!r} (per-image files need every image)")
            return K
        return image_intrinsics(width, height, fov_deg=self.settings.fov_deg)[0]

    def __len__(self) -> int:
        return len(self.items)

    def _get(self, i: int) -> dict:
        item = self.items[i]
        img = read_image(item.path)
        h, w = img.shape[:2]
        conf = self.det_conf[i]
        found = conf > 0
        rng = sample_rng(self.seed, i) if self.augment else None
        crop = crop_hand(img, self._K(item, w, h), self.det_xy[i][found],
                         bool(self.mirrored[i]), self.det_xy[i], conf, self.crop, rng=rng)
        kp = np.where(found[:, None], crop.keypoints, 0.0)
        return {"idxs": i, "trans_images": image_tensor(crop.image), "trans_Ks": f32(crop.K),
                "trans_open_2dj": f32(kp), "open_2dj_con": f32(conf),
                "sequence_ids": item.sequence, "frame_index": item.frame}
