import numpy as np
import pytest
import torch

from s2hand.evaluation import (
    FREIHAND_KEYS,
    HO3D_KEYS,
    EvaluationInputError,
    evaluate,
    evaluate_predictions,
)
from s2hand.evaluation.benchmark import synthetic_set

from .reference import ref_evaluate


@pytest.fixture(scope="module")
def hand_set():
    """GT of the same kind as FreiHAND's: hand-template meshes ~0.7 m in front of the camera."""
    return synthetic_set(n=12, seed=3)


def _random_case(seed, n=8, v=120):
    rng = np.random.default_rng(seed)
    gx = rng.normal(scale=0.03, size=(n, 21, 3)) + [0, 0, 0.7]
    gv = rng.normal(scale=0.03, size=(n, v, 3)) + [0, 0, 0.7]
    return gx, gv, gx + rng.normal(scale=0.01, size=gx.shape), gv + rng.normal(
        scale=0.006, size=gv.shape)


@pytest.mark.parametrize("dataset", ["freihand", "ho3d"])
def test_matches_per_sample_reference(dataset):
    gx, gv, px, pv = _random_case(0)
    ours = evaluate_predictions(px, pv, gx, gv, dataset=dataset)
    ref = ref_evaluate(px, pv, gx, gv, dataset)
    assert tuple(ours) == (FREIHAND_KEYS if dataset == "freihand" else HO3D_KEYS)
    for key, value in ref.items():
        assert ours[key] == pytest.approx(value, abs=1e-9), key
    assert 0 < ours["f_al_score_5"] < ours["f_al_score_15"] <= 1


def test_hand_like_set_matches_reference(hand_set):
    d = hand_set
    ours = evaluate_predictions(d["pred_xyz"], d["pred_verts"], d["gt_xyz"], d["gt_verts"])
    ref = ref_evaluate(d["pred_xyz"], d["pred_verts"], d["gt_xyz"], d["gt_verts"])
    for key, value in ref.items():
        assert ours[key] == pytest.approx(value, abs=1e-9), key


def test_identity_prediction(hand_set):
    d = hand_set
    s = evaluate_predictions(d["gt_xyz"], d["gt_verts"], d["gt_xyz"], d["gt_verts"])
    assert s["xyz_mean3d"] == 0.0 and s["mesh_mean3d"] == 0.0
    # The official +1e-8 on both norms leaves a ~1e-7 relative scale error (~4 nm here).
    assert s["xyz_al_mean3d"] == pytest.approx(0.0, abs=1e-5)
    assert s["mesh_al_mean3d"] == pytest.approx(0.0, abs=1e-5)
    for key in ("xyz_auc3d", "mesh_auc3d", "f_score_5", "f_al_score_5", "f_score_15",
                "f_al_score_15"):
        assert s[key] == pytest.approx(1.0, abs=1e-12), key
    # Those few nm fail only the 0 mm threshold: AUC = 1 - half of the first of 99 intervals.
    for key in ("xyz_al_auc3d", "mesh_al_auc3d"):
        assert s[key] == pytest.approx(1.0 - 0.5 / 99, abs=1e-12), key


def test_similarity_transformed_copy_has_zero_aligned_error(hand_set):
    d = hand_set
    c, s = np.cos(0.7), np.sin(0.7)
    rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    px = 1.3 * d["gt_xyz"] @ rot.T + [0.1, -0.05, 0.2]
    pv = 1.3 * d["gt_verts"] @ rot.T + [0.1, -0.05, 0.2]
    r = evaluate_predictions(px, pv, d["gt_xyz"], d["gt_verts"])
    assert r["xyz_al_mean3d"] == pytest.approx(0.0, abs=1e-5)
    assert r["mesh_al_mean3d"] == pytest.approx(0.0, abs=1e-5)
    assert r["f_al_score_5"] == pytest.approx(1.0)
    assert r["xyz_mean3d"] > 5.0 and r["f_score_5"] < 0.1


def test_zero_predictor_algebra(hand_set):
    """The official README's zero predictor, checked by what must hold on any GT: the
    unaligned error is the mean GT norm, the aligned prediction collapses onto the GT centroid,
    raw F-scores are 0 and aligned F-scores follow from centroid distances."""
    gx, gv = hand_set["gt_xyz"], hand_set["gt_verts"]
    ho3d = evaluate(np.zeros_like(gx), np.zeros_like(gv), gx, gv, dataset="ho3d").scores
    s = evaluate_predictions(np.zeros_like(gx), np.zeros_like(gv), gx, gv)
    assert s["xyz_mean3d"] == pytest.approx(100 * np.linalg.norm(gx, axis=-1).mean())
    assert s["mesh_mean3d"] == pytest.approx(100 * np.linalg.norm(gv, axis=-1).mean())
    dx = np.linalg.norm(gx - gx.mean(1, keepdims=True), axis=-1)
    dv = np.linalg.norm(gv - gv.mean(1, keepdims=True), axis=-1)
    assert s["xyz_al_mean3d"] == pytest.approx(100 * dx.mean())
    assert s["mesh_al_mean3d"] == pytest.approx(100 * dv.mean())
    assert s["xyz_auc3d"] == 0.0 and s["f_score_5"] == 0.0 and s["f_score_15"] == 0.0
    for th, key in ((0.005, "f_al_score_5"), (0.015, "f_al_score_15")):
        precision = (dv < th).mean(1)
        recall = (dv.min(1) < th).astype(float)
        denom = np.where(precision + recall > 0, precision + recall, 1)
        f = np.where(precision + recall > 0, 2 * precision * recall / denom, 0)
        assert s[key] == pytest.approx(f.mean())
    # Same orders of magnitude as the README (70.79 / 4.73 cm on the real GT).
    assert 60 < s["xyz_mean3d"] < 90 and 3 < s["xyz_al_mean3d"] < 8
    assert ho3d["xyz_scale_trans_al_mean3d"] == pytest.approx(
        100 * np.linalg.norm(gx - gx[:, :1], axis=-1).mean())


def test_non_mano_mesh_uses_keypoint_trafo_and_sentinels():
    gx, gv, px, _ = _random_case(1)
    pv = np.random.default_rng(2).normal(scale=0.03, size=(8, 50, 3)) + [0, 0, 0.7]
    r = evaluate(px, pv, gx, gv)
    assert not r.shape_is_mano and "mesh" not in r.curves
    assert r.scores["mesh_mean3d"] == -100.0 and r.scores["mesh_al_auc3d"] == -1.0
    ref = ref_evaluate(px, pv, gx, gv)
    for key in ("f_score_15", "f_al_score_15", "f_al_score_5", "xyz_al_mean3d"):
        assert r.scores[key] == pytest.approx(ref[key], abs=1e-9)


def test_accepts_tensors():
    gx, gv, px, pv = _random_case(4, n=3)
    a = evaluate_predictions(*(torch.from_numpy(x).float() for x in (px, pv, gx, gv)))
    b = evaluate_predictions(*(x.astype(np.float32) for x in (px, pv, gx, gv)))
    assert a == b


@pytest.mark.parametrize("bad,match", [
    ("count", "samples"), ("nan", "NaN"), ("shape", r"\(N,P,3\)"), ("dataset", "dataset"),
    ("backend", "nn_backend")])
def test_bad_input_raises_clear_error(bad, match):
    gx, gv, px, pv = _random_case(5, n=4)
    kwargs = {}
    if bad == "count":
        pv = pv[:3]
    elif bad == "nan":
        px[2, 0, 0] = np.nan
    elif bad == "shape":
        px = px[..., :2]
    elif bad == "dataset":
        kwargs["dataset"] = "rhd"
    else:
        kwargs["nn_backend"] = "open3d"
    with pytest.raises(EvaluationInputError, match=match):
        evaluate_predictions(px, pv, gx, gv, **kwargs)
