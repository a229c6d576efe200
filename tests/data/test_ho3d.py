import pickle

import numpy as np
import pytest
import torch
from data_fixtures import MARK_JOINT

from s2hand.data import DataError, HO3DDataset, UnsafePickleError, normalize_batch
from s2hand.data.batch import project_points
from s2hand.data.ho3d import frei_to_ho3d, ho3d_to_frei, opengl_to_opencv
from s2hand.hand.joint_orders import FREI_TO_HO3D, HO3D_TO_FREI

QUERIES = ("trans_images", "trans_Ks", "trans_open_2dj", "joints", "trans_joints2d")


def _mark(img: torch.Tensor) -> np.ndarray:
    m = img.min(0).values
    v, u = torch.nonzero(m > 0.6, as_tuple=True)
    w = m[v, u]
    return np.array([(u * w).sum() / w.sum(), (v * w).sum() / w.sum()])


def test_joint_maps_are_inverse_and_frames_convert_both_ways():
    x = np.random.default_rng(0).normal(size=(4, 21, 3))
    np.testing.assert_array_equal(frei_to_ho3d(ho3d_to_frei(x)), x)
    np.testing.assert_array_equal(ho3d_to_frei(frei_to_ho3d(x)), x)
    assert sorted(HO3D_TO_FREI) == list(range(21))
    assert [HO3D_TO_FREI[FREI_TO_HO3D[i]] for i in range(21)] == list(range(21))
    np.testing.assert_array_equal(opengl_to_opencv(opengl_to_opencv(x)), x)
    gl = np.array([[0.01, 0.02, -0.5]])  # OpenGL: in front of the camera has z < 0
    cv = opengl_to_opencv(gl)
    assert cv[0, 2] > 0 and cv[0, 1] == -0.02


def test_training_crop_is_consistent(ho3d):
    root, gt = ho3d
    torch.manual_seed(0)
    ds = HO3DDataset(root, "training", QUERIES)
    assert len(ds) == 6
    for i in range(len(ds)):
        s = ds[i]
        assert s["trans_images"].shape == (3, 224, 224)
        j_cv = s["joints"].double()
        assert j_cv[:, 2].min() > 0  # OpenCV frame
        expected = ho3d_to_frei(opengl_to_opencv(gt["training"]["xyz_gl"][i]))
        np.testing.assert_allclose(j_cv.numpy(), expected, atol=1e-6)
        uv = project_points(j_cv[None], s["trans_Ks"][None].double())[0]
        assert (uv - s["trans_joints2d"].double()).abs().max() < 1e-3
        # fixture detections are the GT projections: crop-transformed detections agree
        assert (uv - s["trans_open_2dj"].double()).abs().max() < 0.05
        assert np.abs(_mark(s["trans_images"]) - uv[MARK_JOINT].numpy()).max() < 1.0
        # the whole hand is inside the crop
        assert uv.min() > 0 and uv.max() < 224


def test_evaluation_crop_is_deterministic_training_crop_is_not(ho3d):
    root, _ = ho3d
    ev = HO3DDataset(root, "evaluation", ("trans_images", "trans_Ks", "joints"))
    torch.manual_seed(0)
    a = ev[2]["trans_Ks"]
    torch.manual_seed(1)
    assert torch.equal(a, ev[2]["trans_Ks"])
    s = ev[2]
    uv = project_points(s["joints"][None].double(), s["trans_Ks"][None].double())[0]
    assert np.abs(_mark(s["trans_images"]) - uv[MARK_JOINT].numpy()).max() < 1.0
    tr = HO3DDataset(root, "training", QUERIES)
    torch.manual_seed(0)
    b = tr[2]["trans_Ks"]
    torch.manual_seed(1)
    assert not torch.equal(b, tr[2]["trans_Ks"])


def test_normalized_batch_ho3d_and_batch_size_one(ho3d):
    root, _ = ho3d
    ds = HO3DDataset(root, "training", QUERIES)
    b = normalize_batch(torch.utils.data.default_collate([ds[3]]), "HO3D")
    assert b.images.shape == (1, 3, 224, 224) and b.detection_conf.shape == (1, 21)
    assert b.texture_weight.shape == (1,)
    assert b.texture_weight.item() == pytest.approx(0.9)
    assert b.gt_joints.shape == (1, 21, 3) and b.dataset == ["HO3D"]
    assert (b.gt_joints_2d - b.detections).abs().max() < 0.05


def test_disallowed_class_in_meta(tmp_path):
    from data_fixtures import write_ho3d
    write_ho3d(tmp_path, seqs=1, frames=2)
    meta = tmp_path / "train/TSQ0/meta/0001.pkl"
    pickle.dump({"camMat": np.eye(3), "x": _Evil()}, open(meta, "wb"), protocol=2)
    ds = HO3DDataset(tmp_path, "training", QUERIES)
    with pytest.raises(UnsafePickleError, match=r"0001\.pkl.*\.system, which is not allowed"):
        ds[1]
    assert ds[0]["joints"].shape == (21, 3)


def test_bad_index_and_meta_fields(tmp_path):
    from data_fixtures import write_ho3d
    write_ho3d(tmp_path, seqs=1, frames=2)
    pickle.dump({"camMat": np.eye(3)}, open(tmp_path / "train/TSQ0/meta/0000.pkl", "wb"))
    ds = HO3DDataset(tmp_path, "training", QUERIES, crop_source="gt")
    with pytest.raises(DataError, match=r"0000\.pkl: meta has no 'handJoints3D'"):
        ds[0]
    (tmp_path / "train.txt").write_text("TSQ0/0000\nbroken line\n")
    with pytest.raises(DataError, match=r"train\.txt:2"):
        HO3DDataset(tmp_path, "training", QUERIES)


class _Evil:
    def __reduce__(self):
        import os
        return (os.system, ("echo unsafe",))


def test_truncated_frame_skip_policy(tmp_path):
    from data_fixtures import write_ho3d
    write_ho3d(tmp_path, seqs=1, frames=3)
    frame = tmp_path / "train/TSQ0/rgb/0001.png"
    frame.write_bytes(frame.read_bytes()[:5000])
    with pytest.raises(DataError, match=r"0001\.png: cannot be decoded"):
        HO3DDataset(tmp_path, "training", QUERIES)[1]
    ds = HO3DDataset(tmp_path, "training", QUERIES, on_bad_image="skip")
    with pytest.warns(UserWarning, match=r"0001\.png"):
        assert ds[1]["idxs"] == 2
    assert len(ds.skipped_files) == 1


def test_v3_jpg_frames_and_worker_loading(tmp_path):
    from data_fixtures import write_ho3d
    write_ho3d(tmp_path, seqs=1, frames=4, ext=".jpg")
    ds = HO3DDataset(tmp_path, "training", QUERIES, version="v3")
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2, timeout=120)
    batches = [normalize_batch(raw, "HO3D") for raw in loader]
    assert [b.images.shape[0] for b in batches] == [2, 2]
    for b in batches:
        assert (b.gt_joints_2d - b.detections).abs().max() < 0.05
