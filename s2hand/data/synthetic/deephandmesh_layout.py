"""Write a synthetic DeepHandMesh subject in the original dataset layout
(:mod:`s2hand.data.deephandmesh.layout`), with its ground truth beside it.

For every frame of every sequence, each colour camera gets a 512x334 RGB image (the shaded
mesh on a plain background, JPEG) and a depth map (camera Z in mm, 0 = background, pickled
array); the frame gets a ``.pts`` file of the 21 right-hand keypoints (world mm). Ground truth
for evaluation, ``ground_truth/subject_{S}/ground_truth.npz``: per frame the Euler angles, the
model frame's world transform, the 22 joints and the mesh (world mm); and the subject's
identity (true skeleton corrective, skin offsets, bone lengths). Deterministic by ``seed``
(poses) and ``identity_seed`` (the subject).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from s2hand.data.deephandmesh.depth_map import depth_map_bytes
from s2hand.data.deephandmesh.keypoints import PTS_JOINT_NAMES, format_pts
from s2hand.data.deephandmesh.krt import KRTCamera, format_krt
from s2hand.data.deephandmesh.layout import DHMLayout
from s2hand.data.io import write_image
from s2hand.data.synthetic.dhm_rig import IMAGE_HW, make_rig, pose_sequence
from s2hand.data.synthetic.dhm_subject import SyntheticSubject, make_subject
from s2hand.data.synthetic.render import PIXEL_CENTRE_SHIFT
from s2hand.data.synthetic.target import claim_output_folder, finish_output_folder
from s2hand.hand.deephandmesh.hand_model import DHMHandModel, load_dhm_hand_model
from s2hand.hand.deephandmesh.skeleton import JOINT_NAMES
from s2hand.outputs import atomic_write_bytes, atomic_write_text
from s2hand.render import Lights, face_light, project_to_ndc, rasterize, shade_fragments
from s2hand.render.renderer import gather_faces

GENERATOR_VERSION = 1
DEPTH_DTYPES = ("float32", "float16")
LIGHT_AMBIENT, LIGHT_DIRECTIONAL = 0.45, 0.6
LIGHT_DIRECTION = (-0.3, 0.5, 1.0)   # NR normal sign: lights faces seen from the upper left


@dataclass(frozen=True)
class DHMSyntheticParams:
    """What to generate. ``heldout_sequences``: the last ones are marked held out in the
    metadata (for evaluation); they are written like the others."""

    subject: str = "4"
    num_sequences: int = 2
    frames_per_sequence: int = 16
    num_cameras: int = 12
    identity_seed: int = 0
    heldout_sequences: int = 1
    background: tuple[float, float, float] = (0.35, 0.35, 0.38)
    skin_color: tuple[float, float, float] = (0.86, 0.66, 0.55)
    depth_dtype: str = "float32"

    def check(self) -> None:
        for name in ("num_sequences", "frames_per_sequence", "num_cameras"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.heldout_sequences < self.num_sequences:
            raise ValueError(f"heldout_sequences must be in 0..{self.num_sequences - 1}, got "
                             f"{self.heldout_sequences}")
        if self.depth_dtype not in DEPTH_DTYPES:
            raise ValueError(f"depth_dtype must be one of {DEPTH_DTYPES}, got "
                             f"{self.depth_dtype!r}")
        if not self.subject.isalnum():
            raise ValueError(f"subject must be letters/digits, got {self.subject!r}")


def sequence_name(k: int) -> str:
    """``0000_RT_synthetic``: selected by the original's rules for every subject."""
    return f"{k:04d}_RT_synthetic"


class _ViewRenderer:
    """World-mm meshes -> RGB (uint8) and depth (mm) in every colour camera at 512x334.

    Uses :mod:`s2hand.render`'s stages directly (no anti-aliasing, no edge gradients) and
    writes only covered pixels over a ready background, which is what makes it fast enough.
    Flat per-face shading with an ambient light and a directional one from the camera's side.
    """

    def __init__(self, cameras: list[KRTCamera], faces: np.ndarray,
                 params: DHMSyntheticParams) -> None:
        self.height, self.width = IMAGE_HW
        K = np.stack([c.K for c in cameras])
        K[:, :2, 2] += PIXEL_CENTRE_SHIFT          # NR pixel i is centred on i + 0.5
        self.K = torch.as_tensor(K, dtype=torch.float32)
        self.rot = torch.as_tensor(np.stack([c.R for c in cameras]), dtype=torch.float32)
        self.pos = torch.as_tensor(np.stack([c.campos for c in cameras]), dtype=torch.float32)
        count = len(cameras)
        self.faces = torch.as_tensor(faces).expand(count, -1, -1)
        direction = torch.tensor(LIGHT_DIRECTION) / torch.linalg.norm(torch.tensor(LIGHT_DIRECTION))
        vector = torch.tensor([LIGHT_AMBIENT, LIGHT_DIRECTIONAL, *params.skin_color,
                               *params.skin_color, *direction.tolist()])
        self.lights = Lights.from_vector(vector.expand(count, 11))
        background = (np.asarray(params.background) * 255 + 0.5).astype(np.uint8)
        self.background = np.broadcast_to(background, (count * self.height ** 2, 3))

    @torch.no_grad()
    def __call__(self, vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(V, 3)`` -> ``rgb (C, H, W, 3)`` uint8, ``depth (C, H, W)`` float32 mm."""
        world = torch.as_tensor(vertices, dtype=torch.float32)
        cam = (world[None] - self.pos[:, None]) @ self.rot.transpose(1, 2)
        ndc = project_to_ndc(cam, self.K, float(self.height))
        frags = rasterize(gather_faces(ndc, self.faces), self.height, near=1.0, far=1e5)
        light = face_light(gather_faces(cam, self.faces), self.lights, ~frags.front)
        colors = shade_fragments(frags, light).clamp(0, 1)
        ids = frags.pixel_ids.numpy()
        rgb = self.background.copy()
        rgb[ids] = (colors * 255 + 0.5).to(torch.uint8).numpy()
        depth = np.zeros(len(rgb), np.float32)
        depth[ids] = frags.depth.numpy()
        shape = (len(self.K), self.height, self.height)
        return (rgb.reshape(*shape, 3)[:, :, : self.width],
                depth.reshape(shape)[:, :, : self.width])


def generate_dhm_synthetic(out_dir: str | Path, params: DHMSyntheticParams = DHMSyntheticParams(),
                           seed: int = 0, hand_model: DHMHandModel | str | Path | None = None,
                           progress: Callable[[int], None] | None = None,
                           overwrite: bool = False, torch_threads: int | None = 1,
                           writer_threads: int = 2) -> dict[str, Any]:
    """Render the subject into ``out_dir``; returns the metadata written to
    ``synthetic.json``. ``progress`` is called with the number of views finished after each
    frame. Files the generator did not write are never overwritten (see :mod:`.target`)."""
    params.check()
    hand = (hand_model if isinstance(hand_model, DHMHandModel)
            else load_dhm_hand_model(hand_model))
    out = Path(out_dir)
    claim_output_folder(out, overwrite)
    before = torch.get_num_threads()
    if torch_threads:
        torch.set_num_threads(torch_threads)
    try:
        subject = make_subject(hand, params.identity_seed)
        cameras = make_rig(params.num_cameras)
        layout = DHMLayout(out, params.subject)
        layout.krt_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(layout.krt_path, format_krt(cameras))
        gt = _write_frames(layout, subject, cameras, params, seed, progress, writer_threads)
    finally:
        torch.set_num_threads(before)
    gt_path = out / "ground_truth" / f"subject_{params.subject}" / "ground_truth.npz"
    gt_path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, **gt)
    atomic_write_bytes(gt_path, buffer.getvalue())
    names = [sequence_name(k) for k in range(params.num_sequences)]
    meta = {"generator_version": GENERATOR_VERSION, "layout": "deephandmesh", "seed": seed,
            "hand_model": hand.name, "params": asdict(params),
            "colour_cameras": [c.name for c in cameras if c.name.startswith("40")],
            "sequences": names,
            "heldout_sequences": names[len(names) - params.heldout_sequences:],
            "ground_truth": str(gt_path.relative_to(out))}
    return finish_output_folder(out, json.loads(json.dumps(meta)))


def _write_frames(layout: DHMLayout, subject: SyntheticSubject, cameras: list[KRTCamera],
                  params: DHMSyntheticParams, seed: int,
                  progress: Callable[[int], None] | None, writer_threads: int) -> dict:
    hand = subject.hand
    colour = [c for c in cameras if c.name.startswith("40")]
    views = _ViewRenderer(colour, hand.faces, params)
    pts_order = [JOINT_NAMES.index(n) for n in PTS_JOINT_NAMES]
    centre = hand.vertices.mean(axis=0)
    root_bind = torch.as_tensor(hand.global_pose[hand.root])
    records: dict[str, list] = {k: [] for k in ("frames", "sequence", "euler", "world",
                                                "joints", "vertices")}
    pending = []
    with ThreadPoolExecutor(max_workers=max(writer_threads, 1)) as pool:
        for k in range(params.num_sequences):
            seq = sequence_name(k)
            euler, world = pose_sequence(np.random.default_rng([seed, k]),
                                         params.frames_per_sequence, centre)
            posed = subject.pose(torch.as_tensor(euler), torch.as_tensor(world) @ root_bind)
            for cam in colour:
                (layout.image_dir / seq / f"cam{cam.name}").mkdir(parents=True, exist_ok=True)
            for f in range(params.frames_per_sequence):
                frame = k * params.frames_per_sequence + f + 1
                joints = posed.joints[f].numpy()
                vertices = posed.vertices[f].numpy()
                rgb, depth = views(vertices)
                kp = layout.keypoints_path(frame)
                kp.parent.mkdir(parents=True, exist_ok=True)
                kp.write_text(format_pts(joints[pts_order]))
                depth_dir = layout.depth_path(frame, colour[0].name).parent
                depth_dir.mkdir(parents=True, exist_ok=True)
                for c, cam in enumerate(colour):
                    pending.append(pool.submit(write_image,
                                               layout.image_path(seq, cam.name, frame), rgb[c]))
                    pending.append(pool.submit(
                        layout.depth_path(frame, cam.name).write_bytes,
                        depth_map_bytes(depth[c].astype(params.depth_dtype))))
                for key, value in (("frames", frame), ("sequence", seq), ("euler", euler[f]),
                                   ("world", world[f]), ("joints", joints),
                                   ("vertices", vertices.astype(np.float32))):
                    records[key].append(value)
                while len(pending) > 8 * len(colour):
                    pending.pop(0).result()
                if progress is not None:
                    progress(len(colour))
        for job in pending:
            job.result()
    gt = {key: np.asarray(value) for key, value in records.items()}
    gt.update(faces=hand.faces, skeleton_corrective=subject.skeleton_corrective,
              skin_offsets=subject.skin_offsets,
              bone_lengths_template=subject.bone_lengths(corrected=False),
              bone_lengths_subject=subject.bone_lengths())
    return gt
