"""``s2hand-predict`` end to end on the real photograph, with bad inputs among good ones."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from s2hand.cli.predict import main
from s2hand.hand import load_hand_model
from s2hand.models import build_model, save_model_checkpoint
from tests.detect.conftest import REAL_PHOTO, require_mediapipe

NUM_VERTS = load_hand_model().num_vertices  # the shipped OpenHand


@pytest.fixture()
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(REAL_PHOTO.read_bytes())
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    cv2.imwrite(str(folder / "empty.png"), np.full((120, 160, 3), 128, np.uint8))
    return folder


def test_fit_on_a_real_photo_with_bad_images_beside_it(inputs, tmp_path, capsys):
    require_mediapipe()
    out = tmp_path / "out"
    code = main([str(inputs), "--out", str(out), "--fit-steps", "40", "--focal", "600"])
    assert code == 1                                    # broken.jpg and empty.png gave nothing
    err = capsys.readouterr()
    assert "broken.jpg" in err.err and "no hand found" in err.out
    rec = json.loads((out / "photo.json").read_text())
    assert rec["K_source"] == "--focal 600 px" and len(rec["hands"]) == 1
    hand = rec["hands"][0]
    assert hand["side"] in ("left", "right")
    verts = np.array(hand["fit"]["vertices"])
    joints = np.array(hand["fit"]["joints_3d"])
    assert verts.shape == (NUM_VERTS, 3) and joints.shape == (21, 3)
    assert 0.1 < joints[:, 2].mean() < 3.0              # in front of the camera, metres
    # The fitted joints project onto the detected keypoints (full-image pixels).
    K = np.array(rec["K"])
    uvw = joints @ K.T
    reproj = np.linalg.norm(uvw[:, :2] / uvw[:, 2:] - np.array(hand["keypoints_2d"]), axis=1)
    assert np.median(reproj) < 15.0
    for suffix in ("_hand0_fit.obj", "_hand0_fit.ply", "_overlay.png"):
        assert (out / f"photo{suffix}").stat().st_size > 1000
    assert json.loads((out / "empty.json").read_text())["hands"] == []
    # A rerun keeps what is there.
    assert main([str(inputs / "photo.jpg"), "--out", str(out)]) == 0
    assert "1 already done" in capsys.readouterr().out


def test_hands_json_boxes_network_and_a_checkpoint_of_another_model(inputs, tmp_path, capsys):
    model = build_model(("joints", "verts"), renderer=None, encoder="small-cnn")
    ckpt = save_model_checkpoint(model, tmp_path / "small.pth")
    hands = {"photo.jpg": {"hands": [{"side": "left", "box": [390, 180, 520, 360]},
                                     {"side": "right", "box": [900, 900, 990, 990]}]}}
    (tmp_path / "hands.json").write_text(json.dumps(hands))
    out = tmp_path / "out"
    code = main([str(inputs / "photo.jpg"), "--out", str(out), "--hands",
                 str(tmp_path / "hands.json"), "--method", "network", "--checkpoint", str(ckpt),
                 "--encoder", "small-cnn", "--no-overlay"])
    assert code == 0
    rec = json.loads((out / "photo.json").read_text())
    assert len(rec["hands"]) == 1 and rec["hands"][0]["crop"]["mirrored"] is True
    assert np.array(rec["hands"][0]["network"]["vertices"]).shape == (NUM_VERTS, 3)
    assert any("outside the 640x480 image" in m for m in rec["messages"])
    assert (out / "photo_hand0_network.obj").is_file()
    # The same file for an EfficientNet model: refused with the loader's message, exit 2.
    code = main([str(inputs / "photo.jpg"), "--out", str(tmp_path / "o2"), "--method",
                 "network", "--checkpoint", str(ckpt)])
    assert code == 2
    message = capsys.readouterr().err
    assert str(ckpt) in message and "encoder" in message


def test_video_gives_an_overlay_video(tmp_path):
    require_mediapipe()
    frame = cv2.imread(str(REAL_PHOTO))
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5, (640, 480))
    for _ in range(2):
        writer.write(frame)
    writer.release()
    out = tmp_path / "out"
    assert main([str(video), "--out", str(out), "--fit-steps", "10"]) == 0
    assert (out / "clip_000001.json").is_file()
    cap = cv2.VideoCapture(str(out / "clip_overlay.mp4"))
    assert cap.isOpened() and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 2


def test_usage_errors(tmp_path, capsys):
    assert main([str(tmp_path / "missing.jpg"), "--out", str(tmp_path / "o")]) == 2
    assert "missing.jpg: no such file" in capsys.readouterr().err
    assert main([str(REAL_PHOTO), "--out", str(tmp_path / "o"), "--method", "network"]) == 2
    assert "needs --checkpoint" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text('{"photo.jpg": {"hands": [{"side": "up", "box": [1]}]}}')
    assert main([str(REAL_PHOTO), "--out", str(tmp_path / "o"), "--hands",
                 str(tmp_path / "bad.json")]) == 2
    assert "['side']" in capsys.readouterr().err
