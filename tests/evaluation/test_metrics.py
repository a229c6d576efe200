import numpy as np
import pytest
import torch

from s2hand.evaluation.metrics import (
    fscores_from_distances,
    measures,
    pck_counts,
    point_errors,
)
from s2hand.evaluation.nearest import nn_distances

from .reference import ref_fscore, ref_measures


def test_identity_gives_zero_error_and_auc_one():
    gt = np.random.default_rng(0).normal(size=(10, 21, 3))
    m = measures(point_errors(gt, gt))
    assert m.mean == 0.0 and m.median == 0.0
    assert m.auc == pytest.approx(1.0, abs=1e-15)
    assert np.all(m.pck == 1.0)
    assert len(m.thresholds) == 100 and m.thresholds[-1] == 0.05


def test_measures_match_per_point_reference():
    rng = np.random.default_rng(1)
    err = np.abs(rng.normal(scale=0.02, size=(50, 21)))
    err[3, 4] = np.linspace(0, 0.05, 100)[17]  # exactly on a threshold: counted (<=)
    m = measures(err)
    mean, auc, curve = ref_measures([list(err[:, j]) for j in range(21)])
    assert m.mean == pytest.approx(mean, abs=1e-15)
    assert m.auc == pytest.approx(auc, abs=1e-15)
    np.testing.assert_allclose(m.pck, curve, atol=1e-15)


def test_pck_counts_edge_cases():
    thr = np.array([0.0, 0.01, 0.02])
    err = np.array([[0.0, 0.01, 0.015, 0.05, np.nan]])
    counts = pck_counts(err.T, thr)  # (P=1, T) after transposing to (N=5, P=1)
    assert counts.tolist() == [[1, 2, 3]]


def test_fscore_hand_computed():
    gt = np.array([[[0.0, 0, 0], [1.0, 0, 0], [2.0, 0, 0], [3.0, 0, 0]]])
    pred = np.array([[[0.0, 0, 0.004], [1.0, 0, 0.010], [10.0, 0, 0]]])
    d_gt, d_pred = nn_distances(gt, [pred], radius=0.015, backend="kdtree")[0]
    f = fscores_from_distances(d_gt, d_pred, (0.005, 0.015))[0]
    # 5 mm: precision 1/4 (gt points), recall 1/3 (pred points) -> F = 2/7.
    # 15 mm: precision 2/4, recall 2/3 -> F = 4/7.
    np.testing.assert_allclose(f, [2 / 7, 4 / 7])
    assert f[0] == pytest.approx(ref_fscore(gt[0], pred[0], 0.005))


def test_fscore_zero_when_nothing_matches():
    d = np.full((1, 5), np.inf)
    assert fscores_from_distances(d, d, (0.005,)).tolist() == [[0.0]]


def test_fscore_threshold_is_strict():
    d = np.array([[0.005, 0.004]])
    assert fscores_from_distances(d, d, (0.005,))[0, 0] == pytest.approx(0.5)


def test_kdtree_and_torch_backends_agree():
    rng = np.random.default_rng(2)
    a = rng.normal(scale=0.01, size=(7, 60, 3)) + [0, 0, 0.7]
    b = a[:, :40] + rng.normal(scale=0.004, size=(7, 40, 3))
    kd = nn_distances(a, [b], radius=0.015, backend="kdtree")[0]
    th = nn_distances(torch.from_numpy(a), [torch.from_numpy(b)], radius=0.015,
                      backend="torch")[0]
    for k, t in zip(kd, th, strict=True):
        within = t < 0.015
        np.testing.assert_allclose(k[within], t[within], atol=1e-12)
        assert np.all(np.isinf(k[~within]))
    # Samples must not see each other's points: brute force per sample agrees.
    d = np.linalg.norm(a[3][:, None] - b[3][None], axis=-1).min(1)
    np.testing.assert_allclose(th[0][3], d, atol=1e-12)


def test_unknown_backend_raises():
    with pytest.raises(ValueError, match="backend"):
        nn_distances(np.zeros((1, 2, 3)), [np.zeros((1, 2, 3))], 0.01, backend="open3d")


def test_thresholded_search_compares_like_exact_distances():
    from s2hand.evaluation.nearest import thresholded_nn_distances

    rng = np.random.default_rng(3)
    thr = (0.005, 0.015)
    a = rng.normal(scale=0.02, size=(9, 80, 3)) + [0, 0, 0.7]
    # Per-point errors spread over all buckets (< 5 mm, 5-15 mm, > 15 mm).
    b = a + rng.normal(size=a.shape) * rng.choice([0.001, 0.004, 0.02], size=(9, 80, 1))
    b[0, 0] = a[0, 0] + [0.005, 0, 0]  # error exactly on a threshold
    exact = nn_distances(torch.from_numpy(a), [torch.from_numpy(b)], 0.015, "torch")[0]
    fast = thresholded_nn_distances(a, b, thr)
    for d_exact, d_fast in zip(exact, fast, strict=True):
        for t in thr:
            np.testing.assert_array_equal(d_exact < t, d_fast < t)
    np.testing.assert_array_equal(fscores_from_distances(*exact, thr),
                                  fscores_from_distances(*fast, thr))
