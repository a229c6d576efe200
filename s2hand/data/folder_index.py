"""What a Folder dataset holds: its images and video frames, their names, their cameras.

A folder tree of ``.jpg/.jpeg/.png`` images and videos (``.mp4/.avi/.mov/.mkv/.webm``). Every
image or frame gets a *name*, its path relative to the root with ``/`` written ``__`` (a frame
``clips/a.mp4`` #12 is ``clips__a.mp4__000012.jpg``), so names are unique file names and the
detection file (matched by file stem) can hold them all. Video frames are extracted once into the
cache (``frames/``); the index of names, files, sequences and frame numbers is cached as
``index.json`` beside the detections.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from s2hand.data.errors import DataError
from s2hand.outputs.atomic import atomic_write_bytes, atomic_write_text

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")
CACHE_DIRNAME = ".s2hand_cache"
INDEX_FILE = "index.json"
DETECTION_FILE = "detect.json"
SIDES_FILE = "sides.json"
PREDICT_HANDS_FILE = "predict_hands.json"


@dataclass(frozen=True)
class FolderItem:
    """One image or frame: ``name`` (unique, see the module docstring), ``path`` of the image
    file, ``source`` (path relative to the root: the image or its video), ``sequence`` (index
    of its video, -1 for a still image) and ``frame`` (frame number, -1 for an image)."""

    name: str
    path: Path
    source: str
    sequence: int
    frame: int


def default_cache(root: Path) -> Path:
    """The cache folder of ``root`` when none is configured."""
    return Path(root) / CACHE_DIRNAME


def _name(rel: str) -> str:
    return rel.replace("/", "__")


def scan_folder(root: Path, cache: Path, video_every: int = 1) -> tuple[list[FolderItem],
                                                                          list[str]]:
    """Every image and video frame under ``root`` (sorted; the cache folder excluded), with
    frames of videos written to ``cache/frames`` (once). Returns the items and one message per
    video that could not be decoded.

    Raises :class:`DataError` when ``root`` is missing or holds no image and no video.
    """
    root, cache = Path(root), Path(cache)
    if not root.is_dir():
        raise DataError(f"folder_base_path: {root} is not a folder (expected a folder of "
                        f"images {'/'.join(IMAGE_SUFFIXES)} or videos)")
    files = sorted(p for p in root.rglob("*") if p.is_file() and cache not in p.parents
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES]
    if not images and not videos:
        raise DataError(f"{root}: no images ({', '.join(IMAGE_SUFFIXES)}) or videos "
                        f"({', '.join(VIDEO_SUFFIXES)}) in the folder or below it")
    items = [FolderItem(_name(p.relative_to(root).as_posix()), p,
                        p.relative_to(root).as_posix(), -1, -1) for p in images]
    problems = []
    for seq, video in enumerate(videos):
        rel = video.relative_to(root).as_posix()
        try:
            items += _video_items(video, rel, seq, cache / "frames", video_every)
        except DataError as err:
            problems.append(str(err))
    stems = [Path(i.name).stem for i in items]
    if len(set(stems)) != len(stems):
        dup = next(s for s in stems if stems.count(s) > 1)
        raise DataError(f"{root}: two files are both named {dup!r} once their extension is "
                        "dropped (detections are matched by name); rename one")
    return items, problems


def _video_items(video: Path, rel: str, seq: int, frames_dir: Path, every: int
                 ) -> list[FolderItem]:
    out_dir = frames_dir / _name(rel)
    done = out_dir / "frames.json"
    if done.is_file():
        numbers = json.loads(done.read_text())
    else:
        cap = cv2.VideoCapture(str(video))
        numbers = []
        try:
            if not cap.isOpened():
                raise DataError(f"{video}: cannot be opened as a video (no decoder for it, or "
                                "not a video); it is left out")
            index = 0
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                if index % every == 0:
                    encoded = cv2.imencode(".png", frame)[1]
                    atomic_write_bytes(out_dir / f"{index:06d}.png", encoded.tobytes())
                    numbers.append(index)
                index += 1
        finally:
            cap.release()
        if not numbers:
            raise DataError(f"{video}: no frame could be decoded; it is left out")
        atomic_write_text(done, json.dumps(numbers))
    return [FolderItem(f"{_name(rel)}__{n:06d}.png", out_dir / f"{n:06d}.png", rel, seq, n)
            for n in numbers]


def read_intrinsics(path: Path | None) -> dict[str, np.ndarray] | np.ndarray | None:
    """``None`` (no file), one ``K (3,3)`` for every image (``{"K": 3x3}``) or ``{relative
    path: K}``; a malformed file raises :class:`DataError` naming the key."""
    if path is None:
        return None
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise DataError(f"folder.intrinsics: {path} cannot be read as JSON ({err})") from err
    if not isinstance(data, dict) or not data:
        raise DataError(f"folder.intrinsics: {path}: expected {{\"K\": 3x3}} or "
                        "{\"<relative path>\": 3x3, ...}")
    out = {key: _K(value, f"{path}: [{key!r}]") for key, value in data.items()}
    return out["K"] if set(out) == {"K"} else out


def _K(value: object, where: str) -> np.ndarray:
    try:
        K = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        K = np.zeros(0)
    if K.shape != (3, 3) or not np.isfinite(K).all() or K[0, 0] <= 0 or K[1, 1] <= 0:
        raise DataError(f"folder.intrinsics: {where}: expected a 3x3 matrix [[fx, 0, cx], "
                        "[0, fy, cy], [0, 0, 1]] with fx, fy > 0")
    return K


def write_index(path: Path, items: list[FolderItem]) -> None:
    """Cache the item list (``index.json``)."""
    rows = [{"name": i.name, "path": str(i.path), "source": i.source, "sequence": i.sequence,
             "frame": i.frame} for i in items]
    atomic_write_text(path, json.dumps(rows))


def read_index(path: Path) -> list[FolderItem]:
    """The cached item list."""
    try:
        rows = json.loads(Path(path).read_text())
        return [FolderItem(r["name"], Path(r["path"]), r["source"], int(r["sequence"]),
                           int(r["frame"])) for r in rows]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as err:
        raise DataError(f"{path}: the Folder index cannot be read ({err}); delete the cache "
                        "folder to rebuild it") from err
