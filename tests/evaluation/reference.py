"""Slow per-sample re-statement of the official evaluation (evaluation.md §1.5, §2.5), used
as the oracle for the vectorised implementation. Brute-force NN, scipy Procrustes."""

from __future__ import annotations

import numpy as np
from scipy.linalg import orthogonal_procrustes


def ref_align(gt, pred, return_trafo=False):
    t1, t2 = gt.mean(0), pred.mean(0)
    g, p = gt - t1, pred - t2
    s1 = np.linalg.norm(g) + 1e-8
    s2 = np.linalg.norm(p) + 1e-8
    g, p = g / s1, p / s2
    r, s = orthogonal_procrustes(g, p)
    if return_trafo:
        return r, s, s1, t1 - t2
    return (p @ r.T) * s * s1 + t1


def ref_align_by_trafo(points, trafo):
    r, s, s1, t = trafo
    t2 = points.mean(0)
    return ((points - t2) @ r.T) * s * s1 + t + t2


def ref_align_sc_tr(gt, pred):
    p = pred.copy()
    s = np.linalg.norm(p[4] - p[0])
    if s > 0:
        p = p / s
    p = p * np.linalg.norm(gt[4] - gt[0])
    return p - p[0:1] + gt[0:1]


def ref_measures(err_lists, steps=100):
    """err_lists: per point, the list of per-sample errors (as EvalUtil stores them)."""
    thr = np.linspace(0.0, 0.05, steps)
    trap = getattr(np, "trapezoid", None) or np.trapz  # noqa: NPY201
    norm = trap(np.ones_like(thr), thr)
    means, aucs, curves = [], [], []
    for data in err_lists:
        data = np.array(data)
        means.append(np.mean(data))
        curve = np.array([np.mean((data <= t).astype(float)) for t in thr])
        curves.append(curve)
        aucs.append(trap(curve, thr) / norm)
    return float(np.mean(means)), float(np.mean(aucs)), np.mean(curves, 0)


def ref_fscore(gt, pr, th):
    d = np.linalg.norm(gt[:, None] - pr[None], axis=-1)
    d1, d2 = d.min(1), d.min(0)
    recall = float(sum(x < th for x in d2)) / len(d2)
    precision = float(sum(x < th for x in d1)) / len(d1)
    return 2 * recall * precision / (recall + precision) if recall + precision > 0 else 0.0


def ref_evaluate(pred_xyz, pred_verts, gt_xyz, gt_verts, dataset="freihand"):
    n = len(gt_xyz)
    mano = pred_verts.shape[1] == gt_verts.shape[1]
    lists = {k: [[] for _ in range(21)] for k in ("xyz", "xyz_al", "xyz_st")}
    lists.update({k: [[] for _ in range(gt_verts.shape[1])] for k in ("mesh", "mesh_al")})
    f, fa = [], []
    for i in range(n):
        x, v, xp, vp = gt_xyz[i], gt_verts[i], pred_xyz[i], pred_verts[i]
        xa = ref_align(x, xp)
        if mano:
            va = ref_align(v, vp)
        else:
            va = ref_align_by_trafo(vp, ref_align(x, xp, return_trafo=True))
        pairs = [("xyz", x, xp), ("xyz_al", x, xa), ("xyz_st", x, ref_align_sc_tr(x, xp))]
        if mano:
            pairs += [("mesh", v, vp), ("mesh_al", v, va)]
        for key, a, b in pairs:
            for j, e in enumerate(np.sqrt(np.sum(np.square(a - b), axis=1))):
                lists[key][j].append(e)
        f.append([ref_fscore(v, vp, t) for t in (0.005, 0.015)])
        fa.append([ref_fscore(v, va, t) for t in (0.005, 0.015)])
    out = {}
    names = {"xyz": "xyz", "xyz_al": "xyz_al" if dataset == "freihand" else "xyz_procrustes_al",
             "xyz_st": "xyz_scale_trans_al", "mesh": "mesh", "mesh_al": "mesh_al"}
    keys = ["xyz", "xyz_al"] + (["xyz_st"] if dataset == "ho3d" else [])
    keys += ["mesh", "mesh_al"] if mano else []
    for key in keys:
        mean, auc, _ = ref_measures(lists[key])
        out[names[key] + "_mean3d"] = mean * 100
        out[names[key] + "_auc3d"] = auc
    f, fa = np.array(f).mean(0), np.array(fa).mean(0)
    out.update({"f_score_5": f[0], "f_al_score_5": fa[0], "f_score_15": f[1],
                "f_al_score_15": fa[1]})
    return out
