import numpy as np
import pytest

from s2hand.evaluation.procrustes import (
    align_by_trafo,
    align_scale_translation,
    align_w_scale,
    procrustes_trafo,
)

from .reference import ref_align, ref_align_by_trafo, ref_align_sc_tr


def _rotation(rng):
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


def test_matches_scipy_reference_on_random_points():
    rng = np.random.default_rng(0)
    gt = rng.normal(size=(20, 21, 3))
    pred = rng.normal(size=(20, 21, 3))
    ours = align_w_scale(gt, pred)
    for i in range(20):
        np.testing.assert_allclose(ours[i], ref_align(gt[i], pred[i]), atol=1e-12)


def test_similarity_copy_aligns_to_zero_error():
    rng = np.random.default_rng(1)
    gt = rng.normal(size=(5, 778, 3)) * 0.05 + [0, 0, 0.7]
    pred = np.stack([0.7 * gt[i] @ _rotation(rng).T + rng.normal(size=3) for i in range(5)])
    np.testing.assert_allclose(align_w_scale(gt, pred), gt, atol=1e-9)


def test_reflections_are_not_excluded():
    # scipy's orthogonal_procrustes allows det(R) = -1, so a mirrored copy aligns exactly.
    rng = np.random.default_rng(2)
    gt = rng.normal(size=(3, 21, 3))
    mirrored = gt * np.array([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(align_w_scale(gt, mirrored), gt, atol=1e-9)
    assert np.all(np.linalg.det(procrustes_trafo(gt, mirrored).R) < 0)


def test_zero_prediction_collapses_to_gt_centroid():
    gt = np.random.default_rng(3).normal(size=(4, 21, 3))
    out = align_w_scale(gt, np.zeros_like(gt))
    np.testing.assert_allclose(out, np.broadcast_to(gt.mean(1, keepdims=True), gt.shape),
                               atol=1e-12)


def test_single_sample_shape_is_kept():
    gt = np.random.default_rng(4).normal(size=(21, 3))
    assert align_w_scale(gt, gt + 1).shape == (21, 3)


def test_align_by_trafo_reproduces_official_quirk():
    rng = np.random.default_rng(5)
    gt, pred = rng.normal(size=(6, 21, 3)), rng.normal(size=(6, 21, 3))
    mesh = rng.normal(size=(6, 50, 3))
    ours = align_by_trafo(mesh, procrustes_trafo(gt, pred))
    for i in range(6):
        ref = ref_align_by_trafo(mesh[i], ref_align(gt[i], pred[i], return_trafo=True))
        np.testing.assert_allclose(ours[i], ref, atol=1e-12)


def test_scale_translation_alignment():
    rng = np.random.default_rng(6)
    gt, pred = rng.normal(size=(6, 21, 3)), rng.normal(size=(6, 21, 3))
    pred[0] = 0.0  # zero-length bone: the official guard skips the division
    ours = align_scale_translation(gt, pred)
    for i in range(6):
        np.testing.assert_allclose(ours[i], ref_align_sc_tr(gt[i], pred[i]), atol=1e-12)
    # Scaled + translated copy is recovered exactly; wrist lands on the GT wrist.
    np.testing.assert_allclose(align_scale_translation(gt, 3 * gt + 1), gt, atol=1e-12)


def test_bad_shape_raises_clear_error():
    with pytest.raises(ValueError, match=r"\(N,P,3\)"):
        align_w_scale(np.zeros((2, 21, 2)), np.zeros((2, 21, 2)))
