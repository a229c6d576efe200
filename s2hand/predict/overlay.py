"""Overlay pictures: rendered meshes and 2D skeletons on the full image, plus a side view."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch

from s2hand.data.synthetic.render import PIXEL_CENTRE_SHIFT
from s2hand.hand.joint_orders import FREI_BONES
from s2hand.render import Renderer

MAX_SIDE = 512
# BGR-free RGB colours per finger (thumb, index, middle, ring, pinky).
FINGER_RGB = ((230, 60, 60), (240, 160, 30), (60, 180, 60), (50, 110, 230), (160, 70, 200))
MESH_RGB = np.array([0.55, 0.75, 1.0])


def draw_skeleton(image: np.ndarray, uv: np.ndarray, conf: np.ndarray | None = None) -> None:
    """Draw ``uv (21,2)`` (FreiHAND order) on the RGB ``image`` in place; zero-confidence
    joints are skipped."""
    ok = np.ones(len(uv), bool) if conf is None else np.asarray(conf) > 0
    thick = max(1, round(max(image.shape[:2]) / 300))
    for parent, child in FREI_BONES:
        if ok[parent] and ok[child]:
            cv2.line(image, tuple(np.round(uv[parent]).astype(int).tolist()),
                     tuple(np.round(uv[child]).astype(int).tolist()),
                     FINGER_RGB[(child - 1) // 4], thick, cv2.LINE_AA)
    for j in np.flatnonzero(ok):
        cv2.circle(image, tuple(np.round(uv[j]).astype(int).tolist()), thick + 1,
                   (255, 255, 255), -1, cv2.LINE_AA)


def _render(vertices: Sequence[np.ndarray], faces: Sequence[np.ndarray], K: np.ndarray,
            size: int) -> tuple[np.ndarray, np.ndarray]:
    """Shaded meshes (several hands composited by depth) -> rgb ``(S,S,3)``, alpha ``(S,S)``."""
    renderer = Renderer(size, anti_aliasing=False, soft_sigma=0.0)
    K = K.copy()
    K[:2, 2] += PIXEL_CENTRE_SHIFT
    rgb = np.zeros((size, size, 3))
    depth = np.full((size, size), np.inf)
    for v, f in zip(vertices, faces, strict=True):
        with torch.no_grad():
            out = renderer(torch.as_tensor(v[None], dtype=torch.float32),
                           torch.as_tensor(f, dtype=torch.long),
                           torch.as_tensor(K[None], dtype=torch.float32),
                           textures=torch.as_tensor(np.tile(MESH_RGB, (1, len(v), 1)),
                                                    dtype=torch.float32),
                           outputs=("rgb", "depth", "silhouette"))
        d = out.depth[0].numpy()
        d = np.where(out.silhouette[0].numpy() > 0.5, d, np.inf)
        near = d < depth
        rgb[near] = out.rgb[0].permute(1, 2, 0).clamp(0, 1).numpy()[near]
        depth = np.minimum(depth, d)
    return rgb, np.isfinite(depth)


def overlay_picture(image: np.ndarray, K: np.ndarray, hands: Sequence[dict],
                    faces: Sequence[np.ndarray]) -> np.ndarray:
    """``[image with meshes + skeletons | side view]`` as one RGB uint8 picture.

    ``hands``: dicts with ``vertices (V,3)``, ``joints (21,3)`` (camera frame, metres),
    ``keypoints (21,2)`` and ``conf (21,)`` (full-image pixels); ``faces`` per hand.
    """
    h, w = image.shape[:2]
    s = min(1.0, MAX_SIDE / max(h, w))
    small = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    hs, ws = small.shape[:2]
    Ks = np.diag([s, s, 1.0]) @ K
    size = max(hs, ws)
    front = small.copy()
    side = np.full_like(small, 255)
    if hands:
        rgb, alpha = _render([hd["vertices"] for hd in hands], faces, Ks, size)
        a = 0.7 * alpha[:hs, :ws, None]
        front = ((1 - a) * front + a * rgb[:hs, :ws] * 255).astype(np.uint8)
        # Side view: each hand turned 90 deg about the vertical axis through its centre.
        turned_v, turned_j = [], []
        turn = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
        for hd in hands:
            c = hd["vertices"].mean(0)
            turned_v.append((hd["vertices"] - c) @ turn.T + c)
            turned_j.append((hd["joints"] - c) @ turn.T + c)
        rgb, alpha = _render(turned_v, faces, Ks, size)
        a = alpha[:hs, :ws, None]
        side = ((1 - a) * side + a * rgb[:hs, :ws] * 255).astype(np.uint8)
        for hd, tj in zip(hands, turned_j, strict=True):
            draw_skeleton(front, hd["keypoints"] * s, hd["conf"])
            uvw = tj @ Ks.T
            draw_skeleton(side, uvw[:, :2] / uvw[:, 2:])
    return np.concatenate([front, side], axis=1)
