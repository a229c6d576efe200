"""The ``folder`` section: how the ``Folder`` dataset (a user's unlabeled images and videos,
docs/folder.md) is read, detected, cropped and split. Its root is ``folder_base_path``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .sections import STRICT, PathValue


class FolderConfig(BaseModel):
    """Settings of the ``Folder`` dataset."""

    model_config = STRICT

    intrinsics: PathValue | None = Field(
        None, description='JSON with {"K": 3x3} for every image or {"<relative path>": 3x3} per '
        "image (video frames: the video's path); null = the default field of view."
    )
    fov_deg: float = Field(
        60.0, gt=1.0, lt=179.0, description="Field of view over the longer image side used when "
        "no intrinsics are given (stated in the log)."
    )
    detections: PathValue | None = Field(
        None, description="An existing detection file (s2hand-detect format, names as the "
        "cache writes them); null = detect on first use and cache."
    )
    cache_path: PathValue | None = Field(
        None, description="Where detections, the image index and video frames are cached; null "
        "= <folder_base_path>/.s2hand_cache."
    )
    backend: str = Field("mediapipe", description="s2hand-detect backend of the first-use "
                         "detection.")
    backend_options: dict[str, Any] = Field(
        {}, description="Options of that backend (as s2hand-detect --backend-option)."
    )
    crop_margin: float = Field(
        10.0, ge=0.0, description="Pixels added around the detected keypoints' box before the "
        "square crop (side 4x the half extent, as the HO3D crop)."
    )
    crop_jitter: float = Field(
        5.0, ge=0.0, description="Std of the training crop centre's noise, pixels (0 = none; "
        "the held-out part is never jittered)."
    )
    left_hands: Literal["mirror", "skip", "right"] = Field(
        "mirror", description='Hands the detector calls left: "mirror" (crop them mirrored, '
        'so the right-hand model applies), "skip" (leave them out) or "right" (ignore the '
        "detector's side: every hand is a right hand; for folders known to hold right hands)."
    )
    min_confidence: float = Field(
        0.5, ge=0.0, le=1.0, description="A hand is used when the mean confidence of its found "
        "joints reaches this."
    )
    min_joints: int = Field(15, ge=1, le=21, description="... and at least this many joints "
                            "are found.")
    holdout_every: int = Field(
        5, ge=2, description="Every N-th usable image (sorted by name) is held out for the test "
        "pass; the rest trains."
    )
    video_every: int = Field(1, ge=1, description="Use every N-th frame of a video.")
    clip_frames: int = Field(
        1, ge=1, description="Training batches from clips of this many neighbouring frames of "
        "one video (a clip may straddle two batches), so that temporal_smooth sees pairs of "
        "nearby frames; 1 = frames drawn one by one (the default). Needs temporal_smooth in the "
        "Folder's losses."
    )
