"""FreiHAND (FreiHAND_pub_v2 layout, evaluation.md §1; queries of s2hand.md §4.2).

Training samples: ``len(training_K.json)`` unique annotations, each rendered in up to four
versions (gs, hom, sample, auto) whose images are ``training/rgb/%08d.jpg`` with file id
``idx + N * version_index`` (N = 32560 for the real data, the annotation count in general).
Annotations (K, xyz, MANO, scale, verts) are shared by the four versions.

Returned per-sample dicts use the original query names; ``s2hand.data.batch.normalize_batch``
turns a collated batch into the normalised batch. When any ``trans_*`` query is present, every
queried quantity is also returned in its augmented form (``trans_images``, ``trans_Ks``,
``trans_open_2dj``, ``trans_joints``, ``trans_verts``, ``trans_masks``), all transformed by the
same sampled :class:`~s2hand.data.augment.Affine`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from s2hand.data import augment as aug
from s2hand.data.catalog import DATASETS
from s2hand.data.detections import Detections, read_detections
from s2hand.data.errors import DataError, DetectionsError, missing
from s2hand.data.finite import require_finite
from s2hand.data.io import load_array_list, load_json, read_image, read_mask
from s2hand.data.sample import (
    BadImagePolicy,
    SkipCounter,
    SkippingDataset,
    checked_queries,
    f32,
    image_tensor,
    sample_rng,
)

if TYPE_CHECKING:
    from s2hand.data.loading import DatasetOptions

VERSIONS = ("gs", "hom", "sample", "auto")
IMAGE_SIZE = 224
QUERIES = DATASETS["FreiHand"].queries
# Quantities that have an augmented ``trans_`` twin.
_TRANSFORMABLE = ("images", "open_2dj", "joints", "verts", "masks", "CRFmasks")
DETECTION_FILES = {"training": "openpose_v2/training/detect_all.json",
                   "evaluation": "openpose/evaluation/detect.json"}


def project(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Pinhole projection of camera-frame points ``X (N,3)`` with ``K (3,3)`` → ``(N,2)`` px."""
    uvw = X @ K.T
    return uvw[:, :2] / uvw[:, 2:3]


class FreiHandDataset(SkippingDataset):
    """One FreiHAND split. See the module docstring for the layout and returned keys.

    Args:
        root: dataset root (contains ``training_K.json``, ``training/``, ``evaluation/`` ...).
        split: ``"training"`` or ``"evaluation"``.
        queries: original query names (see ``QUERIES``).
        versions: training image versions to include (evaluation has only ``gs``).
        augment: random augmentation for ``trans_*`` queries (default: training split only);
            without it the ``trans_*`` outputs equal the plain ones.
        augment_params: rotation/scale/shift/colour ranges.
        semi_ratio: the first ``semi_ratio * N`` samples use GT 2D (conf 1) instead of detections.
        on_bad_image: ``"fail"`` or ``"skip"`` (warn, count, use the next sample).
        detections_file: override of the detection file path (relative to ``root`` or absolute).
        seed: mixed into every per-sample random generator.
    """

    name = "FreiHand"

    def __init__(self, root: str | Path, split: str = "training",
                 queries: Iterable[str] = ("images", "Ks", "joints", "open_2dj"),
                 versions: Iterable[str] = ("gs",), augment: bool | None = None,
                 augment_params: aug.AugmentParams = aug.AugmentParams(),
                 semi_ratio: float | None = None, on_bad_image: BadImagePolicy = "fail",
                 detections_file: str | Path | None = None, seed: int = 0):
        self.root = Path(root)
        self.queries = checked_queries("FreiHAND", split, queries, QUERIES)
        self.versions = tuple(versions) if split == "training" else ("gs",)
        bad = [v for v in self.versions if v not in VERSIONS]
        if bad or not self.versions:
            raise ValueError(f"FreiHAND versions must be a non-empty subset of {VERSIONS}, "
                             f"got {self.versions}")
        self.split = split
        self.augment = (split == "training") if augment is None else augment
        self.augment_params = augment_params
        self.semi_ratio = semi_ratio
        self.seed = seed
        self._skip = SkipCounter(on_bad_image)
        self.transformed = any(q.startswith("trans_") for q in self.queries)
        self._load_annotations(detections_file)

    @classmethod
    def build(cls, root: str | Path, split: str, queries: Iterable[str],
              options: DatasetOptions) -> FreiHandDataset:
        """The catalog's builder (:func:`s2hand.data.build_dataset`)."""
        return cls(root, split, queries, versions=options.versions,
                   augment_params=options.augment_params, semi_ratio=options.semi_ratio,
                   on_bad_image=options.on_bad_image, seed=options.seed)

    # ---- construction ------------------------------------------------------------------
    def _wants(self, name: str) -> bool:
        return name in self.queries or f"trans_{name}" in self.queries

    def _load_annotations(self, detections_file: str | Path | None) -> None:
        s, root = self.split, self.root
        self.K = load_array_list(root / f"{s}_K.json", "3x3 camera intrinsics", (3, 3))
        n = self.num_unique = len(self.K)
        if n == 0:
            raise DataError(f"{root / f'{s}_K.json'}: empty; the split has no samples.")
        self.rgb_dir = root / s / "rgb"
        if not self.rgb_dir.is_dir():
            raise missing(self.rgb_dir, f"the {s} RGB images (%08d.jpg)")
        need_xyz = self._wants("joints") or (self._wants("open_2dj") and self.semi_ratio)
        self.xyz = (load_array_list(root / f"{s}_xyz.json", "21x3 joints in metres", (21, 3), n)
                    if need_xyz else None)
        self.scale = (load_array_list(root / f"{s}_scale.json", "scalar bone lengths", (1,), n)
                      if "scales" in self.queries else None)
        self.mano = None
        if "manos" in self.queries:
            if s != "training":
                raise DataError("FreiHAND query 'manos' exists only for the training split.")
            self.mano = load_array_list(root / "training_mano.json", "[1, 61] MANO parameters",
                                        (61,), n)
        self.verts = self._load_verts() if self._wants("verts") else None
        if self._wants("masks") and s != "training":
            raise DataError("FreiHAND query 'masks' exists only for the training split "
                            f"(there is no {root / s / 'mask'}).")
        self.det = self._load_detections(detections_file) if self._wants("open_2dj") else None

    def _load_verts(self) -> np.ndarray:
        path = self.root / f"{self.split}_verts.json"
        data = load_json(path, "a list of V x 3 mesh vertices in metres")
        try:
            verts = np.asarray(data, dtype=np.float64)
        except (ValueError, TypeError) as err:
            raise DataError(f"{path}: vertex lists are not equally shaped ({err}).") from err
        if verts.ndim != 3 or verts.shape[2] != 3 or len(verts) != self.num_unique:
            raise DataError(f"{path}: shape {verts.shape}, expected ({self.num_unique}, V, 3).")
        return require_finite(verts, path, "V x 3 vertices in metres")

    def _load_detections(self, override: str | Path | None) -> Detections:
        path = self.root / (override or DETECTION_FILES[self.split])
        det = read_detections(path)
        names = []
        for i in range(len(self)):
            file_id, idx, _ = self._ids(i)
            # Other versions show the same hand with the same camera: the gs detections apply.
            name = f"{file_id:08d}.jpg"
            names.append(name if det.row_of(name) >= 0 else f"{idx:08d}.jpg")
        try:
            return det.select(names, path)
        except DetectionsError as err:
            raise DetectionsError(f"{err} (split {self.split!r}, {self.num_unique} annotations, "
                                  f"versions {self.versions})") from None

    # ---- access ------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.num_unique * len(self.versions)

    def _ids(self, i: int) -> tuple[int, int, int]:
        """Sample position → (file id, annotation index, version index)."""
        v_pos, idx = divmod(i, self.num_unique)
        version = VERSIONS.index(self.versions[v_pos])
        return idx + self.num_unique * version, idx, version

    def _get(self, i: int) -> dict:
        file_id, idx, version = self._ids(i)
        K = self.K[idx]
        out: dict = {"idxs": i, "versions": version}
        affine = aug.identity_affine()
        if self.transformed and self.augment:
            affine = aug.sample_affine(K, self.augment_params, sample_rng(self.seed, i))
        if self.transformed:
            out["trans_Ks"] = f32(aug.transform_K(affine, K))
            out["augment_angle"] = affine.angle
        if "Ks" in self.queries:
            out["Ks"] = f32(K)
        if self._wants("images"):
            self._add_image(out, self.rgb_dir / f"{file_id:08d}.jpg", affine)
        if self._wants("joints"):
            self._add_3d(out, "joints", self.xyz[idx], affine)
        if self._wants("verts"):
            self._add_3d(out, "verts", self.verts[idx], affine)
        if self._wants("open_2dj"):
            self._add_detections(out, i, idx, K, affine)
        if self._wants("masks"):
            self._add_mask(out, "masks", self.root / "training" / "mask" / f"{idx:08d}.jpg",
                           affine)
        if self._wants("CRFmasks"):
            self._add_mask(out, "CRFmasks", self.root / "CRFmask" / self.split / f"{idx:08d}.png",
                           affine)
        if "scales" in self.queries:
            out["scales"] = float(self.scale[idx, 0])
        if "manos" in self.queries:
            out["manos"] = f32(self.mano[idx])
        return out

    def _add_image(self, out: dict, path: Path, affine: aug.Affine) -> None:
        img = read_image(path)
        if img.shape[:2] != (IMAGE_SIZE, IMAGE_SIZE):
            raise DataError(f"{path}: image is {img.shape[1]}x{img.shape[0]}, FreiHAND images "
                            f"must be {IMAGE_SIZE}x{IMAGE_SIZE}.")
        if "images" in self.queries:
            out["images"] = image_tensor(img)
        if self.transformed:
            warped = aug.warp_image(img, affine.A, (IMAGE_SIZE, IMAGE_SIZE))
            if affine.color != (1.0, 1.0, 1.0):
                warped = aug.color_jitter(warped.astype(np.float32) / 255.0, affine.color)
            out["trans_images"] = image_tensor(warped)

    def _add_3d(self, out: dict, key: str, X: np.ndarray, affine: aug.Affine) -> None:
        if key in self.queries:
            out[key] = f32(X)
        if self.transformed:
            out[f"trans_{key}"] = f32(aug.transform_points3d(affine, X))

    def _add_detections(self, out: dict, i: int, idx: int, K: np.ndarray,
                        affine: aug.Affine) -> None:
        uv, conf = self.det.xy[i], self.det.conf[i]
        if self.semi_ratio:
            # texture_con comes from the real detections, also where GT 2D replaces them (the
            # original computes it before the swap).
            out["detection_con"] = f32(conf)
            if idx < self.semi_ratio * self.num_unique:
                uv, conf = project(self.xyz[idx], K), np.ones(21)
        if "open_2dj" in self.queries:
            out["open_2dj"] = f32(uv)
        if self.transformed:
            out["trans_open_2dj"] = f32(aug.transform_points2d(affine.A, uv, conf))
        out["open_2dj_con"] = f32(conf)

    def _add_mask(self, out: dict, key: str, path: Path, affine: aug.Affine) -> None:
        mask = read_mask(path)
        if key in self.queries:
            out[key] = f32(mask)[None]
        if self.transformed:
            warped = aug.warp_image(mask, affine.A, (mask.shape[1], mask.shape[0]))
            out[f"trans_{key}"] = f32(np.round(warped))[None]
