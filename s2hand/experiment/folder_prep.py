"""Prepare a Folder dataset on first use: index its images and video frames, detect the hands
with ``s2hand-detect``'s machinery (backend registry, resumable job, OpenPose-format file) and
cache everything (docs/folder.md). Later runs read the cache."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from s2hand.config import ExperimentConfig
from s2hand.data.detections import read_detections
from s2hand.data.errors import DataError
from s2hand.data.folder import FolderSettings, read_sides, select_items
from s2hand.data.folder_index import (
    DETECTION_FILE,
    INDEX_FILE,
    PREDICT_HANDS_FILE,
    SIDES_FILE,
    default_cache,
    scan_folder,
    write_index,
)
from s2hand.outputs.atomic import atomic_write_text

log = logging.getLogger(__name__)


def prepare_folder(config: ExperimentConfig) -> FolderSettings | None:
    """The prepared Folder dataset of ``config`` (None when no run of it uses ``Folder``)."""
    if "Folder" not in config.datasets_used():
        return None
    root = config.folder_base_path
    if root is None:
        raise DataError("the Folder dataset needs folder_base_path (the folder of images and "
                        "videos)")
    f = config.folder
    cache = f.cache_path or default_cache(root)
    items, problems = scan_folder(root, cache, f.video_every)
    for message in problems:
        log.warning("%s", message)
    if not items:
        raise DataError(f"{root}: no image and no decodable video frame ({len(problems)} "
                        "video(s) could not be decoded)")
    write_index(cache / INDEX_FILE, items)
    sides: Path | None = cache / SIDES_FILE
    if f.detections is not None:
        detections, sides = f.detections, None
        log.info("Folder: detections from %s (its hands are taken as right hands: the file "
                 "has no sides)", detections)
    else:
        detections = cache / DETECTION_FILE
        if detections.is_file():
            log.info("Folder: cached detections %s", detections)
        else:
            _detect(items, detections, sides, f.backend, f.backend_options)
    settings = FolderSettings(
        items=tuple(items), detections=detections, sides=sides, intrinsics=f.intrinsics,
        fov_deg=f.fov_deg, crop_margin=f.crop_margin, crop_jitter=f.crop_jitter,
        left_hands=f.left_hands, min_confidence=f.min_confidence, min_joints=f.min_joints,
        holdout_every=f.holdout_every)
    write_predict_hands(settings, cache / PREDICT_HANDS_FILE)
    return settings


def write_predict_hands(settings: FolderSettings, path: Path) -> None:
    """``s2hand-predict --hands`` file of the usable hands: the same keypoints and sides as
    training (after ``left_hands``), keyed as ``s2hand-predict`` names its inputs (image file
    name; ``<video stem>_<frame:06d>`` for frames)."""
    det = read_detections(settings.detections).select([i.name for i in settings.items],
                                                      settings.detections)
    side_list = read_sides(settings)
    hands = {}
    for row in select_items(det.conf, side_list, settings).rows:
        item = settings.items[row]
        key = item.path.name if item.sequence < 0 else f"{Path(item.source).stem}_{item.frame:06d}"
        side = "right" if settings.left_hands == "right" else side_list[row]
        hands[key] = {"hands": [{"side": side, "keypoints": np.round(det.xy[row], 2).tolist(),
                                 "conf": np.round(det.conf[row], 4).tolist()}]}
    atomic_write_text(path, json.dumps(hands))


def _detect(items: list, out: Path, sides_path: Path, backend: str, options: dict) -> None:
    from s2hand.detect import build_detector
    from s2hand.detect.layouts import DetectionJob
    from s2hand.detect.run import run_job

    job = DetectionJob(out, [i.name for i in items], [i.path for i in items])
    log.info("Folder: detecting hands in %d images/frames with %s (once; cached in %s)",
             len(items), backend, out)
    header = {"backend": backend, "options": options, "side": "any"}
    stats = run_job(build_detector(backend, **options), job, header)
    for message in stats.unreadable:
        log.warning("%s (counted as no hand)", message)
    # Hands resumed from an interrupted run have no recorded side: taken as right hands.
    atomic_write_text(sides_path, json.dumps(stats.sides))
    log.info("Folder: a hand found in %d of %d images/frames (%d unreadable)",
             stats.with_hand, stats.detected, len(stats.unreadable))
