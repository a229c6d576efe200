"""Which images a dataset layout has and where its detection files go (docs/datasets.md).

* ``freihand``: ``<split>/rgb/%08d.jpg`` -> ``openpose_v2/training/detect_all.json`` or
  ``openpose/evaluation/detect.json`` (the loader's :data:`DETECTION_FILES`). Training covers
  the ``len(training_K.json)`` first images (the gs version, which the loader also uses for the
  other versions) unless ``all_versions``.
* ``ho3d``: ``train.txt``/``evaluation.txt`` frames ``SEQ/FID`` -> ``openpose/SEQ/detect.json``.
* ``folder``: every ``.jpg``/``.jpeg``/``.png`` directly in ROOT -> ``ROOT/detect.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from s2hand.data.errors import DataError, missing
from s2hand.data.freihand import DETECTION_FILES
from s2hand.data.ho3d import SPLIT_DIRS, read_index
from s2hand.data.io import load_json

LAYOUTS = ("freihand", "ho3d", "folder")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class DetectionJob:
    """One detection file: ``out`` and its images (``names[i]`` is the file name of
    ``images[i]``, the name written into the file)."""

    out: Path
    names: list[str]
    images: list[Path]


def list_jobs(layout: str, root: str | Path, split: str = "training",
              all_versions: bool = False, out: str | Path | None = None) -> list[DetectionJob]:
    """The detection files of ``layout`` under ``root`` (``out`` overrides the file of the
    freihand and folder layouts)."""
    root = Path(root)
    if not root.is_dir():
        raise missing(root, f"the {layout} dataset root")
    if layout == "freihand":
        return [_freihand(root, split, all_versions, out)]
    if layout == "ho3d":
        if out is not None:
            raise DataError("--out does not apply to the ho3d layout (one file per sequence, "
                            "openpose/SEQ/detect.json)")
        return _ho3d(root, split)
    if layout == "folder":
        images = sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise DataError(f"{root}: no .jpg/.jpeg/.png images in the folder")
        return [DetectionJob(Path(out) if out else root / "detect.json",
                             [p.name for p in images], images)]
    raise DataError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")


def _freihand(root: Path, split: str, all_versions: bool, out: str | Path | None
              ) -> DetectionJob:
    if split not in DETECTION_FILES:
        raise DataError(f"FreiHAND split must be one of {sorted(DETECTION_FILES)}, got {split!r}")
    rgb = root / split / "rgb"
    if not rgb.is_dir():
        raise missing(rgb, f"the FreiHAND {split} images (%08d.jpg)")
    images = sorted(rgb.glob("*.jpg"))
    if not all_versions:
        n = len(load_json(root / f"{split}_K.json", "3x3 camera intrinsics"))
        if len(images) < n:
            raise DataError(f"{rgb}: {len(images)} images but {split}_K.json has {n} entries")
        images = images[:n]
    return DetectionJob(Path(out) if out else root / DETECTION_FILES[split],
                        [p.name for p in images], images)


def _ho3d(root: Path, split: str) -> list[DetectionJob]:
    if split not in SPLIT_DIRS:
        raise DataError(f"HO3D split must be one of {sorted(SPLIT_DIRS)}, got {split!r}")
    frames = read_index(root / f"{SPLIT_DIRS[split]}.txt")
    by_seq: dict[str, list[Path]] = {}
    for seq, fid in frames:
        by_seq.setdefault(seq, []).append(_ho3d_frame(root / SPLIT_DIRS[split] / seq, fid))
    return [DetectionJob(root / "openpose" / seq / "detect.json", [p.name for p in paths], paths)
            for seq, paths in by_seq.items()]


def _ho3d_frame(seq_dir: Path, fid: str) -> Path:
    for suffix in (".png", ".jpg"):
        path = seq_dir / "rgb" / (fid + suffix)
        if path.is_file():
            return path
    raise missing(seq_dir / "rgb" / (fid + ".png"), "a HO3D RGB frame (.png or .jpg)")
