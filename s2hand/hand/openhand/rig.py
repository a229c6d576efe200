"""OpenHand rig: joint regressor, smooth skinning weights and pose corrective blend shapes."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from scipy.optimize import nnls

from s2hand.hand.joint_orders import MANO_PARENTS
from s2hand.hand.openhand.geometry import HandGeometry

# MANO joint of each finger base (index, middle, ring, pinky) and the thumb CMC.
FINGER_BASE = (1, 4, 10, 7)
THUMB_BASE = 13
REGRESSOR_NEIGHBOURS = 40
TIE_TOLERANCE = 1e-9     # metres; vertices this close to the cut distance count as tied
BLEND_WIDTH = 0.0035       # metres; sigmoid width of the weight transition at a joint
SMOOTH_ITERS = 6
BULGE_SIGMA = 0.007        # metres; extent of the knuckle bulge corrective
BULGE_AMPLITUDE = 0.0025   # metres of outward push at a 90 degree bend


def joint_regressor(vertices: np.ndarray, joints: np.ndarray,
                    neighbours: int = REGRESSOR_NEIGHBOURS, ridge: float = 1e-4) -> np.ndarray:
    """Sparse convex vertex weights reproducing each joint: ``(V, 3), (J, 3) -> (J, V)``.

    Each row is non-negative, sums to one and uses only the joint's nearest vertices, so joints
    follow local shape changes (as MANO's regressor does). A small ridge spreads the weights and
    makes each row the unique minimiser of a strictly convex problem.

    The mesh is symmetric, so several vertices often lie at exactly the ``neighbours``-th
    distance: all of them are taken (ties within ``TIE_TOLERANCE``). A plain ``argsort`` cut
    would pick among them by rounding noise, and with it the regressor would change by up to
    0.03 per entry between BLAS builds or CPUs.
    """
    out = np.zeros((len(joints), len(vertices)))
    for j, target in enumerate(joints):
        dist = np.linalg.norm(vertices - target, axis=1)
        kth = np.partition(dist, neighbours - 1)[neighbours - 1]
        near = np.flatnonzero(dist <= kth + TIE_TOLERANCE)
        pts = vertices[near].T                                           # (3, k)
        big = 10.0
        a = np.vstack([pts, big * np.ones((1, len(near))), np.sqrt(ridge) * np.eye(len(near))])
        b = np.concatenate([target, [big], np.zeros(len(near))])
        w, _ = nnls(a, b)
        out[j, near] = w / w.sum()
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _chain_weights(points: np.ndarray, chain: list[int], joints: np.ndarray,
                   end: np.ndarray) -> np.ndarray:
    """Weights over ``[parent of chain[0]] + chain`` for points along a finger.

    Along the finger axis, weight passes from each bone to the next with a sigmoid centred on
    the joint between them: ``w_k = s_k (1 - s_{k+1})``.
    """
    axis_pts = np.vstack([joints[chain], end[None]])
    direction = axis_pts[-1] - axis_pts[0]
    direction /= np.linalg.norm(direction)
    t = (points - axis_pts[0]) @ direction
    t_joints = (axis_pts[:-1] - axis_pts[0]) @ direction
    s = [np.ones(len(points))] + [_sigmoid((t - tj) / BLEND_WIDTH) for tj in t_joints]
    s.append(np.zeros(len(points)))
    return np.stack([s[k] * (1.0 - s[k + 1]) for k in range(len(chain) + 1)], axis=1)


def _mean_neighbour_operator(faces: np.ndarray, n: int) -> scipy.sparse.csr_matrix:
    """Sparse ``(V, V)`` matrix averaging each vertex's mesh neighbours."""
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    adj = scipy.sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    degree = np.asarray(adj.sum(axis=1)).ravel()
    return scipy.sparse.diags(1.0 / degree) @ adj


def skinning_weights(geo: HandGeometry) -> np.ndarray:
    """Smooth skinning weights ``(V, 16)``, rows summing to one.

    Palm and finger vertices blend wrist -> MCP -> PIP -> DIP along their finger slot; thumb
    vertices blend wrist -> CMC -> MCP -> IP; the thenar region near the thumb base is shared
    between wrist and CMC. A few steps of mesh-graph diffusion smooth the seams between slots.
    """
    v, joints = geo.vertices, geo.joints
    weights = np.zeros((len(v), 16))
    for slot, base in enumerate(FINGER_BASE):
        mask = (geo.slot == slot)
        chain = [base, base + 1, base + 2]
        tip = v[geo.tip_ids[1 + slot]]
        weights[np.ix_(mask, [0] + chain)] = _chain_weights(v[mask], chain, joints, tip)
    thumb = geo.slot == 4
    chain = [THUMB_BASE, THUMB_BASE + 1, THUMB_BASE + 2]
    weights[np.ix_(thumb, [0] + chain)] = _chain_weights(v[thumb], chain, joints,
                                                         v[geo.tip_ids[0]])
    # Thenar: palm vertices near the thumb metacarpal follow the CMC joint partly.
    palm = geo.part == 0
    metacarpal = 0.5 * (joints[THUMB_BASE] + joints[THUMB_BASE + 1])
    share = 0.6 * np.exp(-np.sum((v[palm] - metacarpal) ** 2, axis=1) / (2 * 0.012 ** 2))
    weights[palm] *= (1.0 - share)[:, None]
    weights[palm, THUMB_BASE] += share
    average = _mean_neighbour_operator(geo.faces, len(v))
    for _ in range(SMOOTH_ITERS):
        weights = 0.5 * weights + 0.5 * (average @ weights)
    weights = np.clip(weights, 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def pose_correctives(geo: HandGeometry, weights: np.ndarray) -> np.ndarray:
    """Pose blend shapes ``(V, 3, 135)``: an outward knuckle bulge growing as ``1 - cos(angle)``.

    ``1 - cos(t) = -tr(R - I) / 2``, which is linear in MANO's pose feature ``vec(R - I)``, so
    the bulge is an exact MANO-format corrective: it counteracts the volume loss of linear
    blend skinning on the inside of bent joints.
    """
    v, joints = geo.vertices, geo.joints
    posedirs = np.zeros((len(v), 3, 135))
    for j in range(1, 16):
        bump = np.exp(-np.sum((v - joints[j]) ** 2, axis=1) / (2 * BULGE_SIGMA ** 2))
        # Restricted to the joint's own limb (skinned to the joint or its parent).
        bump = bump * (weights[:, j] + weights[:, MANO_PARENTS[j]])
        offset = BULGE_AMPLITUDE * bump[:, None] * geo.normals
        for diag in (0, 4, 8):
            posedirs[:, :, 9 * (j - 1) + diag] = -0.5 * offset
    return posedirs
