"""Write a synthetic dataset in the HO3D layout (evaluation.md §2.1-2.4).

``train.txt`` / ``evaluation.txt``, 640x480 frames ``{train,evaluation}/SEQ/rgb/FID.png`` (v2) or
``.jpg`` (v3), meta pickles in the OpenGL frame with HO3D's field names (``handPose`` absolute
48-d axis-angle, i.e. ``flat_hand_mean=True``; ``handBeta``; ``handTrans``; ``handJoints3D`` in
HO3D order; ``camMat``; object fields; evaluation metas carry only the wrist in
``handJoints3D`` plus ``handBoundingBox``), the evaluation GT ``evaluation_xyz.json`` /
``evaluation_verts.json`` (HO3D order, OpenGL) and detections ``openpose/SEQ/detect.json``.

Frames of one sequence share the camera and the background scene. Hands are rendered in a
square window around the hand (cheaper than the full frame) and pasted in.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from s2hand.data.detections import Detections, write_detections
from s2hand.data.ho3d import FRAME_SIZE as FRAME
from s2hand.data.ho3d import OPENGL_TO_OPENCV as GL
from s2hand.data.synthetic.appearance import (
    composite,
    random_background,
    random_lights,
    skin_colors,
)
from s2hand.data.synthetic.freihand_layout import dump_array
from s2hand.data.synthetic.noise import DetectionNoise, noisy_detections
from s2hand.data.synthetic.render import HandRenderer
from s2hand.data.synthetic.scene import HandBatch, SceneParams, canonical_rotation, sample_hands
from s2hand.data.synthetic.writer import ImageWriter
from s2hand.hand.joint_orders import FREI_TO_HO3D

HO3D_SCENE = SceneParams(image_size=FRAME, focal=(600.0, 630.0), principal_jitter=4.0,
                         depth=(0.45, 0.7), center_jitter=70.0, margin=20.0)
_SPLITS = {"training": ("train", "SYNT"), "evaluation": ("evaluation", "SYNE")}


def ho3d_meta_params(hands: HandBatch, hand_mean: np.ndarray) -> dict[str, np.ndarray]:
    """HO3D MANO fields (OpenGL frame) reproducing the OpenCV-frame hands.

    With ``F = diag(1,-1,-1)``: ``F (R (v - J0) + J0 + t) = (F R)(v - J0) + J0 + t_gl`` with
    ``t_gl = F (J0 + t) - J0``, J0 the wrist before the global rotation.
    """
    rot = Rotation.from_matrix(np.diag(GL) @ Rotation.from_rotvec(hands.global_orient)
                               .as_matrix())
    pose = np.concatenate([rot.as_rotvec(), hands.hand_pose + hand_mean], 1)
    trans = (hands.wrist_rest + hands.transl) * GL - hands.wrist_rest
    return {"handPose": pose, "handBeta": hands.betas, "handTrans": trans}


def _window(verts_uv: np.ndarray) -> tuple[int, np.ndarray]:
    """Square render window side (multiple of 32) and top-left corners ``(B,2)`` around the
    projected hands."""
    lo, hi = verts_uv.min(1), verts_uv.max(1)
    side = int(math.ceil(((hi - lo).max() + 16) / 32) * 32)
    corner = np.floor((lo + hi) / 2 - side / 2).astype(np.int64)
    return side, corner


def _clip_window(corner: np.ndarray, side: int) -> tuple[slice, slice, slice, slice]:
    """Frame rows/cols and window rows/cols of the part of a window inside the frame."""
    x0, y0 = int(corner[0]), int(corner[1])
    fx0, fy0 = max(x0, 0), max(y0, 0)
    fx1, fy1 = max(min(x0 + side, FRAME[0]), fx0), max(min(y0 + side, FRAME[1]), fy0)
    return (slice(fy0, fy1), slice(fx0, fx1), slice(fy0 - y0, fy1 - y0),
            slice(fx0 - x0, fx1 - x0))


def _render_into(frame: np.ndarray, background: np.ndarray, rgb: np.ndarray,
                 alpha: np.ndarray, corner: np.ndarray, rng: np.random.Generator) -> None:
    """Composite a rendered window over the background and write it into the uint8 frame."""
    fr, fc, wr, wc = _clip_window(corner, rgb.shape[0])
    frame[fr, fc] = composite(rgb[wr, wc], alpha[wr, wc], background[fr, fc], rng)


def _sequence_camera(rng: np.random.Generator, scene: SceneParams) -> np.ndarray:
    f = rng.uniform(*scene.focal)
    return np.array([[f * rng.uniform(0.995, 1.005), 0.0, 320 + rng.normal(0, 4)],
                     [0.0, f, 240 + rng.normal(0, 4)], [0.0, 0.0, 1.0]])


def _meta(hands: HandBatch, params: dict, k: int, cam: np.ndarray, train: bool,
          box: np.ndarray) -> dict:
    joints_gl = (hands.joints[k] * GL)[list(FREI_TO_HO3D)]
    meta = {"camMat": cam, "objName": "none", "objLabel": 0, "objRot": np.zeros((3, 1)),
            "objTrans": np.zeros(3), "objCorners3D": np.zeros((8, 3)),
            "objCorners3DRest": np.zeros((8, 3)), "camIDList": ["0"]}
    if train:
        meta.update(handPose=params["handPose"][k].astype(np.float32),
                    handBeta=params["handBeta"][k].astype(np.float32),
                    handTrans=params["handTrans"][k].astype(np.float32),
                    handJoints3D=joints_gl.astype(np.float32))
    else:
        meta.update(handJoints3D=joints_gl[0].astype(np.float32),
                    handBoundingBox=box.astype(np.float32))
    return meta


def write_ho3d_split(out: Path, split: str, n: int, rng: np.random.Generator,
                     hand: HandRenderer, scene: SceneParams, noise: DetectionNoise,
                     version: str, frames_per_seq: int, batch_size: int,
                     progress: Callable[[int], None] | None = None) -> None:
    """Render ``n`` frames of ``split`` in sequences of ``frames_per_seq``."""
    with ImageWriter() as writer:
        _write_split(writer, out, split, n, rng, hand, scene, noise, version, frames_per_seq,
                     batch_size, progress)


def _write_split(writer: ImageWriter, out: Path, split: str, n: int, rng: np.random.Generator,
                 hand: HandRenderer, scene: SceneParams, noise: DetectionNoise, version: str,
                 frames_per_seq: int, batch_size: int,
                 progress: Callable[[int], None] | None) -> None:
    sub, prefix = _SPLITS[split]
    ext = ".jpg" if version == "v3" else ".png"
    base = canonical_rotation(hand.layer)
    hand_mean = hand.layer.hand_mean.double().numpy()
    lines: list[str] = []
    gt_xyz, gt_verts = [], []
    for s, start in enumerate(range(0, n, frames_per_seq)):
        seq = f"{prefix}{s:02d}"
        count = min(frames_per_seq, n - start)
        for d in ("rgb", "meta"):
            (out / sub / seq / d).mkdir(parents=True, exist_ok=True)
        cam = _sequence_camera(rng, scene)
        background = random_background(rng, FRAME)
        frame_base = (background * 255 + 0.5).astype(np.uint8)
        det_xy, det_conf, names = [], [], []
        for b0 in range(0, count, batch_size):
            b = min(batch_size, count - b0)
            hands = sample_hands(hand.layer, scene, rng, b, base, cam)
            params = ho3d_meta_params(hands, hand_mean)
            uvw = hands.verts @ cam.T
            verts_uv = uvw[..., :2] / uvw[..., 2:3]
            side, corner = _window(verts_uv)
            K_win = np.broadcast_to(cam, (b, 3, 3)).copy()
            K_win[:, :2, 2] -= corner
            colors = skin_colors(rng, np.broadcast_to(hand.rest_verts,
                                                      (b, *hand.rest_verts.shape)))
            rgb, alpha = hand.render(hands.verts, K_win, colors, random_lights(rng, b), side)
            uvj = hands.joints @ cam.T
            uv = uvj[..., :2] / uvj[..., 2:3]
            xy, conf = noisy_detections(uv, FRAME, noise, rng)
            for k in range(b):
                fid = f"{b0 + k:04d}"
                frame = frame_base.copy()
                _render_into(frame, background, rgb[k], alpha[k], corner[k], rng)
                writer.submit(out / sub / seq / "rgb" / (fid + ext), frame)
                box = np.concatenate([verts_uv[k].min(0), verts_uv[k].max(0)])
                box = np.clip(box + [-5, -5, 5, 5], 0, [FRAME[0] - 1, FRAME[1] - 1] * 2)
                meta = _meta(hands, params, k, cam, split == "training", box)
                with open(out / sub / seq / "meta" / f"{fid}.pkl", "wb") as f:
                    pickle.dump(meta, f, protocol=2)
                lines.append(f"{seq}/{fid}")
                names.append(fid + ext)
            det_xy.append(xy)
            det_conf.append(conf)
            gt_xyz.append((hands.joints * GL)[:, list(FREI_TO_HO3D)])
            gt_verts.append(hands.verts * GL)
            if progress is not None:
                progress(b)
        write_detections(out / "openpose" / seq / "detect.json",
                         Detections(np.concatenate(det_xy), np.concatenate(det_conf), names))
    if split == "evaluation":
        for name, arrays in (("xyz", gt_xyz), ("verts", gt_verts)):
            dump_array(out / f"evaluation_{name}.json", np.concatenate(arrays))
    (out / f"{sub}.txt").write_text("\n".join(lines) + "\n")
