"""Point errors, PCK/AUC and F-scores as in the official ``EvalUtil`` / ``calculate_fscore``.

All functions are vectorised over samples and points; inputs are float64 numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Official ``get_measures(0.0, 0.05, 100)``: 0-50 mm, 100 thresholds.
PCK_MIN, PCK_MAX, PCK_STEPS = 0.0, 0.05, 100
# Official ``f_threshs`` in metres.
F_THRESHOLDS = (0.005, 0.015)

try:
    from numpy import trapezoid as _trapezoid
except ImportError:  # numpy < 2 only has the old name
    from numpy import trapz as _trapezoid  # noqa: NPY201


@dataclass(frozen=True)
class Measures:
    """Output of :func:`measures` (official ``get_measures``); lengths in metres.

    ``mean``/``median``: mean over points of the per-point mean/median error; ``auc``: mean
    over points of the normalised area under the per-point PCK curve; ``pck (T,)``: PCK curve
    averaged over points; ``thresholds (T,)``.
    """

    mean: float
    median: float
    auc: float
    pck: np.ndarray
    thresholds: np.ndarray


def point_errors(gt: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Euclidean distance per point. gt, pred: (N,P,3) -> (N,P)."""
    diff = np.asarray(gt, np.float64) - np.asarray(pred, np.float64)
    return np.sqrt(np.sum(np.square(diff), axis=-1))


def pck_counts(errors: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Number of samples with ``error <= t`` per point and threshold.

    errors: (N,P); thresholds: (T,) increasing. Returns (P,T) int64. NaN errors never count.
    """
    n, p = errors.shape
    t = len(thresholds)
    # bin[i] = number of thresholds strictly below the error, so error <= thr[j] iff bin <= j.
    bins = np.searchsorted(thresholds, errors, side="left")
    flat = (np.arange(p)[None, :] * (t + 1) + bins).ravel()
    hist = np.bincount(flat, minlength=p * (t + 1)).reshape(p, t + 1)
    return np.cumsum(hist, axis=1)[:, :t]


def measures(errors: np.ndarray, val_min: float = PCK_MIN, val_max: float = PCK_MAX,
             steps: int = PCK_STEPS) -> Measures:
    """Official ``EvalUtil.get_measures`` for per-point errors ``(N,P)`` (all points visible)."""
    errors = np.asarray(errors, np.float64)
    if errors.ndim != 2 or errors.shape[0] == 0:
        raise ValueError(f"measures: expected errors of shape (N>0,P), got {errors.shape}")
    thresholds = np.linspace(val_min, val_max, steps)
    norm = _trapezoid(np.ones_like(thresholds), thresholds)
    pck = pck_counts(errors, thresholds) / errors.shape[0]
    auc = _trapezoid(pck, thresholds, axis=1) / norm
    return Measures(
        mean=float(np.mean(np.mean(errors, axis=0))),
        median=float(np.mean(np.median(errors, axis=0))),
        auc=float(np.mean(auc)),
        pck=np.mean(pck, axis=0),
        thresholds=thresholds,
    )


def fscores_from_distances(d_gt: np.ndarray, d_pred: np.ndarray,
                           thresholds: tuple[float, ...] = F_THRESHOLDS) -> np.ndarray:
    """Per-sample F-scores from NN distances, official ``calculate_fscore``.

    d_gt: (N,P) distance of each GT point to the prediction; d_pred: (N,Q) of each predicted
    point to the GT. "precision" = frac(d_gt < th), "recall" = frac(d_pred < th) (the official
    names; F is symmetric), ``F = 2PR/(P+R)`` or 0. Returns (N, len(thresholds)).
    """
    out = np.zeros((d_gt.shape[0], len(thresholds)))
    for k, th in enumerate(thresholds):
        precision = np.mean(d_gt < th, axis=1)
        recall = np.mean(d_pred < th, axis=1)
        denom = recall + precision
        safe = np.where(denom > 0, denom, 1.0)
        out[:, k] = np.where(denom > 0, 2.0 * recall * precision / safe, 0.0)
    return out
