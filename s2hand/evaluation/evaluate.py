"""``evaluate_predictions``: the official FreiHAND / HO3D scores for arrays of predictions."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import torch

from s2hand.evaluation.metrics import (
    F_THRESHOLDS,
    Measures,
    fscores_from_distances,
    measures,
    point_errors,
)
from s2hand.evaluation.nearest import nn_distances, thresholded_nn_distances
from s2hand.evaluation.procrustes import (
    align_by_trafo,
    align_scale_translation,
    align_w_scale,
    procrustes_trafo,
)

log = logging.getLogger(__name__)

DATASETS = ("freihand", "ho3d")
NN_BACKENDS = ("auto", "kdtree", "torch")

# scores.txt keys in the official order (evaluation.md §1.5 and §2.5); means are in cm.
FREIHAND_KEYS = (
    "xyz_mean3d", "xyz_auc3d", "xyz_al_mean3d", "xyz_al_auc3d",
    "mesh_mean3d", "mesh_auc3d", "mesh_al_mean3d", "mesh_al_auc3d",
    "f_score_5", "f_al_score_5", "f_score_15", "f_al_score_15",
)
HO3D_KEYS = (
    "xyz_mean3d", "xyz_auc3d", "xyz_procrustes_al_mean3d", "xyz_procrustes_al_auc3d",
    "xyz_scale_trans_al_mean3d", "xyz_scale_trans_al_auc3d",
    "mesh_mean3d", "mesh_auc3d", "mesh_al_mean3d", "mesh_al_auc3d",
    "f_score_5", "f_al_score_5", "f_score_15", "f_al_score_15",
)


class EvaluationInputError(ValueError):
    """Predictions or ground truth have the wrong shape, size or values."""


@dataclass
class EvaluationResult:
    """Scores plus the PCK curves behind them.

    ``scores``: official keys -> value (means in cm, AUCs and F-scores in [0,1]).
    ``curves``: name -> (thresholds in metres (T,), PCK (T,)), names ``xyz``, ``xyz_al``,
    (HO3D) ``xyz_sc_tr_al``, and ``mesh``, ``mesh_al`` when the prediction is a MANO mesh.
    ``shape_is_mano``: prediction has as many vertices as the GT (official ``shape_is_mano``).
    """

    dataset: str
    num_samples: int
    scores: dict[str, float]
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    shape_is_mano: bool = True


def _to_numpy(x: object, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().double().numpy()
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise EvaluationInputError(
            f"{name}: could not be read as a numeric array of shape (N,P,3) ({err}); every "
            "sample must have the same number of points") from err
    if arr.ndim != 3 or arr.shape[-1] != 3 or arr.shape[0] == 0:
        raise EvaluationInputError(f"{name}: expected shape (N,P,3) with N>0, got {arr.shape}")
    bad = ~np.isfinite(arr).all(axis=(1, 2))
    if bad.any():
        raise EvaluationInputError(
            f"{name}: {int(bad.sum())} sample(s) contain NaN/inf, first at index "
            f"{int(np.argmax(bad))}; predictions must be finite")
    return arr


def _store(scores: dict, curves: dict, prefix: str, curve: str, m: Measures) -> None:
    scores[f"{prefix}_mean3d"] = m.mean * 100.0
    scores[f"{prefix}_auc3d"] = m.auc
    curves[curve] = (m.thresholds, m.pck)


def evaluate(pred_xyz: object, pred_verts: object, gt_xyz: object, gt_verts: object,
             dataset: str = "freihand", nn_backend: str = "auto") -> EvaluationResult:
    """Full official evaluation (see :func:`evaluate_predictions`), with PCK curves."""
    dataset = dataset.lower()
    if dataset not in DATASETS:
        raise EvaluationInputError(f"dataset: expected one of {DATASETS}, got {dataset!r}")
    if nn_backend not in NN_BACKENDS:
        raise EvaluationInputError(
            f"nn_backend: expected one of {NN_BACKENDS}, got {nn_backend!r}")
    use_cuda = any(isinstance(x, torch.Tensor) and x.is_cuda for x in (pred_verts, gt_verts))
    pxyz, pv = _to_numpy(pred_xyz, "pred_xyz"), _to_numpy(pred_verts, "pred_verts")
    gxyz, gv = _to_numpy(gt_xyz, "gt_xyz"), _to_numpy(gt_verts, "gt_verts")
    n = gxyz.shape[0]
    for name, arr in (("pred_xyz", pxyz), ("pred_verts", pv), ("gt_verts", gv)):
        if arr.shape[0] != n:
            raise EvaluationInputError(
                f"{name}: has {arr.shape[0]} samples but gt_xyz has {n}; predictions must "
                "cover the evaluation split in its index order")
    if pxyz.shape != gxyz.shape:
        raise EvaluationInputError(
            f"pred_xyz: shape {pxyz.shape} does not match gt_xyz {gxyz.shape}")
    shape_is_mano = pv.shape[1] == gv.shape[1]
    if not shape_is_mano:
        log.warning("predicted meshes have %d vertices, the ground truth %d: the mesh errors "
                    "(mesh_mean3d, mesh_al_mean3d, their AUCs) cannot be computed point to "
                    "point and are the official sentinels -100 / -1; the F-scores still compare "
                    "the two vertex sets", pv.shape[1], gv.shape[1])

    # The raw-vertex F-scores do not depend on any alignment: search them on a worker thread
    # while the alignments and errors are computed (the KD-tree and numpy release the GIL).
    device = torch.device("cuda") if use_cuda else None
    with ThreadPoolExecutor(max_workers=1) as pool:
        raw_f = pool.submit(_fscores, gv, pv, nn_backend, device)
        scores, curves, pv_al = _point_metrics(pxyz, pv, gxyz, gv, dataset, shape_is_mano)
        al_f = _fscores(gv, pv_al, nn_backend, device)
        for tag, values in (("f_score", raw_f.result()), ("f_al_score", al_f)):
            for th, value in zip(F_THRESHOLDS, values, strict=True):
                scores[f"{tag}_{round(th * 1000)}"] = float(value)

    keys = FREIHAND_KEYS if dataset == "freihand" else HO3D_KEYS
    ordered = {k: float(scores[k]) for k in keys}
    return EvaluationResult(dataset=dataset, num_samples=n, scores=ordered, curves=curves,
                            shape_is_mano=shape_is_mano)


def evaluate_predictions(pred_xyz: object, pred_verts: object, gt_xyz: object,
                         gt_verts: object, dataset: str = "freihand",
                         nn_backend: str = "auto") -> dict[str, float]:
    """Official FreiHAND/HO3D scores (evaluation.md §1.5, §2.5) as a dict.

    pred_xyz, gt_xyz: (N,21,3); pred_verts: (N,Q,3); gt_verts: (N,778,3); metres, numpy
    arrays, tensors or nested lists, in the file's joint order and frame (FreiHAND order +
    OpenCV for FreiHAND, HO3D order + OpenGL for HO3D). Keys in the official ``scores.txt``
    order: means in **cm**, AUCs over 0-50 mm (100 thresholds), F-scores at 5/15 mm on raw and
    Procrustes-aligned vertices. ``dataset="ho3d"`` adds the scale-translation alignment and
    uses HO3D's key names. When Q != 778 the keypoint transform aligns the vertices and the
    mesh errors are the official sentinels (-100 cm / -1). ``nn_backend``: ``"auto"`` (KD-tree
    on CPU, brute force on CUDA tensors), ``"kdtree"`` or ``"torch"``; all are exact.
    """
    return evaluate(pred_xyz, pred_verts, gt_xyz, gt_verts, dataset, nn_backend).scores


def _fscores(gv: np.ndarray, verts: np.ndarray, backend: str, device: torch.device | None
             ) -> np.ndarray:
    """Mean F-score over samples at each of ``F_THRESHOLDS``; gv (N,778,3), verts (N,Q,3)."""
    if backend in ("torch", "auto") and device is not None:
        # On CUDA the brute-force search runs on the GPU; on CPU the KD-tree is faster.
        sets = [torch.from_numpy(x).to(device) for x in (gv, verts)]
        (d_gt, d_pred), = nn_distances(sets[0], sets[1:], max(F_THRESHOLDS), backend=backend)
    elif backend in ("kdtree", "auto") and gv.shape == verts.shape:
        d_gt, d_pred = thresholded_nn_distances(gv, verts, F_THRESHOLDS)
    else:
        (d_gt, d_pred), = nn_distances(gv, [verts], max(F_THRESHOLDS), backend=backend)
    return fscores_from_distances(d_gt, d_pred, F_THRESHOLDS).mean(axis=0)


def _point_metrics(pxyz: np.ndarray, pv: np.ndarray, gxyz: np.ndarray, gv: np.ndarray,
                   dataset: str, shape_is_mano: bool
                   ) -> tuple[dict[str, float], dict, np.ndarray]:
    """Keypoint and vertex error measures; returns (scores, curves, aligned vertices)."""
    scores: dict[str, float] = {}
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    al = "xyz_al" if dataset == "freihand" else "xyz_procrustes_al"
    _store(scores, curves, "xyz", "xyz", measures(point_errors(gxyz, pxyz)))
    _store(scores, curves, al, "xyz_al", measures(point_errors(gxyz, align_w_scale(gxyz, pxyz))))
    if dataset == "ho3d":
        sc_tr = align_scale_translation(gxyz, pxyz)
        _store(scores, curves, "xyz_scale_trans_al", "xyz_sc_tr_al",
               measures(point_errors(gxyz, sc_tr)))
    if shape_is_mano:
        pv_al = align_w_scale(gv, pv)
        _store(scores, curves, "mesh", "mesh", measures(point_errors(gv, pv)))
        _store(scores, curves, "mesh_al", "mesh_al", measures(point_errors(gv, pv_al)))
    else:
        # Official sentinel for non-MANO meshes: -1, with the means then multiplied by 100.
        pv_al = align_by_trafo(pv, procrustes_trafo(gxyz, pxyz))
        for key in ("mesh_mean3d", "mesh_al_mean3d"):
            scores[key] = -100.0
        for key in ("mesh_auc3d", "mesh_al_auc3d"):
            scores[key] = -1.0
    return scores, curves, pv_al
