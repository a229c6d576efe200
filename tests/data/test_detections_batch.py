import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from s2hand.data import (
    Detections,
    DetectionsError,
    controlled_subset,
    normalize_batch,
    read_detections,
    write_detections,
)
from s2hand.data.augment import (
    identity_affine,
    rot_z,
    rotation_affine,
    transform_points2d,
)
from s2hand.data.batch import freihand_texture_con
from s2hand.data.crop import CropParams, crop_affine


def test_detections_round_trip_and_select(tmp_path):
    rng = np.random.default_rng(0)
    det = Detections(rng.uniform(0, 224, (3, 21, 2)), rng.uniform(0, 1, (3, 21)),
                     ["00000000.jpg", "00000001.jpg", "00000002.jpg"])
    write_detections(tmp_path / "d.json", det)
    back = read_detections(tmp_path / "d.json")
    np.testing.assert_allclose(back.xy, det.xy, atol=0.006)
    np.testing.assert_allclose(back.conf, det.conf, atol=1e-4)
    sel = back.select(["00000002.png", "00000000.jpg"], "d.json")
    assert sel.names == ["00000002.jpg", "00000000.jpg"]
    np.testing.assert_allclose(sel.xy[0], det.xy[2], atol=0.006)


def test_bad_detection_shapes(tmp_path):
    import json
    path = tmp_path / "d.json"
    json.dump([[[[1, 2]] * 20], [[[0.5]] * 20], ["a.jpg"]], open(path, "w"))
    with pytest.raises(DetectionsError, match="d.json: each entry must have 21"):
        read_detections(path)
    json.dump([[[[1, 2]] * 21] * 2, [[[0.5]] * 21] * 2, ["a.jpg", "a.png"]], open(path, "w"))
    with pytest.raises(DetectionsError, match="'a' appears more than once"):
        read_detections(path)
    json.dump({"xy": []}, open(path, "w"))
    with pytest.raises(DetectionsError, match="expected a JSON list"):
        read_detections(path)


def test_rotation_about_principal_point_keeps_isotropic_K():
    K = np.array([[500.0, 0, 100.3], [0, 500.0, 117.9], [0, 0, 1]])
    A = rotation_affine(K, 0.7)
    np.testing.assert_allclose(A @ K @ rot_z(0.7).T, K, atol=1e-9)
    # the principal point is the fixed point of A
    np.testing.assert_allclose(A @ np.array([100.3, 117.9, 1.0]), [100.3, 117.9, 1.0])


def test_missed_detections_stay_at_origin():
    uv = np.array([[10.0, 20.0], [0.0, 0.0]])
    A = rotation_affine(np.eye(3), 1.0, 1.0, (5.0, 5.0))
    out = transform_points2d(A, uv, np.array([0.8, 0.0]))
    assert out[1].tolist() == [0.0, 0.0] and out[0].tolist() != [10.0, 20.0]
    assert identity_affine().angle == 0.0


def test_crop_affine_rules():
    uv = np.array([[300.0, 200.0], [340.0, 260.0]])
    A = crop_affine(uv, (640, 480))
    # deterministic crop: box centre maps to the crop centre, factor 0.85 of 224/size
    np.testing.assert_allclose(A @ [320, 230, 1], [112, 112, 1])
    half = max(340 + 10 - 320, 260 + 10 - 230)
    assert A[0, 0] == pytest.approx(224 / (4 * half) * 0.85)
    tiny = crop_affine(np.array([[10.0, 10.0]]), (640, 480), CropParams())
    assert tiny[0, 0] == pytest.approx(224 / 50 * 0.85)  # side 4 * 10 = 40 clamped to 50
    rng = np.random.default_rng(0)
    no_shift = CropParams(center_std=0.0)
    scales = [crop_affine(uv, (640, 480), no_shift, rng)[0, 0] / (224 / (4 * half))
              for _ in range(50)]
    assert 0.8 < min(scales) and max(scales) <= 0.9


def test_texture_con_rules():
    con = torch.full((3, 21), 0.5)
    con[1, 4] = 0.05  # one weak joint switches the appearance losses off
    t = freihand_texture_con(con, torch.tensor([0, 0, 2]))
    torch.testing.assert_close(t, torch.tensor([0.55, 0.0, 0.05]))
    raw = {"images": torch.zeros(1, 3, 224, 224), "Ks": torch.eye(3)[None],
           "idxs": torch.tensor([4]), "open_2dj": torch.zeros(1, 21, 2),
           "open_2dj_con": torch.full((1, 21, 1), 0.5)}
    b = normalize_batch(raw, "FreiHand")
    assert b.texture_weight.shape == (1,) and b.texture_weight.item() == pytest.approx(0.55)
    with pytest.raises(KeyError, match="needs images and intrinsics"):
        normalize_batch({"idxs": torch.tensor([0])}, "FreiHand")


def test_controlled_subset_splits_the_size_between_datasets():
    sub = controlled_subset(TensorDataset(torch.arange(100)), 30, 2)
    assert len(sub) == 15 and sub[14][0].item() == 14
