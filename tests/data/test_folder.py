"""The Folder dataset: scanning, first-use detection cache, selection, crops, splits, K."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
import torch
from folder_fixtures import FAKE_BACKEND, fake_keypoints, make_folder, write_image, write_video
from torch.utils.data._utils.collate import default_collate

from s2hand.config import config_from_dict
from s2hand.data import build_dataset, normalize_batch
from s2hand.data.errors import DataError
from s2hand.data.folder_index import scan_folder
from s2hand.experiment.data import dataset_options
from s2hand.experiment.folder_prep import prepare_folder
from s2hand.render.projection import project_points

QUERIES = ["trans_images", "trans_Ks", "trans_open_2dj"]


def folder_config(root, **folder):
    folder = {"backend": FAKE_BACKEND, "crop_jitter": 0.0, "holdout_every": 3, **folder}
    return config_from_dict({"train_datasets": ["Folder"], "val_datasets": ["Folder"],
                             "folder_base_path": str(root), "folder": folder,
                             "train_queries": QUERIES, "val_queries": ["images", "Ks", "open_2dj"],
                             "losses": ["open_2dj"]}, check_paths=False)


def build(config, split="training"):
    return build_dataset("Folder", split, config.folder_base_path, QUERIES,
                         dataset_options(config, split))


def test_scan_names_tree_and_videos_and_excludes_the_cache(tmp_path):
    root = make_folder(tmp_path / "f", with_hand=2, without=1, left=1)
    write_video(root / "clips" / "a.avi", frames=4)
    (root / "clips" / "broken.mp4").write_bytes(b"not a video")
    (root / "notes.txt").write_text("ignored")
    items, problems = scan_folder(root, root / ".s2hand_cache", video_every=2)
    names = [i.name for i in items]
    assert "sub__left_00.jpg" in names and "img_00.png" in names
    frames = [i for i in items if i.sequence >= 0]
    assert [i.frame for i in frames] == [0, 2]
    assert frames[0].name == "clips__a.avi__000000.png" and frames[0].path.is_file()
    assert len(problems) == 1 and "broken.mp4" in problems[0]
    # The extracted frames live in the cache, which a rescan does not list as images.
    again, _ = scan_folder(root, root / ".s2hand_cache", video_every=2)
    assert [i.name for i in again] == names


def test_empty_or_missing_folder_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(DataError, match="no images .* or videos"):
        scan_folder(tmp_path / "empty", tmp_path / "c")
    with pytest.raises(DataError, match="is not a folder"):
        scan_folder(tmp_path / "missing", tmp_path / "c")


def test_first_use_detects_caches_and_counts_what_it_skips(tmp_path, caplog):
    root = make_folder(tmp_path / "f", with_hand=6, without=2, left=2)
    (root / "bad.jpg").write_bytes(b"\xff\xd8 truncated")
    config = folder_config(root)
    caplog.set_level(logging.INFO)
    settings = prepare_folder(config)
    cache = root / ".s2hand_cache"
    assert settings.detections == cache / "detect.json" and settings.sides == cache / "sides.json"
    sides = json.loads(settings.sides.read_text())
    assert sides["sub__left_00.jpg"] == "left" and sides["img_00.png"] == "right"
    assert "bad.jpg" in caplog.text and "counted as no hand" in caplog.text
    train, held = build(config), build(config, "evaluation")
    # 8 hands (2 left, mirrored); 3 without (2 empty, 1 unreadable); every 3rd usable held out.
    assert len(train) + len(held) == 8 and len(held) == 2
    assert not set(train.names) & set(held.names)
    assert "3 without a confident hand skipped, 2 left hands mirrored" in caplog.text
    assert "default field of view 60 deg" in caplog.text
    # The same hands for s2hand-predict --hands, keyed as it names its inputs.
    hands = json.loads((cache / "predict_hands.json").read_text())
    assert len(hands) == 8 and hands["left_00.jpg"]["hands"][0]["side"] == "left"
    assert np.allclose(hands["img_00.png"]["hands"][0]["keypoints"], fake_keypoints(), atol=0.01)
    # A second preparation reads the cache instead of detecting again.
    stamp = settings.detections.stat().st_mtime_ns
    prepare_folder(config)
    assert settings.detections.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("policy, expected", [("skip", 6), ("right", 8)])
def test_left_hand_policies(tmp_path, policy, expected):
    config = folder_config(make_folder(tmp_path / "f"), left_hands=policy)
    train, held = build(config), build(config, "evaluation")
    assert len(train) + len(held) == expected
    assert not train.mirrored.any()


def test_sample_crop_is_exact_and_normalises_to_a_hand_batch(tmp_path):
    K_full = np.array([[150.0, 0, 58.0], [0, 150.0, 44.0], [0, 0, 1]])
    root = make_folder(tmp_path / "f", with_hand=3, without=0, left=2)
    (tmp_path / "K.json").write_text(json.dumps({"K": K_full.tolist()}))
    config = folder_config(root, intrinsics=str(tmp_path / "K.json"), holdout_every=2)
    ds = build(config, "evaluation")
    assert ds.mirrored.tolist() == [False, True] or ds.mirrored.tolist() == [True, False]
    samples = [ds[i] for i in range(len(ds))]
    batch = normalize_batch(default_collate(samples), "Folder")
    assert batch.images.shape == (2, 3, 224, 224) and batch.dataset == ["Folder"] * 2
    assert batch.sequence_ids.tolist() == [-1, -1]
    assert torch.allclose(batch.texture_weight, torch.full((2,), 0.9))
    # A 3D point on the ray of a detected keypoint projects onto that keypoint in the crop
    # (mirrored crops included): K_crop = A K exactly.
    uv = fake_keypoints()[3]
    ray = np.linalg.solve(K_full, np.array([uv[0], uv[1], 1.0])) * 0.6
    for k in range(2):
        X = ray * ([-1.0, 1.0, 1.0] if ds.mirrored[k] else 1.0)
        proj = project_points(torch.tensor(X, dtype=torch.float32)[None, None],
                              batch.intrinsics[k:k + 1])[0, 0]
        # (detection files keep 2 decimals)
        assert torch.allclose(proj, batch.detections[k, 3], atol=1e-2)
    # The hand sits in the middle of the crop, as the training data is cropped.
    assert torch.allclose(batch.detections.mean(1), torch.full((2, 2), 111.5), atol=1.0)


def test_per_image_intrinsics_and_malformed_files(tmp_path):
    root = make_folder(tmp_path / "f", with_hand=3, without=0, left=0)
    K = [[200.0, 0, 60], [0, 200.0, 45], [0, 0, 1]]
    per_image = {f"img_{k:02d}.png": K for k in range(3)}
    (tmp_path / "K.json").write_text(json.dumps(per_image))
    ds = build(folder_config(root, intrinsics=str(tmp_path / "K.json")))
    assert ds[0]["trans_Ks"][0, 0] > 0
    del per_image["img_00.png"]
    (tmp_path / "K2.json").write_text(json.dumps(per_image))
    ds = build(folder_config(root, intrinsics=str(tmp_path / "K2.json"), holdout_every=10))
    with pytest.raises(DataError, match="no entry for 'img_00.png'"):
        ds[0]
    (tmp_path / "K3.json").write_text(json.dumps({"K": [[1, 2], [3, 4]]}))
    with pytest.raises(DataError, match=r"K3.json: \['K'\]: expected a 3x3 matrix"):
        build(folder_config(root, intrinsics=str(tmp_path / "K3.json")))


def test_no_hand_anywhere_is_a_clear_error(tmp_path):
    config = folder_config(make_folder(tmp_path / "f", with_hand=0, without=3, left=0))
    with pytest.raises(DataError, match="no confident hand in any of the 3 images"):
        build(config)


def test_an_existing_detection_file_is_used_as_given(tmp_path):
    from s2hand.detect.openpose_file import write_openpose

    root = tmp_path / "f"
    for k in range(4):
        write_image(root / f"p{k}", hand=False)   # the fake detector would find nothing
    det = tmp_path / "mine.json"
    xy = np.stack([fake_keypoints()] * 4)
    write_openpose(det, [f"p{k}.png" for k in range(4)], xy, np.full((4, 21), 0.8))
    config = folder_config(root, detections=str(det), holdout_every=2)
    assert prepare_folder(config).sides is None
    assert len(build(config)) == 2 and not (root / ".s2hand_cache" / "detect.json").exists()


def test_video_frames_carry_their_sequence_and_frame(tmp_path):
    root = tmp_path / "f"
    write_video(root / "v.avi", frames=6)
    config = folder_config(root, holdout_every=6)
    sample = build(config)[1]
    assert sample["sequence_ids"] == 0 and sample["frame_index"] == 1
    hands = json.loads((root / ".s2hand_cache" / "predict_hands.json").read_text())
    assert sorted(hands)[:2] == ["v_000000", "v_000001"]


def test_mediapipe_on_a_real_photograph(tmp_path):
    """The real detector through the Folder cache: the person's left hand is mirrored."""
    import shutil
    from pathlib import Path

    photo = Path(__file__).resolve().parents[1] / "detect/data/opencv_calib_right04.jpg"
    root = tmp_path / "f"
    root.mkdir()
    shutil.copy(photo, root / "photo.jpg")
    shutil.copy(photo, root / "photo2.jpg")
    config = folder_config(root, backend="mediapipe", holdout_every=2)
    settings = prepare_folder(config)
    assert json.loads(settings.sides.read_text()) == {"photo.jpg": "left", "photo2.jpg": "left"}
    ds = build(config)
    assert len(ds) == 1 and ds.mirrored.all()
