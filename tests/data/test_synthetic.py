import json
import pickle

import numpy as np
import pytest
import torch

from s2hand.data import FreiHandDataset, HO3DDataset, build_dataset, normalize_batch
from s2hand.data.batch import project_points
from s2hand.data.errors import DataError
from s2hand.data.synthetic import DetectionNoise, ensure_synthetic, generate_synthetic
from s2hand.data.synthetic.noise import joint_sigma, noisy_detections
from s2hand.hand.layer import ManoLayer
from s2hand.hand.pose_bounds import bound_violation

FREI_QUERIES = ("images", "Ks", "joints", "verts", "open_2dj", "masks", "scales", "manos")
AUG_QUERIES = ("trans_images", "trans_Ks", "trans_open_2dj", "joints", "verts", "masks")


@pytest.fixture(scope="module")
def layer():
    return ManoLayer(None, use_pca=False)


@pytest.fixture(scope="module")
def synth_frei(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth_frei")
    generate_synthetic("freihand", root, 8, 4, seed=3, num_versions=2, batch_size=8)
    return root


@pytest.fixture(scope="module")
def synth_ho3d(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth_ho3d")
    generate_synthetic("ho3d", root, 5, 3, seed=3, frames_per_seq=3, batch_size=8)
    return root


def _mesh_mask(verts: np.ndarray, faces: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Exact silhouette of the mesh at integer pixel centres (OpenCV convention)."""
    uvw = verts @ K.T
    uv = uvw[:, :2] / uvw[:, 2:]
    mask = np.zeros((224, 224), bool)
    for a, b, c in uv[faces]:
        lo = np.maximum(np.floor(np.minimum(np.minimum(a, b), c)), 0).astype(int)
        hi = np.minimum(np.ceil(np.maximum(np.maximum(a, b), c)), 223).astype(int)
        ys, xs = np.mgrid[lo[1]:hi[1] + 1, lo[0]:hi[0] + 1]
        p = np.stack([xs, ys], -1).astype(float)
        d = [(q[0] - p0[0]) * (p[..., 1] - p0[1]) - (q[1] - p0[1]) * (p[..., 0] - p0[0])
             for p0, q in ((a, b), (b, c), (c, a))]
        inside = ((d[0] >= 0) & (d[1] >= 0) & (d[2] >= 0)) | ((d[0] <= 0) & (d[1] <= 0)
                                                              & (d[2] <= 0))
        mask[ys[inside], xs[inside]] = True
    return mask


def _centroid(mask: np.ndarray) -> np.ndarray:
    v, u = np.nonzero(mask)
    return np.array([u.mean(), v.mean()])


def test_freihand_layout_queries_and_render_geometry(synth_frei, layer):
    ds = FreiHandDataset(synth_frei, "training", FREI_QUERIES, versions=("gs", "hom"))
    assert len(ds) == 16
    faces = layer.faces.numpy()
    for i in (0, 5, 9):
        s = ds[i]
        assert s["images"].shape == (3, 224, 224) and s["verts"].shape[1] == 3
        assert s["manos"].shape == (61,)
        j = s["joints"].double()
        assert 0.4 < j[:, 2].min() and j[:, 2].max() < 1.2  # metres, in front of the camera
        bone = torch.linalg.norm(j[9] - j[10]).item()
        assert bone == pytest.approx(s["scales"], rel=1e-4)
        uv = project_points(j[None], s["Ks"][None].double())[0]
        assert uv.min() > 0 and uv.max() < 224  # hand fully visible
        # the rendered mask is the silhouette of the GT mesh under the GT K
        mesh = _mesh_mask(s["verts"].double().numpy(), faces, s["Ks"].double().numpy())
        mask = s["masks"][0].numpy() > 0.5
        assert (mask & mesh).sum() / (mask | mesh).sum() > 0.92
        # no half-pixel offset between the image content and K (OpenCV pixel centres)
        assert np.abs(_centroid(mask) - _centroid(mesh)).max() < 0.2
        conf = s["open_2dj_con"]
        err = (s["open_2dj"].double() - uv).norm(dim=1)[conf > 0]
        assert err.median() < 6.0


def test_freihand_augmented_geometry(synth_frei, layer):
    torch.manual_seed(0)
    ds = FreiHandDataset(synth_frei, "training", AUG_QUERIES)
    b = normalize_batch(torch.utils.data.default_collate([ds[i] for i in range(4)]), "FreiHand")
    faces = layer.faces.numpy()
    for k in range(4):
        mesh = _mesh_mask(b.gt_vertices[k].double().numpy(), faces,
                          b.intrinsics[k].double().numpy())
        mask = b.gt_masks[k, 0].numpy() > 0.5
        assert (mask & mesh).sum() / (mask | mesh).sum() > 0.9
        assert np.abs(_centroid(mask) - _centroid(mesh)).max() < 0.3
    # the rotated detections and the rotated GT agree as well as the unrotated ones do
    con = b.detection_conf > 0.3
    assert (b.gt_joints_2d - b.detections).norm(dim=-1)[con].median() < 6.0


def test_freihand_mano_vector_and_pose_bounds(synth_frei, layer):
    mano = np.asarray(json.load(open(synth_frei / "training_mano.json")))[:, 0]
    xyz = np.asarray(json.load(open(synth_frei / "training_xyz.json")))
    K = np.asarray(json.load(open(synth_frei / "training_K.json")))
    out = layer(torch.as_tensor(mano[:, :3]).float(), torch.as_tensor(mano[:, 3:48]).float(),
                torch.as_tensor(mano[:, 48:58]).float())
    # FreiHAND's root recovery: xyz_9 = [uv - pp, focal] / scale, then the hand is placed there
    focal = 0.5 * (K[:, 0, 0] + K[:, 1, 1])
    root = np.concatenate([mano[:, 58:60] - K[:, :2, 2], focal[:, None]], 1) / mano[:, 60:]
    joints = out.joints.double().numpy()
    np.testing.assert_allclose(joints - joints[:, 9:10] + root[:, None], xyz, atol=2e-4)
    assert bound_violation(out.full_pose.double().numpy())[:, 1:].max() < 1e-5


def test_ho3d_layout_meta_and_crop(synth_ho3d):
    lines = (synth_ho3d / "train.txt").read_text().split()
    assert lines[:2] == ["SYNT00/0000", "SYNT00/0001"] and len(lines) == 5
    assert lines[3] == "SYNT01/0000"
    meta = pickle.load(open(synth_ho3d / "train/SYNT00/meta/0001.pkl", "rb"))
    for key in ("handPose", "handBeta", "handTrans", "handJoints3D", "camMat", "objRot",
                "objName", "objCorners3D", "camIDList"):
        assert key in meta
    assert meta["handJoints3D"][:, 2].max() < 0  # OpenGL: the hand is at z < 0
    # the MANO fields reproduce the joints with HO3D's convention (flat_hand_mean=True)
    layer = ManoLayer(None, use_pca=False, flat_hand_mean=True, joint_order="ho3d")
    out = layer(torch.as_tensor(meta["handPose"][None, :3]),
                torch.as_tensor(meta["handPose"][None, 3:]),
                torch.as_tensor(meta["handBeta"][None]), torch.as_tensor(meta["handTrans"][None]))
    np.testing.assert_allclose(out.joints[0].numpy(), meta["handJoints3D"], atol=2e-4)
    ds = HO3DDataset(synth_ho3d, "training", ("trans_images", "trans_Ks", "trans_open_2dj",
                                              "joints"))
    b = normalize_batch(torch.utils.data.default_collate([ds[i] for i in range(5)]), "HO3D")
    assert b.images.shape == (5, 3, 224, 224)
    assert b.gt_joints_2d.min() > 0 and b.gt_joints_2d.max() < 224
    con = b.detection_conf > 0.3
    assert (b.gt_joints_2d - b.detections).norm(dim=-1)[con].median() < 6.0


def test_ho3d_evaluation_split(synth_ho3d):
    meta = pickle.load(open(synth_ho3d / "evaluation/SYNE00/meta/0002.pkl", "rb"))
    assert meta["handJoints3D"].shape == (3,) and meta["handBoundingBox"].shape == (4,)
    gt = np.asarray(json.load(open(synth_ho3d / "evaluation_xyz.json")))
    np.testing.assert_allclose(gt[2, 0], meta["handJoints3D"], atol=1e-5)
    ds = build_dataset("HO3D", "evaluation", synth_ho3d,
                       ("trans_images", "trans_Ks", "joints", "verts"))
    b = normalize_batch(torch.utils.data.default_collate([ds[i] for i in range(3)]), "HO3D")
    assert b.gt_joints_2d.min() > 0 and b.gt_joints_2d.max() < 224
    assert b.gt_vertices[:, :, 2].min() > 0  # converted to OpenCV like the joints
    wrist = b.gt_joints[:, 0]
    assert (b.gt_vertices - wrist[:, None]).norm(dim=-1).max() < 0.3


def test_generation_is_deterministic(tmp_path):
    for name in ("a", "b"):
        generate_synthetic("freihand", tmp_path / name, 2, 1, seed=5, num_versions=2)
    for rel in ("training/rgb/00000003.jpg", "evaluation/rgb/00000000.jpg", "training_xyz.json",
                "openpose_v2/training/detect_all.json", "training/mask/00000001.jpg"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_ensure_synthetic(tmp_path, synth_frei):
    assert ensure_synthetic("freihand", synth_frei, 8, 4, seed=3) is False
    with pytest.raises(DataError, match="num_train: 8 on disk, 9 wanted"):
        ensure_synthetic("freihand", synth_frei, 9, 4, seed=3)
    (tmp_path / "training_K.json").write_text("[]")  # a real dataset: left alone
    assert ensure_synthetic("freihand", tmp_path, 8, 4) is False


def test_detection_noise_statistics():
    rng = np.random.default_rng(0)
    noise = DetectionNoise(sigma_px=3.0, miss_prob=0.05, outlier_prob=0.02, quantize=False)
    uv = rng.uniform(40, 180, size=(4000, 21, 2))
    xy, conf = noisy_detections(uv, (224, 224), noise, rng)
    missed = conf == 0
    assert missed.mean() == pytest.approx(0.05, abs=0.005)
    assert (xy[missed] == 0).all()
    err = np.linalg.norm(xy - uv, axis=-1)
    outlier = ~missed & (err > 6 * joint_sigma(noise)[None])
    assert outlier.mean() == pytest.approx(0.02 * 0.95, abs=0.004)
    inlier = ~missed & ~outlier
    d = (xy - uv)[inlier]
    sig = np.broadcast_to(joint_sigma(noise)[None], inlier.shape)[inlier]
    assert (d / sig[:, None]).std() == pytest.approx(1.0, abs=0.03)
    # confidence falls with the error
    assert np.corrcoef(err[inlier] / sig, conf[inlier])[0, 1] < -0.2
    # joints outside the image are always missed
    uv[0, 0] = (-5, 100)
    _, conf = noisy_detections(uv[:1], (224, 224), noise, rng)
    assert conf[0, 0] == 0


def test_poses_are_varied_but_learnable(layer):
    """PA-MPJPE of the mean pose (a predictor that learned nothing) and of the right pose with
    the mean shape (what use_mean_shape=True can reach) on generated hands: the first must be
    well above the second, so that training has something to reduce."""
    from s2hand.data.synthetic.scene import SceneParams, sample_hands
    from s2hand.evaluation.procrustes import align_w_scale

    hands = sample_hands(layer, SceneParams(), np.random.default_rng(0), 64)
    gt = hands.joints - hands.transl[:, None]
    orient = torch.as_tensor(hands.global_orient).float()
    with torch.no_grad():
        mean_pose = layer(orient, torch.zeros(64, 45)).joints.double().numpy()
        mean_shape = layer(orient, torch.as_tensor(hands.hand_pose).float()).joints.double().numpy()

    def pa_mpjpe(pred):
        return np.linalg.norm(align_w_scale(gt, pred) - gt, axis=-1).mean() * 1000

    assert 8.0 < pa_mpjpe(mean_pose) < 30.0
    assert pa_mpjpe(mean_shape) < 4.0
