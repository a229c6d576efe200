"""The Folder dataset in a training run (s2hand-train): alone or mixed with FreiHAND, every
S2HAND stage and loss, label-free scores in scores.json, and bad input without tracebacks."""

from __future__ import annotations

import json

import pytest
from data_fixtures import write_freihand
from folder_fixtures import FAKE_BACKEND, make_folder, write_video

from s2hand.cli import train

LOSSES = ["tsa_poses", "open_2dj", "mscale", "open_bone_direc", "hm_integral", "kp_cons",
          "triangle", "mshape", "texture", "mtex", "mrgb", "temporal_smooth"]
REQUIRES = ["heatmaps", "joints", "verts", "textures", "lights"]


def write_config(tmp_path, root, **extra):
    cfg = {"train_datasets": ["Folder"], "val_datasets": ["Folder"],
           "folder_base_path": str(root),
           "folder": {"backend": FAKE_BACKEND, "holdout_every": 4},
           "encoder": "small-cnn", "encoder_input_size": 64, "base_out_path": str(tmp_path / "out"),
           "train_queries": ["trans_images", "trans_Ks", "trans_open_2dj"],
           "val_queries": ["images", "Ks", "open_2dj"], "losses": LOSSES,
           "train_requires": REQUIRES, "test_requires": REQUIRES, "freeze_hm_estimator": False,
           "total_epochs": 1, "max_iters_per_epoch": 2, "train_batch": 2, "val_batch": 4,
           "num_workers": 0, "demo_freq": 1, "demo_freq_evaluation": 1, "seed": 0, **extra}
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(cfg))
    return path


def test_mixed_with_freihand_every_stage_and_label_free_scores(tmp_path):
    root = make_folder(tmp_path / "folder", with_hand=5, without=1, left=2)
    write_video(root / "v.avi", frames=4)
    frei = tmp_path / "frei"
    frei.mkdir()
    write_freihand(frei, n_train=4, n_eval=2, versions=1)
    path = write_config(tmp_path, root, train_datasets=["FreiHand", "Folder"],
                        freihand_base_path=str(frei),
                        # FreiHAND batches have no video frames: no temporal term for them
                        losses_frei=LOSSES[:-1],
                        folder={"backend": FAKE_BACKEND, "holdout_every": 4, "clip_frames": 2})
    assert train.main(["--config_json", str(path)]) == 0
    out = tmp_path / "out"
    scores = json.loads((out / "scores.json").read_text())
    for stage in (scores["initial"], scores):
        assert stage["samples"] == 2.0  # 11 usable hands (7 images + 4 frames), every 4th held out
        for key in ("reprojection_px", "reprojection_pck_10px", "detection_agreement_px",
                    "photometric_l1", "silhouette_outside_box"):
            assert key in stage and stage[key] >= 0
    assert list((out / "pic" / "test").glob("*.png")) and list((out / "pic" / "train").glob("*"))
    log = (out / "train.log").read_text()
    assert "left hands mirrored" in log and "1 without a confident hand skipped" in log
    assert ("clips of up to 2 neighbouring frames (runs of video frames: 1; still images, "
            "clips of one: 6)") in log


@pytest.mark.parametrize("make, message", [
    (lambda root: (root / "a.txt").write_text("x"), "no images"),
    (lambda root: make_folder(root, with_hand=0, without=3, left=0), "no confident hand"),
    (lambda root: (root / "clip.mp4").write_bytes(b"garbage"), "cannot be opened as a video"),
])
def test_bad_folders_fail_with_one_clear_message(tmp_path, capsys, make, message):
    root = tmp_path / "folder"
    root.mkdir()
    make(root)
    code = train.main(["--config_json", str(write_config(tmp_path, root))])
    err = capsys.readouterr().err
    assert code == 1
    assert message in err and "Traceback" not in err


def test_a_missing_folder_or_a_bad_key_is_a_usage_error(tmp_path, capsys):
    path = write_config(tmp_path, tmp_path / "nowhere")
    assert train.main(["--config_json", str(path), "--check"]) == 2
    assert "expected your folder of hand images/videos" in capsys.readouterr().err
    path = write_config(tmp_path, tmp_path, folder={"left_hands": "both"})
    assert train.main(["--config_json", str(path), "--check"]) == 2
    err = capsys.readouterr().err
    assert "folder.left_hands" in err and "Traceback" not in err
