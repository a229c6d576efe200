"""Random hand poses, shapes, orientations and cameras for the synthetic datasets.

Poses are PCA coefficients of the hand model (N(0, pose_std) on the first ``pose_comps``
components), with the resulting local axis-angle clipped to the pose-prior bounds of
s2hand.md §3.6, so every generated pose satisfies them. Orientations start from a canonical
"fingers up, palm (or back) to the camera" pose built from the model's own joints and add
bounded random rotations; placement puts the hand centre at a chosen pixel and depth and pushes
it back until the whole hand is inside the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from s2hand.hand.layer import ManoLayer
from s2hand.hand.pose_bounds import TSA_POSE_BOUNDS


@dataclass(frozen=True)
class SceneParams:
    """Ranges of the random scene (angles in degrees, distances in metres, focal in pixels).

    Defaults follow FreiHAND: 224² images, focal 500-650 px, hand 0.5-0.8 m away, roughly
    centred; orientations are kept moderate so that the data stays learnable.
    """

    image_size: tuple[int, int] = (224, 224)
    focal: tuple[float, float] = (500.0, 650.0)
    principal_jitter: float = 3.0
    depth: tuple[float, float] = (0.5, 0.8)
    center_jitter: float = 12.0
    margin: float = 8.0
    pose_comps: int = 12
    pose_std: float = 0.9
    bound_margin_deg: float = 0.0
    shape_std: float = 1.0
    in_plane_deg: float = 90.0
    tilt_deg: float = 35.0
    yaw_deg: float = 50.0
    back_prob: float = 0.5


@dataclass
class HandBatch:
    """One batch of generated hands (numpy, float64, OpenCV camera frame, metres).

    ``global_orient (B,3)`` and ``hand_pose (B,45)`` (axis-angle relative to the model's mean
    pose, i.e. ``flat_hand_mean=False``), ``betas (B,S)``, ``transl (B,3)``, ``joints (B,21,3)``
    FreiHAND order, ``verts (B,V,3)``, ``K (B,3,3)``, ``wrist_rest (B,3)`` = the wrist joint
    before ``transl`` (the centre of the global rotation).
    """

    global_orient: np.ndarray
    hand_pose: np.ndarray
    betas: np.ndarray
    transl: np.ndarray
    joints: np.ndarray
    verts: np.ndarray
    K: np.ndarray
    wrist_rest: np.ndarray


def canonical_rotation(layer: ManoLayer) -> np.ndarray:
    """Rotation ``(3,3)`` turning the model's rest hand to fingers up (-y), palm to the camera.

    Built from the rest joints: wrist→middle-MCP becomes -y, pinky-MCP→index-MCP becomes +x
    (for a right hand seen from the palm side the thumb is on the image's right).
    """
    with torch.no_grad():
        j = layer(torch.zeros(1, 3), torch.zeros(1, layer.num_pca_comps)).joints[0].double()
    j = j.numpy()
    up = j[9] - j[0]
    side = j[5] - j[17]
    if layer.side == "left":
        side = -side
    y = -up / np.linalg.norm(up)
    x = side - (side @ y) * y
    x /= np.linalg.norm(x)
    # rows = the model directions that become the camera axes, so R @ x = e_x etc.
    return np.stack([x, y, np.cross(x, y)])


def _pose_from_pca(layer: ManoLayer, coeffs: np.ndarray, margin_deg: float) -> np.ndarray:
    """PCA coefficients ``(B,P)`` → relative axis-angle ``(B,45)`` inside the §3.6 bounds."""
    comps = layer.hand_components.double().numpy()[: coeffs.shape[1]]
    mean = layer.hand_mean.double().numpy()
    full = (mean + coeffs @ comps).reshape(-1, 15, 3)
    margin = np.deg2rad(margin_deg)
    lo = TSA_POSE_BOUNDS[1:, :, 0] + margin
    hi = TSA_POSE_BOUNDS[1:, :, 1] - margin
    full = np.clip(full, lo, hi)
    return full.reshape(-1, 45) - mean


def sample_hands(layer: ManoLayer, params: SceneParams, rng: np.random.Generator, n: int,
                 base: np.ndarray | None = None, K: np.ndarray | None = None) -> HandBatch:
    """Draw ``n`` hands with cameras. ``layer`` must be a full-pose (``use_pca=False``) layer;
    ``base`` is :func:`canonical_rotation` (computed when None); ``K (3,3)`` fixes the camera
    of all ``n`` hands (a HO3D sequence) instead of sampling one per hand."""
    if layer.use_pca:
        raise ValueError("sample_hands needs a ManoLayer with use_pca=False")
    coeffs = rng.normal(0.0, params.pose_std, size=(n, params.pose_comps))
    hand_pose = _pose_from_pca(layer, coeffs, params.bound_margin_deg)
    betas = rng.normal(0.0, params.shape_std, size=(n, layer.num_betas)).clip(-2.5, 2.5)
    base = canonical_rotation(layer) if base is None else base
    rots = []
    for _ in range(n):
        flip = Rotation.from_euler("y", 180, degrees=True) if rng.random() < params.back_prob \
            else Rotation.identity()
        r = (Rotation.from_euler("z", rng.uniform(-1, 1) * params.in_plane_deg, degrees=True)
             * Rotation.from_euler("x", rng.uniform(-1, 1) * params.tilt_deg, degrees=True)
             * Rotation.from_euler("y", rng.uniform(-1, 1) * params.yaw_deg, degrees=True)
             * flip * Rotation.from_matrix(base))
        rots.append(r.as_rotvec())
    global_orient = np.stack(rots)
    with torch.no_grad():
        out = layer(torch.as_tensor(global_orient, dtype=torch.float32),
                    torch.as_tensor(hand_pose, dtype=torch.float32),
                    torch.as_tensor(betas, dtype=torch.float32))
    joints = out.joints.double().numpy()
    verts = out.vertices.double().numpy()
    K = _sample_K(params, rng, n) if K is None else np.broadcast_to(K, (n, 3, 3)).copy()
    transl = _place(joints, verts, K, params, rng)
    return HandBatch(global_orient, hand_pose, betas, transl, joints + transl[:, None],
                     verts + transl[:, None], K, joints[:, 0].copy())


def _sample_K(params: SceneParams, rng: np.random.Generator, n: int) -> np.ndarray:
    w, h = params.image_size
    K = np.zeros((n, 3, 3))
    f = rng.uniform(*params.focal, size=n)
    K[:, 0, 0] = f * rng.uniform(0.995, 1.005, size=n)
    K[:, 1, 1] = f
    K[:, 0, 2] = (w - 1) / 2 + rng.normal(0, params.principal_jitter, size=n)
    K[:, 1, 2] = (h - 1) / 2 + rng.normal(0, params.principal_jitter, size=n)
    K[:, 2, 2] = 1.0
    return K


def _place(joints: np.ndarray, verts: np.ndarray, K: np.ndarray, params: SceneParams,
           rng: np.random.Generator) -> np.ndarray:
    """Translations ``(B,3)`` putting each hand's centre at a jittered image centre and a random
    depth, then moving it away from the camera until all vertices are inside the margins."""
    w, h = params.image_size
    n = len(joints)
    center = 0.5 * (verts.min(1) + verts.max(1))
    depth = rng.uniform(*params.depth, size=n)
    target = np.stack([(w - 1) / 2 + rng.normal(0, params.center_jitter, n),
                       (h - 1) / 2 + rng.normal(0, params.center_jitter, n)], 1)
    ray = np.stack([(target[:, 0] - K[:, 0, 2]) / K[:, 0, 0],
                    (target[:, 1] - K[:, 1, 2]) / K[:, 1, 1], np.ones(n)], 1)
    for _ in range(6):
        transl = ray * depth[:, None] - center
        p = verts + transl[:, None]
        uv = p[..., :2] / p[..., 2:3] * K[:, None, [0, 1], [0, 1]] + K[:, None, :2, 2]
        half = np.array([w / 2 - params.margin, h / 2 - params.margin])
        reach = (np.abs(uv - np.array([(w - 1) / 2, (h - 1) / 2])) / half).max(axis=(1, 2))
        if (reach <= 1.0).all():
            break
        depth = depth * np.maximum(reach, 1.0) * 1.02
    return transl
