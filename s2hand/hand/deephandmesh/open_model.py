"""The open DeepHandMesh hand model, made deterministically from OpenHand.

OpenHand (``s2hand/hand/assets/open_hand.npz``, MANO format, metres) supplies the mesh, the
joints (its regressor applied to the template, plus its five tip vertices) and the skinning
weights. From them:

* 22 joints in the original order: MANO's MCP/PIP/DIP become ``*1``/``*2``/``*3``, the tips
  the ``*_null`` end-effectors; the thumb's CMC/MCP/IP become ``thumb1``/``2``/``3`` (``thumb1``'s
  skin segment is the thenar, as the original's ``non_rigid_joint_idx`` implies) and
  ``thumb0`` (the trapezium) sits half-way between the wrist and the CMC;
* joint frames: x along the bone to the child, z the flexion axis (positive angles flex
  towards the palm, so the original demo's ``+pi/2`` about z at the MCPs makes a fist),
  y = z x x towards the palm; end-effectors keep their parent's orientation;
* weights: OpenHand's per joint; ``thumb0`` takes a share of the wrist's weight around it;
* UVs: two planar charts, back (``u < 0.5``) and palm, chosen per face by its normal, so
  seam vertices get two texture coordinates (``Vt > V``, ``f a/at`` with ``at != a``);
* bind poses in mm in OpenHand's frame (fingers -x, back +y, thumb +z); ``hand.obj`` in cm.
"""

from __future__ import annotations

import numpy as np

from s2hand.hand.deephandmesh.hand_model import DHMHandModel
from s2hand.hand.deephandmesh.skeleton import JOINT_NAMES
from s2hand.hand.hand_model import HandModel

M_TO_MM = 1000.0
# DHM joint -> MANO joint of OpenHand (None: tip vertex or thumb0).
_FROM_MANO = {"thumb": (15, 14, 13), "index": (3, 2, 1), "middle": (6, 5, 4),
              "ring": (12, 11, 10), "pinky": (9, 8, 7)}
_TIP_ORDER = ("thumb", "index", "middle", "ring", "pinky")   # OpenHand's tip_ids order
THUMB0_FRACTION = 0.5        # position of thumb0 on the wrist -> thumb CMC segment
THUMB0_SHARE = 0.5           # largest share of the wrist's weight moved to thumb0
THUMB0_SIGMA_MM = 12.0
WEIGHT_FLOOR = 1e-4          # smaller weights are dropped (and rows renormalised)


def _joint_table() -> tuple[np.ndarray, dict[str, int]]:
    """Parents ``(22,)`` and name -> index for the original joint order."""
    index = {name: j for j, name in enumerate(JOINT_NAMES)}
    parents = np.full(len(JOINT_NAMES), -1, dtype=np.int64)
    for finger in _TIP_ORDER:
        chain = [f"b_r_{finger}1", f"b_r_{finger}2", f"b_r_{finger}3", f"b_r_{finger}_null"]
        if finger == "thumb":
            chain = ["b_r_thumb0", *chain]
        parents[index[chain[0]]] = index["b_r_wrist"]
        for parent, child in zip(chain[:-1], chain[1:], strict=True):
            parents[index[child]] = index[parent]
    return parents, index


def _joint_positions(hand: HandModel, index: dict[str, int]) -> np.ndarray:
    """``(22, 3)`` joint positions in mm."""
    mano = hand.J_regressor @ hand.v_template
    pos = np.zeros((len(JOINT_NAMES), 3))
    pos[index["b_r_wrist"]] = mano[0]
    for finger, (j3, j2, j1) in _FROM_MANO.items():
        pos[index[f"b_r_{finger}3"]] = mano[j3]
        pos[index[f"b_r_{finger}2"]] = mano[j2]
        pos[index[f"b_r_{finger}1"]] = mano[j1]
        pos[index[f"b_r_{finger}_null"]] = hand.v_template[hand.tip_ids[_TIP_ORDER.index(finger)]]
    pos[index["b_r_thumb0"]] = mano[0] + THUMB0_FRACTION * (mano[13] - mano[0])
    return pos * M_TO_MM


def _frames(pos: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """``(22, 3, 3)`` bind rotations (columns: the joint's x, y, z in model space)."""
    rot = np.zeros((len(pos), 3, 3))
    children = {j: [c for c in range(len(pos)) if parents[c] == j] for j in range(len(pos))}
    middle = JOINT_NAMES.index("b_r_middle1")
    for j in np.argsort([_depth(j, parents) for j in range(len(pos))], kind="stable"):
        kids = children[j]
        if not kids:                                   # end-effector: parent's orientation
            rot[j] = rot[parents[j]]
            continue
        child = middle if len(kids) > 1 else kids[0]
        x = pos[child] - pos[j]
        x /= np.linalg.norm(x)
        if "thumb" in JOINT_NAMES[j]:                  # thumb flexes about its lateral axis
            ref = np.cross([0.0, 1.0, 0.0], x)
        else:
            ref = np.array([0.0, 0.0, 1.0])
        z = ref - (ref @ x) * x
        z /= np.linalg.norm(z)
        rot[j] = np.stack([x, np.cross(z, x), z], axis=1)
    return rot


def _depth(j: int, parents: np.ndarray) -> int:
    depth = 0
    while parents[j] >= 0:
        j, depth = int(parents[j]), depth + 1
    return depth


def _weights(hand: HandModel, pos: np.ndarray, index: dict[str, int]) -> np.ndarray:
    """``(V, 22)`` skinning weights from OpenHand's ``(V, 16)``."""
    w = np.zeros((hand.num_vertices, len(JOINT_NAMES)))
    w[:, index["b_r_wrist"]] = hand.weights[:, 0]
    for finger, mano in _FROM_MANO.items():
        for level, m in zip((3, 2, 1), mano, strict=True):
            w[:, index[f"b_r_{finger}{level}"]] = hand.weights[:, m]
    dist2 = np.sum((hand.v_template * M_TO_MM - pos[index["b_r_thumb0"]]) ** 2, axis=1)
    share = THUMB0_SHARE * np.exp(-dist2 / (2 * THUMB0_SIGMA_MM ** 2))
    moved = w[:, index["b_r_wrist"]] * share
    w[:, index["b_r_wrist"]] -= moved
    w[:, index["b_r_thumb0"]] = moved
    w[w < WEIGHT_FLOOR] = 0.0
    return w / w.sum(axis=1, keepdims=True)


def two_chart_uvs(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Back (+y normals, ``u`` in [0, 0.5)) and palm charts, planar in (z, x).

    Returns ``(uvs (Vt, 2), uv_faces (F, 3))``; a vertex used by faces of both charts gets
    one texture coordinate per chart.
    """
    tri = vertices[faces]
    palm = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 1] < 0
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    span = (hi - lo).max()
    keys = faces * 2 + palm[:, None]                  # (vertex, chart) pairs
    unique, uv_faces = np.unique(keys.ravel(), return_inverse=True)
    vert, chart = unique // 2, unique % 2
    z = (vertices[vert, 2] - lo[2]) / span
    u = np.where(chart == 0, 0.01 + 0.48 * z, 0.99 - 0.48 * z)   # palm chart mirrored
    v = 0.02 + 0.96 * (hi[0] - vertices[vert, 0]) / span          # fingers up
    return np.stack([u, v], axis=1), uv_faces.reshape(faces.shape).astype(np.int64)


def build_open_dhm_hand_model(hand: HandModel) -> DHMHandModel:
    """The open DeepHandMesh hand model from a right-hand OpenHand (MANO-format) model."""
    if hand.side != "right":
        raise ValueError(f"DeepHandMesh's skeleton is a right hand; got a {hand.side} model")
    parents, index = _joint_table()
    pos = _joint_positions(hand, index)
    glob = np.tile(np.eye(4), (len(pos), 1, 1))
    glob[:, :3, :3] = _frames(pos, parents)
    glob[:, :3, 3] = pos
    inv = np.linalg.inv(glob)
    local = glob.copy()                                # the root keeps its global pose
    child = parents >= 0
    local[child] = inv[parents[child]] @ glob[child]
    vertices = hand.v_template * M_TO_MM
    uvs, uv_faces = two_chart_uvs(vertices, hand.faces)
    return DHMHandModel(vertices=vertices, faces=hand.faces.astype(np.int64), uvs=uvs,
                        uv_faces=uv_faces, joint_names=JOINT_NAMES, parents=parents,
                        skinning_weights=_weights(hand, pos, index), local_pose=local,
                        global_pose=glob, global_pose_inv=inv,
                        name=f"DeepHandMesh from {hand.name}")
