"""HO3D v2/v3 (evaluation.md §2; queries of s2hand.md §4.3), cropped around the hand.

Layout: ``train.txt`` / ``evaluation.txt`` (lines ``SEQ/FID``), ``{train,evaluation}/SEQ/rgb/
FID.{png,jpg}``, ``.../meta/FID.pkl`` (OpenGL frame, HO3D joint order), detections
``openpose/SEQ/detect.json``, and optionally the released evaluation GT ``evaluation_xyz.json``
(HO3D order, OpenGL). Meta pickles are read with a restricted unpickler.

Every sample is converted at load time to the project conventions: OpenCV camera frame
(``X_cv = X_gl · diag(1,-1,-1)``), FreiHAND joint order, and a 224x224 crop whose affine is
folded into K (``trans_Ks = A · camMat``), so ``proj(joints, trans_Ks)`` lands on the cropped
image. Training crops are placed from the detections (fixes the GT leak of §6 Q3; GT is the
fallback when fewer than ``min_crop_joints`` joints are detected); evaluation crops come from
``handBoundingBox`` and are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from s2hand.data import augment as aug
from s2hand.data.catalog import DATASETS
from s2hand.data.crop import CropParams, bbox_corners, crop_affine
from s2hand.data.detections import read_detections
from s2hand.data.errors import DataError, missing
from s2hand.data.finite import require_finite
from s2hand.data.freihand import project
from s2hand.data.io import load_array_list, load_json, read_image
from s2hand.data.pickle_safe import load_pickle
from s2hand.data.resample import resample_crop
from s2hand.data.sample import (
    BadImagePolicy,
    SkipCounter,
    SkippingDataset,
    checked_queries,
    f32,
    image_tensor,
    sample_rng,
)
from s2hand.hand.joint_orders import FREI_TO_HO3D, HO3D_TO_FREI

if TYPE_CHECKING:
    from s2hand.data.loading import DatasetOptions

FRAME_SIZE = (640, 480)
OPENGL_TO_OPENCV = np.array([1.0, -1.0, -1.0])
# The catalog's queries plus the evaluation GT vertices the experiment adds for metrics.
QUERIES = DATASETS["HO3D"].queries | {"verts"}
SPLIT_DIRS = {"training": "train", "evaluation": "evaluation"}


def opengl_to_opencv(X: np.ndarray) -> np.ndarray:
    """Flip y and z of points ``(...,3)``; the map is its own inverse (OpenCV→OpenGL too)."""
    return X * OPENGL_TO_OPENCV


def ho3d_to_frei(x: np.ndarray) -> np.ndarray:
    """Reorder joints ``(...,21,D)`` from HO3D to FreiHAND order."""
    return x[..., list(HO3D_TO_FREI), :]


def frei_to_ho3d(x: np.ndarray) -> np.ndarray:
    """Reorder joints ``(...,21,D)`` from FreiHAND to HO3D order."""
    return x[..., list(FREI_TO_HO3D), :]


def read_index(path: Path) -> list[tuple[str, str]]:
    """Parse ``train.txt``/``evaluation.txt`` into ``(sequence, frame id)`` pairs."""
    if not path.is_file():
        raise missing(path, "the HO3D split index (lines SEQ/FRAMEID)")
    frames = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        parts = line.split("/")
        if len(parts) != 2 or not all(parts):
            raise DataError(f"{path}:{n}: {line!r} is not of the form SEQ/FRAMEID.")
        frames.append((parts[0], parts[1]))
    if not frames:
        raise DataError(f"{path}: contains no frames.")
    return frames


def _meta_array(meta: dict, key: str, shape: tuple[int, ...], path: Path) -> np.ndarray:
    if key not in meta or meta[key] is None:
        raise DataError(f"{path}: meta has no {key!r} (keys: {sorted(meta)}).")
    try:
        arr = np.asarray(meta[key], dtype=np.float64).reshape(shape)
    except (ValueError, TypeError) as err:
        raise DataError(f"{path}: meta[{key!r}] has shape {np.shape(meta[key])}, expected "
                        f"{shape}.") from err
    return require_finite(arr, path, f"meta[{key!r}] of shape {shape}", key, entries=False)


def training_frame_uv(meta_path: Path) -> np.ndarray:
    """GT joints of a HO3D training frame projected into its image: ``(21,2)`` pixels,
    FreiHAND order (``camMat`` and ``handJoints3D`` of the meta file, read safely)."""
    meta = load_pickle(meta_path)
    if not isinstance(meta, dict):
        raise DataError(f"{meta_path}: expected a dict, got {type(meta).__name__}.")
    cam = _meta_array(meta, "camMat", (3, 3), meta_path)
    joints = _meta_array(meta, "handJoints3D", (21, 3), meta_path)
    return project(ho3d_to_frei(opengl_to_opencv(joints)), cam)


class HO3DDataset(SkippingDataset):
    """One HO3D split; see the module docstring.

    Args:
        root: HO3D root (``train.txt``, ``train/``, ``openpose/`` ...).
        split: ``"training"`` or ``"evaluation"``.
        queries: original query names (see ``QUERIES``; ``images``/``Ks`` are the crop too).
        version: ``"v2"`` (png frames) or ``"v3"`` (jpg); both extensions are tried.
        augment: random crop jitter (default: training split only).
        crop_source: ``"detections"`` or ``"gt"`` (the original's GT-placed crop) for training.
        crop: crop policy.
        min_crop_joints / min_crop_conf: detections needed to place a training crop.
    """

    name = "HO3D"

    def __init__(self, root: str | Path, split: str = "training",
                 queries: Iterable[str] = ("trans_images", "trans_Ks", "trans_open_2dj"),
                 version: Literal["v2", "v3"] = "v2", augment: bool | None = None,
                 crop_source: Literal["detections", "gt"] = "detections",
                 crop: CropParams = CropParams(), min_crop_joints: int = 4,
                 min_crop_conf: float = 0.2, on_bad_image: BadImagePolicy = "fail",
                 seed: int = 0):
        self.queries = checked_queries("HO3D", split, queries, QUERIES,
                                       "; the original returns them but never uses them.")
        if version not in ("v2", "v3"):
            raise ValueError(f"HO3D version must be 'v2' or 'v3', got {version!r}")
        if crop_source not in ("detections", "gt"):
            raise ValueError(f"crop_source must be 'detections' or 'gt', got {crop_source!r}")
        self.root, self.split, self.version = Path(root), split, version
        self.augment = (split == "training") if augment is None else augment
        self.crop_source, self.crop = crop_source, crop
        self.min_crop_joints, self.min_crop_conf = min_crop_joints, min_crop_conf
        self.seed = seed
        self._skip = SkipCounter(on_bad_image)
        self.frames = read_index(self.root / f"{SPLIT_DIRS[split]}.txt")
        self.split_dir = self.root / SPLIT_DIRS[split]
        if not self.split_dir.is_dir():
            raise missing(self.split_dir, f"the HO3D {split} sequences")
        wants_det = bool(self.queries & {"open_2dj", "trans_open_2dj"})
        self.det_xy = self.det_conf = None
        if wants_det or (split == "training" and crop_source == "detections"):
            self._load_detections()
        self.eval_xyz = self.eval_verts = None
        if split == "evaluation" and self.queries & {"joints", "trans_joints2d"}:
            self.eval_xyz = load_array_list(self.root / "evaluation_xyz.json",
                                            "21x3 HO3D-order OpenGL joints (released eval GT)",
                                            (21, 3), len(self.frames))
        if "verts" in self.queries:
            if split != "evaluation":
                raise DataError("HO3D query 'verts' exists only for the evaluation split (from "
                                "evaluation_verts.json); training metas carry no vertices.")
            self.eval_verts = self._load_eval_verts()

    @classmethod
    def build(cls, root: str | Path, split: str, queries: Iterable[str],
              options: DatasetOptions) -> HO3DDataset:
        """The catalog's builder (:func:`s2hand.data.build_dataset`)."""
        return cls(root, split, queries, version=options.ho3d_version,
                   on_bad_image=options.on_bad_image, seed=options.seed)

    def _load_eval_verts(self) -> np.ndarray:
        path = self.root / "evaluation_verts.json"
        verts = np.asarray(load_json(path, "V x 3 OpenGL vertices per evaluation frame"),
                           dtype=np.float64)
        if verts.ndim != 3 or verts.shape[2] != 3 or len(verts) != len(self.frames):
            raise DataError(f"{path}: shape {verts.shape}, expected ({len(self.frames)}, V, 3).")
        return require_finite(verts, path, "V x 3 vertices")

    def _load_detections(self) -> None:
        xy = np.zeros((len(self.frames), 21, 2))
        conf = np.zeros((len(self.frames), 21))
        by_seq: dict[str, list[int]] = {}
        for i, (seq, _) in enumerate(self.frames):
            by_seq.setdefault(seq, []).append(i)
        for seq, rows in by_seq.items():
            path = self.root / "openpose" / seq / "detect.json"
            det = read_detections(path).select([self.frames[r][1] for r in rows], path)
            xy[rows], conf[rows] = det.xy, det.conf
        self.det_xy, self.det_conf = xy, conf

    def __len__(self) -> int:
        return len(self.frames)

    def _frame_path(self, seq: str, fid: str) -> Path:
        exts = (".jpg", ".png") if self.version == "v3" else (".png", ".jpg")
        for ext in exts:
            path = self.split_dir / seq / "rgb" / (fid + ext)
            if path.is_file():
                return path
        raise missing(self.split_dir / seq / "rgb" / (fid + exts[0]), "a HO3D RGB frame")

    def _get(self, i: int) -> dict:
        seq, fid = self.frames[i]
        meta_path = self.split_dir / seq / "meta" / f"{fid}.pkl"
        meta = load_pickle(meta_path)
        if not isinstance(meta, dict):
            raise DataError(f"{meta_path}: expected a dict, got {type(meta).__name__}.")
        cam = _meta_array(meta, "camMat", (3, 3), meta_path)
        joints = None
        if self.split == "training":
            gl = _meta_array(meta, "handJoints3D", (21, 3), meta_path)
            joints = ho3d_to_frei(opengl_to_opencv(gl))
        elif self.eval_xyz is not None:
            joints = ho3d_to_frei(opengl_to_opencv(self.eval_xyz[i]))
        A = crop_affine(self._crop_points(i, cam, joints, meta, meta_path), FRAME_SIZE,
                        self.crop, sample_rng(self.seed, i) if self.augment else None)
        img = read_image(self._frame_path(seq, fid))
        K_crop = A @ cam
        out: dict = {"idxs": i, "camMat": f32(cam), "crop_affine": f32(A)}
        if self.queries & {"images", "trans_images"}:
            size = (self.crop.out_size, self.crop.out_size)
            # Shrinking crops are filtered over each pixel's footprint (the original's PIL
            # resized crop); plain bilinear sampling would alias.
            crop = resample_crop(img, A, size) if A[0, 0] < 1 else aug.warp_image(img, A, size)
            out["trans_images"] = image_tensor(crop)
        if "base_images" in self.queries:
            out["base_images"] = image_tensor(img)
        out["trans_Ks"] = f32(K_crop)
        if self.det_xy is not None and self.queries & {"open_2dj", "trans_open_2dj"}:
            conf = self.det_conf[i]
            out["open_2dj"] = f32(self.det_xy[i])
            out["trans_open_2dj"] = f32(aug.transform_points2d(A, self.det_xy[i], conf))
            out["open_2dj_con"] = f32(conf)
        if self.eval_verts is not None:
            out["verts"] = f32(opengl_to_opencv(self.eval_verts[i]))
        if joints is not None and self.queries & {"joints", "trans_joints2d"}:
            out["joints"] = f32(joints)
            out["trans_joints2d"] = f32(project(joints, K_crop))
        return out

    def _crop_points(self, i: int, cam: np.ndarray, joints: np.ndarray | None, meta: dict,
                     meta_path: Path) -> np.ndarray:
        if self.split == "evaluation":
            return bbox_corners(_meta_array(meta, "handBoundingBox", (4,), meta_path))
        if self.crop_source == "detections":
            ok = self.det_conf[i] > self.min_crop_conf
            if ok.sum() >= self.min_crop_joints:
                return self.det_xy[i][ok]
        return project(joints, cam)
