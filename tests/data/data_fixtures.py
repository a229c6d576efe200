"""Tiny on-disk FreiHAND/HO3D datasets written by the tests themselves (no renderer needed).

Images are random noise with a bright square marking the projected middle-MCP joint, so that
tests can check that the image warp agrees with the 2D/3D/K transforms.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

from s2hand.data.detections import Detections, write_detections
from s2hand.data.freihand import project
from s2hand.data.io import write_image
from s2hand.hand.joint_orders import FREI_TO_HO3D

MARK_JOINT = 9


def random_joints(rng: np.random.Generator, n: int, depth: float = 0.6) -> np.ndarray:
    """``(n,21,3)`` points in a 8 cm ball around (0, 0, depth), metres."""
    xyz = rng.normal(0.0, 0.04, size=(n, 21, 3))
    xyz[..., 2] += depth
    return xyz


def _marked_image(rng: np.random.Generator, size: tuple[int, int], uv: np.ndarray) -> np.ndarray:
    w, h = size
    img = rng.integers(0, 60, size=(h, w, 3), dtype=np.uint8)
    u, v = int(round(uv[0])), int(round(uv[1]))
    img[max(v - 2, 0):v + 3, max(u - 2, 0):u + 3] = 255
    return img


def write_freihand(root: Path, n_train: int = 6, n_eval: int = 3, seed: int = 0,
                   versions: int = 4, fx_fy: tuple[float, float] = (520.0, 560.0),
                   det_noise: float = 0.0) -> dict:
    """Write a FreiHAND-layout dataset; returns the arrays written (for assertions)."""
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (("training", n_train), ("evaluation", n_eval)):
        K = np.tile(np.array([[fx_fy[0], 0, 110.5], [0, fx_fy[1], 113.0], [0, 0, 1.0]]), (n, 1, 1))
        xyz = random_joints(rng, n)
        uv = np.stack([project(x, k) for x, k in zip(xyz, K, strict=True)])
        verts = rng.normal(0, 0.05, size=(n, 30, 3)) + np.array([0, 0, 0.6])
        scale = np.linalg.norm(xyz[:, 9] - xyz[:, 10], axis=1)
        json.dump(K.tolist(), open(root / f"{split}_K.json", "w"))
        json.dump(xyz.tolist(), open(root / f"{split}_xyz.json", "w"))
        json.dump(verts.tolist(), open(root / f"{split}_verts.json", "w"))
        json.dump(scale.tolist(), open(root / f"{split}_scale.json", "w"))
        (root / split / "rgb").mkdir(parents=True)
        n_versions = versions if split == "training" else 1
        names = []
        for v in range(n_versions):
            for i in range(n):
                img = _marked_image(rng, (224, 224), uv[i, MARK_JOINT])
                img[:8, :8] = (v * 60, v * 60, v * 60)  # version tag, read back by the tests
                write_image(root / split / "rgb" / f"{i + n * v:08d}.jpg", img, 98)
                names.append(f"{i + n * v:08d}.jpg")
        conf = rng.uniform(0.3, 1.0, size=(n * n_versions, 21))
        det_uv = np.tile(uv, (n_versions, 1, 1)) + rng.normal(0, det_noise, (n * n_versions, 21, 2))
        det_file = ("openpose_v2/training/detect_all.json" if split == "training"
                    else "openpose/evaluation/detect.json")
        write_detections(root / det_file, Detections(det_uv, conf, names))
        out[split] = dict(K=K, xyz=xyz, uv=uv, verts=verts, scale=scale, conf=conf)
    (root / "training" / "mask").mkdir()
    for i in range(n_train):
        write_image(root / "training" / "mask" / f"{i:08d}.jpg",
                    np.full((224, 224), 255 * (i % 2), np.uint8))
    mano = rng.normal(size=(n_train, 1, 61))
    json.dump(mano.tolist(), open(root / "training_mano.json", "w"))
    out["training"]["mano"] = mano
    return out


def write_ho3d(root: Path, seqs: int = 2, frames: int = 3, seed: int = 0, ext: str = ".png",
               ) -> dict:
    """Write a HO3D-layout dataset (OpenGL metas, 640x480 frames); returns the arrays."""
    rng = np.random.default_rng(seed)
    cam = np.array([[614.0, 0, 320.0], [0, 616.0, 240.0], [0, 0, 1]])
    out = {}
    for split, sub in (("training", "train"), ("evaluation", "evaluation")):
        lines, xyz_all, uv_all = [], [], []
        for s in range(seqs):
            seq = f"{'T' if split == 'training' else 'E'}SQ{s}"
            for d in ("rgb", "meta"):
                (root / sub / seq / d).mkdir(parents=True)
            names, det_uv = [], []
            for f in range(frames):
                fid = f"{f:04d}"
                xyz_cv = random_joints(rng, 1, depth=0.55)[0] + [rng.uniform(-.1, .1), 0, 0]
                uv = project(xyz_cv, cam)
                xyz_gl = (xyz_cv * [1, -1, -1])[list(FREI_TO_HO3D)]
                img = _marked_image(rng, (640, 480), uv[MARK_JOINT])
                write_image(root / sub / seq / "rgb" / (fid + ext), img)
                meta = {"camMat": cam, "objName": "none", "objRot": None}
                if split == "training":
                    meta["handJoints3D"] = xyz_gl.astype(np.float32)
                else:
                    meta["handJoints3D"] = xyz_gl[0]
                    meta["handBoundingBox"] = np.concatenate([uv.min(0), uv.max(0)])
                pickle.dump(meta, open(root / sub / seq / "meta" / f"{fid}.pkl", "wb"),
                            protocol=2)
                lines.append(f"{seq}/{fid}")
                names.append(fid + ".png")
                det_uv.append(uv)
                xyz_all.append(xyz_gl)
                uv_all.append(uv)
            write_detections(root / "openpose" / seq / "detect.json",
                             Detections(np.stack(det_uv), np.full((frames, 21), 0.9), names))
        (root / f"{sub}.txt").write_text("\n".join(lines) + "\n")
        out[split] = dict(xyz_gl=np.stack(xyz_all), uv=np.stack(uv_all), cam=cam)
    json.dump(out["evaluation"]["xyz_gl"].tolist(), open(root / "evaluation_xyz.json", "w"))
    return out
