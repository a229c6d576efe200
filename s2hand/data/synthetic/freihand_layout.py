"""Write a synthetic dataset in the FreiHAND_pub_v2 layout (evaluation.md §1.1).

Files: ``training/rgb/%08d.jpg`` (``num_versions`` versions, file id ``idx + N * v``),
``training/mask/%08d.jpg``, ``evaluation/rgb/%08d.jpg``, ``{training,evaluation}_{K,xyz,verts,
scale}.json``, ``training_mano.json`` (``[1, 61]`` rows: global orient, finger pose relative to
the mean, 10 betas, uv of joint 9, ``focal / z_9`` as FreiHAND's ``backproject_ortho`` expects),
detections ``openpose_v2/training/detect_all.json`` and ``openpose/evaluation/detect.json``.
Versions other than gs show the same render over a different background with a colour shift.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from s2hand.data.detections import Detections, write_detections
from s2hand.data.synthetic.appearance import (
    composite,
    random_background,
    random_lights,
    skin_colors,
)
from s2hand.data.synthetic.noise import DetectionNoise, noisy_detections
from s2hand.data.synthetic.render import HandRenderer
from s2hand.data.synthetic.scene import SceneParams, canonical_rotation, sample_hands
from s2hand.data.synthetic.writer import ImageWriter

NUM_MANO_BETAS = 10


def _project(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    uvw = np.einsum("bij,bnj->bni", K, X)
    return uvw[..., :2] / uvw[..., 2:3]


def dump_array(path: Path, array: np.ndarray) -> None:
    """Write ``array`` as nested JSON lists (0.1 µm / 1e-7 precision)."""
    # json.dumps uses the C encoder; json.dump to a file does not (10x slower).
    path.write_text(json.dumps(np.round(array, 7).tolist(), separators=(",", ":")))


def mano_vector(hands, uv9: np.ndarray) -> np.ndarray:
    """FreiHAND ``[B, 1, 61]`` MANO rows for a :class:`HandBatch` (betas padded to 10)."""
    betas = np.zeros((len(uv9), NUM_MANO_BETAS))
    k = min(NUM_MANO_BETAS, hands.betas.shape[1])
    betas[:, :k] = hands.betas[:, :k]
    focal = 0.5 * (hands.K[:, 0, 0] + hands.K[:, 1, 1])
    scale = focal / hands.joints[:, 9, 2]
    return np.concatenate([hands.global_orient, hands.hand_pose, betas, uv9,
                           scale[:, None]], 1)[:, None, :]


def write_freihand_split(out: Path, split: str, n: int, rng: np.random.Generator,
                         hand: HandRenderer, scene: SceneParams, noise: DetectionNoise,
                         num_versions: int, batch_size: int,
                         progress: Callable[[int], None] | None = None) -> None:
    """Render ``n`` samples of ``split`` ("training"/"evaluation") into ``out``."""
    with ImageWriter() as writer:
        _write_split(writer, out, split, n, rng, hand, scene, noise, num_versions, batch_size,
                     progress)


def _write_split(writer: ImageWriter, out: Path, split: str, n: int, rng: np.random.Generator,
                 hand: HandRenderer, scene: SceneParams, noise: DetectionNoise,
                 num_versions: int, batch_size: int,
                 progress: Callable[[int], None] | None) -> None:
    versions = num_versions if split == "training" else 1
    (out / split / "rgb").mkdir(parents=True, exist_ok=True)
    if split == "training":
        (out / split / "mask").mkdir(parents=True, exist_ok=True)
    base = canonical_rotation(hand.layer)
    size = scene.image_size
    arrays: dict[str, list[np.ndarray]] = {"K": [], "xyz": [], "verts": [], "mano": []}
    det_xy = np.zeros((n * versions, 21, 2))
    det_conf = np.zeros((n * versions, 21))
    for start in range(0, n, batch_size):
        b = min(batch_size, n - start)
        hands = sample_hands(hand.layer, scene, rng, b, base)
        colors = skin_colors(rng, np.broadcast_to(hand.rest_verts, (b, *hand.rest_verts.shape)))
        rgb, alpha = hand.render(hands.verts, hands.K, colors, random_lights(rng, b), size[0])
        uv = _project(hands.joints, hands.K)
        for v in range(versions):
            xy, conf = noisy_detections(uv, size, noise, rng)
            rows = slice(v * n + start, v * n + start + b)
            det_xy[rows], det_conf[rows] = xy, conf
            for k in range(b):
                hand_rgb = rgb[k] if v == 0 else np.clip(rgb[k] * rng.uniform(0.8, 1.2, 3), 0, 1)
                img = composite(hand_rgb, alpha[k], random_background(rng, size), rng)
                writer.submit(out / split / "rgb" / f"{start + k + n * v:08d}.jpg", img)
        if split == "training":
            for k in range(b):
                writer.submit(out / split / "mask" / f"{start + k:08d}.jpg",
                            (alpha[k] * 255).astype(np.uint8))
        arrays["K"].append(hands.K)
        arrays["xyz"].append(hands.joints)
        arrays["verts"].append(hands.verts)
        arrays["mano"].append(mano_vector(hands, uv[:, 9]))
        if progress is not None:
            progress(b)
    cat = {k: np.concatenate(v) for k, v in arrays.items()}
    det_file = ("openpose_v2/training/detect_all.json" if split == "training"
                else "openpose/evaluation/detect.json")
    names = [f"{i:08d}.jpg" for i in range(n * versions)]
    write_detections(out / det_file, Detections(det_xy, det_conf, names))
    dump_array(out / f"{split}_xyz.json", cat["xyz"])
    dump_array(out / f"{split}_verts.json", cat["verts"])
    dump_array(out / f"{split}_scale.json",
          np.linalg.norm(cat["xyz"][:, 9] - cat["xyz"][:, 10], axis=1))
    if split == "training":
        dump_array(out / "training_mano.json", cat["mano"])
    # K last: the loaders treat the K file as "this split exists".
    dump_array(out / f"{split}_K.json", cat["K"])
