"""scripts/folder: the shifted-folder generator, the 3D measurement against kept-aside GT and
the count of temporal pairs per batch."""

from __future__ import annotations

import importlib.util
import json
import signal
from pathlib import Path

import numpy as np
import pytest
import torch

from s2hand.data.errors import DataError
from s2hand.detect.openpose_file import write_openpose
from s2hand.engine import save_model_checkpoint
from s2hand.models import build_model
from s2hand.render.projection import project_points
from tests.cli.test_signals import signal_while_working, the_one_note

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "folder" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_shifted_folder = _load("make_shifted_folder")
measure_3d = _load("measure_3d")
count_temporal_pairs = _load("count_temporal_pairs")


def test_generator_writes_plain_images_and_gt_outside(tmp_path, capsys):
    images, gt = tmp_path / "images", tmp_path / "gt.json"
    assert make_shifted_folder.main(["--out", str(images), "--gt", str(gt), "--num", "3"]) == 0
    files = sorted(images.iterdir())
    assert [f.name for f in files] == [f"hand_{k:05d}.jpg" for k in range(3)]
    assert files[0].read_bytes()[:4] == b"\xff\xd8\xff\xe0"   # JFIF, no EXIF block
    truth = json.loads(gt.read_text())
    joints, K = np.array(truth["hand_00000.jpg"]["joints"]), np.array(truth["hand_00000.jpg"]["K"])
    uv = project_points(torch.tensor(joints)[None], torch.tensor(K)[None])[0].numpy()
    assert (uv > 0).all() and (uv[:, 0] < 320).all() and (uv[:, 1] < 240).all()
    # refuses to write into a non-empty folder or to put the GT inside the images
    assert make_shifted_folder.main(["--out", str(images), "--gt", str(gt)]) == 2
    assert make_shifted_folder.main(["--out", str(tmp_path / "new"), "--gt",
                                     str(tmp_path / "new" / "gt.json")]) == 2
    assert "outside the image folder" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert make_shifted_folder.main(["--out", str(tmp_path / "file"), "--gt", str(gt)]) == 2
    assert "is a file; expected a new or empty folder" in capsys.readouterr().err
    assert make_shifted_folder.main(["--out", str(tmp_path / "new"), "--gt", str(images)]) == 2
    assert "is a folder; expected the path of a JSON file" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_generator_stopped_part_way_leaves_neither_images_nor_gt(tmp_path):
    images, gt = tmp_path / "images", tmp_path / "gt.json"
    status, err = signal_while_working(
        [str(ROOT / "scripts" / "folder" / "make_shifted_folder.py"), "--out", str(images),
         "--gt", str(gt), "--num", "5000"],
        lambda: any(tmp_path.glob(".images.*.partial/*.jpg")), signal.SIGINT,
        tmp_path / "stderr.txt")
    assert status == 130 and "Traceback" not in err, err
    assert "nothing was written to" in the_one_note(err, "make_shifted_folder", signal.SIGINT)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stderr.txt"]


def test_measure_on_the_held_out_split(tmp_path, capsys):
    images, gt = tmp_path / "images", tmp_path / "gt.json"
    make_shifted_folder.main(["--out", str(images), "--gt", str(gt), "--num", "4"])
    truth = json.loads(gt.read_text())
    names = sorted(truth)
    uv = np.stack([project_points(torch.tensor(truth[n]["joints"])[None],
                                  torch.tensor(truth[n]["K"])[None])[0].numpy() for n in names])
    det = tmp_path / "det.json"   # GT keypoints as "detections": this test is about the script
    write_openpose(det, names, uv, np.ones((4, 21)))
    model = build_model(("joints", "verts"), renderer=None, encoder="small-cnn")
    ckpt = save_model_checkpoint(model, tmp_path / "small.pth")
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({
        "train_datasets": ["Folder"], "val_datasets": ["Folder"], "encoder": "small-cnn",
        "folder_base_path": str(images), "folder": {"detections": str(det), "holdout_every": 2},
        "train_queries": ["trans_images", "trans_Ks", "trans_open_2dj"],
        "val_queries": ["images", "Ks", "open_2dj"], "losses": ["open_2dj"], "num_workers": 0,
        "base_out_path": str(tmp_path / "out")}))
    code = measure_3d.main(["--config", str(cfg), "--checkpoint", str(ckpt), "--gt", str(gt),
                            "--out", str(tmp_path / "scores.json")])
    assert code == 0
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["held_out_images"] == 2
    assert 0 < scores["xyz_al_mean3d"] < scores["xyz_mean3d"]
    # a missing checkpoint is bad data (1), a bad --set bad usage (2); the file or key named
    assert measure_3d.main(["--config", str(cfg), "--checkpoint", str(tmp_path / "none.pth"),
                            "--gt", str(gt)]) == 1
    assert str(tmp_path / "none.pth") in capsys.readouterr().err
    assert measure_3d.main(["--config", str(cfg), "--checkpoint", str(ckpt), "--gt", str(gt),
                            "--set", "no_such_key=1"]) == 2
    assert "no_such_key" in capsys.readouterr().err
    # GT of another folder: a clear error, exit 1
    gt.write_text(json.dumps({"other.jpg": truth[names[0]]}))
    assert measure_3d.main(["--config", str(cfg), "--checkpoint", str(ckpt), "--gt",
                            str(gt)]) == 1
    assert "no GT for 2 held-out images" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "named"), [
    (b"\xff not json", "cannot read it as JSON"),
    (b"[]", "holds a JSON list; expected an object"),
    (b'{"a.jpg": {"joints": [[0, 0, 0]], "verts": [[0, 0, 0]]}}',
     "image 'a.jpg', key 'joints': expected a list of 21 [x, y, z] points"),
    (json.dumps({"a.jpg": {"joints": [[0, 0, 0]] * 21}}).encode(),
     "image 'a.jpg', key 'verts': expected a list of V [x, y, z] points"),
    (json.dumps({"a.jpg": {"joints": [[0, 0, float("nan")]] * 21,
                           "verts": [[0, 0, 0]]}}).encode(),
     "image 'a.jpg', key 'joints': holds NaN or infinite numbers"),
])
def test_measure_names_what_is_wrong_in_the_gt_file(tmp_path, content, named):
    gt = tmp_path / "gt.json"
    gt.write_bytes(content)
    with pytest.raises(DataError, match=r"^" + str(gt).replace(".", r"\.")) as err:
        measure_3d.read_gt(gt, ["a.jpg"])
    assert named in str(err.value)


def test_count_temporal_pairs(capsys):
    seqs, nums = count_temporal_pairs.training_layout(2, 40, 5, 1, 0.0, 5, 0)
    assert len(seqs) == 68 and seqs[:4] == [-1] * 4  # 85 samples, every 5th held out
    random = count_temporal_pairs.count_pairs(seqs, nums, 4, 1, 2, 0)
    clips = count_temporal_pairs.count_pairs(seqs, nums, 4, 4, 2, 0)
    assert random["batches_per_epoch"] == clips["batches_per_epoch"] == 17
    assert clips["batches_with_a_pair"] == 1.0 > random["batches_with_a_pair"]
    assert clips["frames_in_a_pair"] > 0.8 > random["frames_in_a_pair"]
    assert count_temporal_pairs.main(["--videos", "1", "--frames", "30", "--stills", "0",
                                      "--batch", "4", "--clip-frames", "1", "3"]) == 0
    assert "clip_frames  batches/epoch" in capsys.readouterr().out
    assert count_temporal_pairs.main(["--batch", "0", "--missed", "1.5"]) == 2
    assert "--batch 0, --missed 1.5" in capsys.readouterr().err


def test_count_temporal_pairs_stopped_by_sigterm(tmp_path):
    out = tmp_path / "stdout.txt"
    status, err = signal_while_working(
        [str(ROOT / "scripts" / "folder" / "count_temporal_pairs.py"), "--epochs", "100000"],
        lambda: "clip_frames" in out.read_text(), signal.SIGTERM, tmp_path / "stderr.txt",
        stdout=out)
    assert status == 143 and "Traceback" not in err, err
    assert the_one_note(err, "count_temporal_pairs", signal.SIGTERM)
