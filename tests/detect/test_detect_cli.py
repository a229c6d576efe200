"""``s2hand-detect`` on a tiny synthetic FreiHAND-layout set, with the real detector."""

from __future__ import annotations

import json

import numpy as np
import pytest

from s2hand.cli.detect import main
from s2hand.data import build_dataset
from s2hand.data.detections import read_detections
from s2hand.data.synthetic import generate_synthetic
from tests.detect.conftest import REAL_PHOTO, require_mediapipe


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    generate_synthetic("freihand", root, 6, 2, 0)
    return root


def test_detect_writes_where_the_loader_reads_and_reports(synth, tmp_path, capsys):
    require_mediapipe()
    target = synth / "openpose_v2/training/detect_all.json"
    noise_model_file = read_detections(target)
    assert main(["--layout", "freihand", str(synth)]) == 2      # exists, not overwritten
    assert read_detections(target).xy.tolist() == noise_model_file.xy.tolist()
    assert main(["--layout", "freihand", str(synth), "--overwrite", "--report",
                 str(tmp_path / "q")]) == 0
    det = read_detections(target)
    assert len(det) == 6 and det.names == [f"{i:08d}.jpg" for i in range(6)]
    assert not np.array_equal(det.xy, noise_model_file.xy)
    missed = det.conf.max(1) == 0
    assert (det.xy[missed] == 0).all()                          # missing hand = zero rows
    ds = build_dataset("FreiHand", "training", synth, ["open_2dj"])
    assert np.allclose(ds[0]["open_2dj_con"], det.conf[0])
    report = json.loads((tmp_path / "q/quality.json").read_text())["results"]
    assert set(report) == {"mediapipe", "noise model"}
    assert report["mediapipe"]["detection_rate"] == pytest.approx(1 - missed.mean())
    assert (tmp_path / "q/quality.png").stat().st_size > 1000
    assert "images/s" in capsys.readouterr().out


def test_folder_layout_resumes_and_keeps_unreadable_images(tmp_path, capsys):
    require_mediapipe()
    (tmp_path / "a_photo.jpg").write_bytes(REAL_PHOTO.read_bytes())
    (tmp_path / "b_broken.png").write_bytes(b"not an image")
    out = tmp_path / "detect.json"
    partial = tmp_path / "detect.json.partial.jsonl"
    header = {"backend": "mediapipe", "options": {}, "side": "any"}
    done = {"name": "a_photo.jpg", "xy": [[7.0, 7.0]] * 21, "conf": [0.25] * 21}
    partial.write_text(json.dumps(header) + "\n" + json.dumps(done) + "\n")
    assert main(["--layout", "folder", str(tmp_path)]) == 0
    det = read_detections(out)
    assert det.names == ["a_photo.jpg", "b_broken.png"]
    assert det.xy[0, 0].tolist() == [7.0, 7.0]                 # resumed, not redone
    assert det.conf[1].max() == 0.0                             # unreadable -> no hand
    captured = capsys.readouterr()
    assert "b_broken.png" in captured.err and "1 resumed" in captured.out


def test_bad_usage_messages(tmp_path, capsys):
    assert main(["--layout", "folder", str(tmp_path / "nowhere")]) == 1
    assert "nowhere" in capsys.readouterr().err
    (tmp_path / "x.jpg").write_bytes(REAL_PHOTO.read_bytes())
    assert main(["--layout", "folder", str(tmp_path), "--backend", "nope"]) == 2
    assert "unknown detector backend 'nope'" in capsys.readouterr().err
    assert main(["--layout", "folder", str(tmp_path), "--report-only"]) == 2


def test_ho3d_layout_writes_per_sequence_and_reports_against_meta_gt(tmp_path, capsys):
    require_mediapipe()
    from s2hand.data.ho3d import HO3DDataset, training_frame_uv
    from s2hand.detect.quality import ho3d_gt_uv

    root = tmp_path / "ho3d"
    generate_synthetic("ho3d", root, 4, 1, 0, frames_per_seq=2)
    seqs = sorted(p.name for p in (root / "train").iterdir())
    assert len(seqs) == 2
    assert main(["--layout", "ho3d", str(root), "--overwrite", "--report",
                 str(tmp_path / "q")]) == 0
    ds = HO3DDataset(root, "training", ("trans_images", "trans_open_2dj"))
    assert ds.det_xy.shape == (4, 21, 2)                 # the loader reads what was written
    frame = root / "train" / seqs[0] / "rgb"
    first = sorted(frame.iterdir())[0]
    gt = ho3d_gt_uv([first])[0]
    np.testing.assert_allclose(gt, training_frame_uv(root / "train" / seqs[0] / "meta" /
                                                     f"{first.stem}.pkl"))
    assert 0 < gt[:, 0].min() and gt[:, 0].max() < 640   # in the 640x480 frame
    report = json.loads((tmp_path / "q/quality.json").read_text())
    assert report["meta"]["layout"] == "ho3d" and len(report["meta"]["files"]) == 2
    assert report["results"]["noise model"]["images"] == 4
    assert report["results"]["noise model"]["mean_px"] < 10     # GT projected correctly
    assert main(["--layout", "ho3d", str(root), "--split", "evaluation", "--report-only",
                 "--report", str(tmp_path / "q2")]) == 2
    assert "ho3d training split" in capsys.readouterr().err
