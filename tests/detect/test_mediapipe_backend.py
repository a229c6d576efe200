"""The MediaPipe backend on renders of the shipped open hand and on a real photograph."""

from __future__ import annotations

import numpy as np
import pytest

from s2hand.data.io import read_image
from s2hand.detect.mediapipe_backend import MEDIAPIPE_LANDMARKS, MEDIAPIPE_TO_FREI
from s2hand.detect.open_hand_render import render_open_hand
from s2hand.hand.joint_orders import FREIHAND_JOINT_NAMES
from tests.detect.conftest import REAL_PHOTO, require_mediapipe


def test_landmark_table_matches_mediapipe_enum():
    require_mediapipe()
    from mediapipe.python.solutions.hands import HandLandmark

    assert [m.name for m in sorted(HandLandmark, key=lambda m: m.value)] == \
        [name for name, _ in MEDIAPIPE_LANDMARKS]
    assert sorted(MEDIAPIPE_TO_FREI) == list(range(21))
    assert [MEDIAPIPE_LANDMARKS[i][1] for i in MEDIAPIPE_TO_FREI] == list(FREIHAND_JOINT_NAMES)


@pytest.fixture(scope="module")
def open_hand():
    return render_open_hand(224, fill=0.45)


def test_right_hand_render_gives_right_side_and_our_joint_order(mediapipe_detector, open_hand):
    img, uv = open_hand
    hands = mediapipe_detector([img])[0]
    assert len(hands) == 1
    hand = hands[0]
    assert hand.side == "right"          # MediaPipe itself labels it "Left" (mirrored images)
    err = np.linalg.norm(hand.xy - uv, axis=1)
    assert err.mean() < 8.0 and err.max() < 25.0
    # Each finger's tip is nearer its own GT tip than any other finger's: the order is ours.
    tips = [4, 8, 12, 16, 20]
    dist = np.linalg.norm(hand.xy[tips][:, None] - uv[tips][None], axis=-1)
    assert (dist.argmin(axis=1) == np.arange(5)).all()
    assert (hand.conf == hand.score).all() and 0.5 <= hand.score <= 1.0


def test_mirrored_render_is_a_left_hand(mediapipe_detector, open_hand):
    img, uv = open_hand
    hands = mediapipe_detector([np.ascontiguousarray(img[:, ::-1])])[0]
    assert [h.side for h in hands] == ["left"]
    mirrored_uv = uv * [-1, 1] + [img.shape[1] - 1, 0]
    assert np.linalg.norm(hands[0].xy - mirrored_uv, axis=1).mean() < 8.0


def test_padding_finds_a_hand_that_fills_the_crop(open_hand):
    require_mediapipe()
    from s2hand.detect import build_detector

    img, uv = render_open_hand(224, fill=0.7)
    assert build_detector("mediapipe", pad=0.0)([img])[0] == []
    hands = build_detector("mediapipe", pad="auto")([img])[0]
    assert len(hands) == 1 and np.linalg.norm(hands[0].xy - uv, axis=1).mean() < 12.0


def test_real_photograph_hand_keypoints_on_the_hand(mediapipe_detector):
    img = read_image(REAL_PHOTO)
    hands = mediapipe_detector([img])[0]
    assert len(hands) == 1
    box = hands[0].box()
    # The hand (checked by eye, docs/predict.md) lies in x 390-520, y 180-360 of the 640x480 photo.
    assert box[0] > 380 and box[2] < 530 and box[1] > 170 and box[3] < 370
    assert (hands[0].conf > 0).all()
