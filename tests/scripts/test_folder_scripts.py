"""scripts/folder: the shifted-folder generator, the 3D measurement against kept-aside GT and
the count of temporal pairs per batch."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import torch

from s2hand.detect.openpose_file import write_openpose
from s2hand.engine import save_model_checkpoint
from s2hand.models import build_model
from s2hand.render.projection import project_points

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
    # GT of another folder: a clear error, exit 1
    gt.write_text(json.dumps({"other.jpg": truth[names[0]]}))
    assert measure_3d.main(["--config", str(cfg), "--checkpoint", str(ckpt), "--gt",
                            str(gt)]) == 1
    assert "no GT for 2 held-out images" in capsys.readouterr().err


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
