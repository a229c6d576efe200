"""Independent float64 reference of DeepHandMesh posing, written from the spec's formulas
(deephandmesh.md §3, §5.4-5.6) with elementary rotations, per-joint recursion and per-vertex
sums; shared by the hand and model tests."""

from __future__ import annotations

import math

import numpy as np


def rot_x(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def reference_pose(euler, local, root, g_inv, vertices, weights, parents, skeleton_corr):
    """One sample, numpy float64: L_refined @ R(euler), G[c] = G[p] @ L[c], G[root] = root,
    v' = sum_j w_j (G_j @ G_inv_j) [v; 1]."""
    num = len(parents)
    local = local.copy()
    local[:, :3, 3] += skeleton_corr
    glob = [None] * num

    def visit(j):
        for c in range(num):
            if parents[c] == j:
                r4 = np.eye(4)
                r4[:3, :3] = rot_z(euler[c, 2]) @ rot_y(euler[c, 1]) @ rot_x(euler[c, 0])
                glob[c] = glob[j] @ (local[c] @ r4)
                visit(c)

    r = int(np.flatnonzero(parents == -1)[0])
    glob[r] = root
    visit(r)
    out = np.zeros((len(vertices), 3))
    for i, v in enumerate(vertices):
        for j in range(num):
            out[i] += weights[i, j] * (glob[j] @ g_inv[j] @ np.append(v, 1.0))[:3]
    return np.stack([g[:3, 3] for g in glob]), out
