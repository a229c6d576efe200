import math
import warnings

import numpy as np
import pytest
import torch
from data_fixtures import MARK_JOINT, write_freihand

from s2hand.data import (
    AugmentParams,
    CorruptImageError,
    DetectionsError,
    FreiHandDataset,
    MissingFileError,
    normalize_batch,
)
from s2hand.data.batch import project_points

ALL = ("images", "Ks", "joints", "verts", "open_2dj", "masks", "scales", "manos")
TRANS = ("trans_images", "trans_Ks", "trans_open_2dj", "trans_joints", "trans_verts",
         "trans_masks")


def _mark_position(img: torch.Tensor) -> np.ndarray:
    """Centroid (u, v) of the bright marker square (values > 0.6 in every channel)."""
    bright = (img.min(0).values > 0.6).float()
    v, u = torch.nonzero(bright, as_tuple=True)
    w = img.min(0).values[v, u]
    return np.array([(u * w).sum() / w.sum(), (v * w).sum() / w.sum()])


def test_plain_queries_shapes_units_frames(freihand):
    root, gt = freihand
    ds = FreiHandDataset(root, "training", ALL)
    assert len(ds) == 6
    s = ds[4]
    assert s["images"].shape == (3, 224, 224) and s["images"].dtype == torch.float32
    assert 0.0 <= s["images"].min() and s["images"].max() <= 1.0
    assert s["Ks"].shape == (3, 3) and s["joints"].shape == (21, 3)
    assert s["verts"].shape == (30, 3) and s["masks"].shape == (1, 224, 224)
    assert s["manos"].shape == (61,) and s["open_2dj"].shape == (21, 2)
    assert s["open_2dj_con"].shape == (21,)
    np.testing.assert_allclose(s["joints"].numpy(), gt["training"]["xyz"][4], atol=1e-6)
    assert s["joints"][:, 2].min() > 0.3  # metres, OpenCV frame (in front of the camera)
    assert s["scales"] == pytest.approx(gt["training"]["scale"][4])
    assert set(s["masks"].unique().tolist()) <= {0.0, 1.0}
    # detections are noise-free in the fixture: they are the GT projection
    uv = project_points(s["joints"][None].double(), s["Ks"][None].double())[0]
    assert (uv - s["open_2dj"].double()).abs().max() < 0.01
    # the image marker sits at the projected joint
    assert np.abs(_mark_position(s["images"]) - uv[MARK_JOINT].numpy()).max() < 1.0


@pytest.mark.parametrize("params", [AugmentParams(),
                                    AugmentParams(math.pi, 0.2, 15.0, 0.3)])
def test_augmented_queries_are_consistent(freihand, params):
    root, _ = freihand
    torch.manual_seed(0)
    ds = FreiHandDataset(root, "training", TRANS + ("joints",), augment_params=params)
    angles = []
    for i in range(len(ds)):
        s = ds[i]
        angles.append(s["rot"])
        uv = project_points(s["trans_joints"][None].double(), s["trans_Ks"][None].double())[0]
        # fx != fy in the fixture, so this only holds with K' = A K R^T (not K' = K)
        assert (uv - s["trans_open_2dj"].double()).abs().max() < 0.01
        mark = _mark_position(s["trans_images"])
        assert np.abs(mark - uv[MARK_JOINT].numpy()).max() < 1.0
        # 3D is a pure rotation: bone lengths unchanged
        np.testing.assert_allclose(torch.linalg.norm(s["trans_joints"] - s["trans_joints"][:1],
                                                     dim=1),
                                   torch.linalg.norm(s["joints"] - s["joints"][:1], dim=1),
                                   atol=1e-5)
    assert np.ptp(angles) > 0.5


def test_no_augmentation_at_evaluation(freihand):
    root, gt = freihand
    ds = FreiHandDataset(root, "evaluation", ("trans_images", "images", "Ks", "trans_Ks",
                                               "open_2dj"))
    s = ds[1]
    assert torch.equal(s["trans_images"], s["images"]) and torch.equal(s["trans_Ks"], s["Ks"])
    assert len(ds) == 3


def test_versions_map_to_file_ids(freihand):
    root, _ = freihand
    ds = FreiHandDataset(root, "training", ("images", "open_2dj"), versions=("gs", "auto"))
    assert len(ds) == 12
    tag = [round(float(ds[i]["images"][:, 2, 2].mean()) * 255 / 60) for i in (0, 5, 6, 11)]
    assert tag == [0, 0, 3, 3]
    assert ds[7]["versions"] == 3
    assert ds.det.names[7] == f"{1 + 6 * 3:08d}.jpg"


def test_deterministic_with_seed(freihand):
    root, _ = freihand
    ds = FreiHandDataset(root, "training", TRANS)
    torch.manual_seed(3)
    a = ds[2]["trans_open_2dj"]
    torch.manual_seed(3)
    assert torch.equal(a, ds[2]["trans_open_2dj"])


def test_missing_annotation_file_names_it(tmp_path):
    write_freihand(tmp_path, n_train=2, n_eval=1, versions=1)
    (tmp_path / "training_xyz.json").unlink()
    with pytest.raises(MissingFileError, match="training_xyz.json"):
        FreiHandDataset(tmp_path, "training", ("images", "joints"))
    FreiHandDataset(tmp_path, "training", ("images", "Ks"))  # not needed → fine


def test_evaluation_without_released_gt(tmp_path):
    write_freihand(tmp_path, n_train=2, n_eval=2, versions=1)
    (tmp_path / "evaluation_xyz.json").unlink()
    ds = FreiHandDataset(tmp_path, "evaluation", ("images", "Ks", "open_2dj"))
    assert ds[0]["images"].shape == (3, 224, 224)
    with pytest.raises(MissingFileError, match="evaluation_xyz.json"):
        FreiHandDataset(tmp_path, "evaluation", ("images", "joints"))


def test_detection_file_mismatch(tmp_path):
    write_freihand(tmp_path, n_train=3, n_eval=1, versions=1)
    path = tmp_path / "openpose_v2/training/detect_all.json"
    import json
    xy, conf, names = json.load(open(path))
    json.dump([xy[:2], conf[:2], names[:2]], open(path, "w"))
    with pytest.raises(DetectionsError, match="detect_all.json.*00000002"):
        FreiHandDataset(tmp_path, "training", ("images", "open_2dj"))
    json.dump([xy[:2], conf[:3], names[:3]], open(path, "w"))
    with pytest.raises(DetectionsError, match="detect_all.json: list lengths differ"):
        FreiHandDataset(tmp_path, "training", ("images", "open_2dj"))
    json.dump([xy[:3], conf[:3], ["a.jpg", "b.jpg", "c.jpg"]], open(path, "w"))
    with pytest.raises(DetectionsError, match="no detections for 3 of 3"):
        FreiHandDataset(tmp_path, "training", ("images", "open_2dj"))


def test_truncated_jpeg_fail_or_skip(tmp_path):
    write_freihand(tmp_path, n_train=4, n_eval=1, versions=1)
    bad = tmp_path / "training/rgb/00000001.jpg"
    bad.write_bytes(bad.read_bytes()[:-400])
    ds = FreiHandDataset(tmp_path, "training", ("images",))
    with pytest.raises(CorruptImageError, match="00000001.jpg: truncated JPEG"):
        ds[1]
    ds = FreiHandDataset(tmp_path, "training", ("images",), on_bad_image="skip")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = ds[1]
    assert s["idxs"] == 2
    assert any("00000001.jpg" in str(w.message) and "1 skipped" in str(w.message)
               for w in caught)
    assert ds.skipped_files == [str(bad)]


def test_normalized_batch_freihand(freihand):
    root, _ = freihand
    ds = FreiHandDataset(root, "training", TRANS + ("joints", "scales", "manos"),
                         versions=("gs", "hom"))
    raw = torch.utils.data.default_collate([ds[0], ds[7]])
    b = normalize_batch(raw, "FreiHand")
    assert b["images"].shape == (2, 3, 224, 224) and b["Ks"].shape == (2, 3, 3)
    assert b["open_2dj"].shape == (2, 21, 2) and b["open_2dj_con"].shape == (2, 21)
    assert b["masks"].shape == (2, 1, 224, 224) and b["manos"].shape == (2, 61)
    assert b["dataset"] == ["FreiHand"] * 2 and b["idxs"].tolist() == [0, 7]
    assert torch.equal(b["joints"], raw["trans_joints"])
    assert (b["j2d_gt"] - b["open_2dj"]).abs().max() < 0.01
    con = raw["open_2dj_con"]
    expected = con.mean(1) * torch.tensor([1.1, 0.1])  # gs version vs hom version
    torch.testing.assert_close(b["texture_con"], expected)


def test_semi_ratio_uses_gt_2d(freihand):
    root, gt = freihand
    ds = FreiHandDataset(root, "training", ("open_2dj", "Ks"), semi_ratio=0.5)
    s = ds[1]
    uv = project_points(torch.as_tensor(gt["training"]["xyz"][1])[None], s["Ks"][None].double())
    assert (s["open_2dj"] - uv[0]).abs().max() < 1e-3
    assert s["open_2dj_con"].tolist() == [1.0] * 21
    assert ds[4]["open_2dj_con"].max() < 1.0  # second half: detections
    # texture_con comes from the real detections, before the GT swap (as the original).
    batch = normalize_batch({k: torch.as_tensor(np.asarray(v))[None] for k, v in s.items()
                             if k in ("open_2dj", "open_2dj_con", "Ks", "idxs",
                                      "detection_con")} | {"images": torch.zeros(1, 3, 4, 4)},
                            "FreiHand")
    con = torch.as_tensor(gt["training"]["conf"][1], dtype=torch.float32)
    expected = con.mean() * 1.1 if con.min() > 0.1 else torch.tensor(0.0)
    torch.testing.assert_close(batch["texture_con"][0], expected, atol=1e-4, rtol=0)  # 4 dp file
    assert batch["open_2dj_con"][0].tolist() == [1.0] * 21
