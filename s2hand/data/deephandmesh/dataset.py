"""The DeepHandMesh training/testing dataset (deephandmesh.md §8): one sample per (sequence,
colour camera, annotated frame).

A sample is the input crop of that camera and the depth supervision of ``num_views`` colour
cameras drawn without replacement (independently of the input camera), each with its crop
affine and camera. Keys (the original's names in brackets):

* ``img (3, 256, 256)`` float32 in [0, 1] [inputs.img];
* ``joints (J, 3)`` world mm, ``valid (J, 1)`` [targets.joint.world_coord / valid];
* ``depth (N, 256, 256)`` cropped depth maps, mm, 0 = background [targets.depthmap];
* ``camrot (N, 3, 3)``, ``campos (N, 3)``, ``focal (N, 2)``, ``princpt (N, 2)``,
  ``affine (N, 2, 3)`` [meta_info.cam_param, meta_info.affine_trans];
* ``input_affine (2, 3)``, ``frame``, ``seq``, ``cam`` (bookkeeping).

The draw of views is seeded by ``(seed, index, epoch)`` (:meth:`set_epoch`); the original
draws with Python's unseeded ``random``. Images without a keypoint file are not samples; their
number is :attr:`num_unannotated`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from s2hand.data.deephandmesh.crop import CROP_SIZE, bbox_affine, joint_bbox, warp
from s2hand.data.deephandmesh.depth_map import read_depth_map
from s2hand.data.deephandmesh.keypoints import read_pts
from s2hand.data.deephandmesh.krt import KRTCamera, read_krt
from s2hand.data.deephandmesh.layout import (
    DHMLayout,
    list_frames,
    select_cameras,
    select_sequences,
)
from s2hand.data.errors import DataError
from s2hand.data.io import read_image
from s2hand.hand.deephandmesh.skeleton import JOINT_NAMES

NUM_VIEWS = 6


class DeepHandMeshDataset(Dataset):
    """Samples of one subject of a dataset root in the original layout; ``sequences``
    restricts them to some of the selected sequences (e.g. held-out ones)."""

    def __init__(self, root: str | Path, subject: str = "4", num_views: int = NUM_VIEWS,
                 joint_names: tuple[str, ...] = JOINT_NAMES, seed: int = 0,
                 sequences: list[str] | None = None) -> None:
        self.layout = DHMLayout(Path(root), str(subject))
        krt = read_krt(self.layout.krt_path)
        self.cameras: dict[str, KRTCamera] = {n: krt[n] for n in select_cameras(list(krt))}
        if len(self.cameras) < num_views:
            raise DataError(f"{self.layout.krt_path}: {len(self.cameras)} colour cameras "
                            f"(names starting with 40), but {num_views} depth views are drawn "
                            "per sample.")
        self.num_views, self.joint_names, self.seed, self.epoch = num_views, joint_names, seed, 0
        self.samples: list[tuple[str, str, int]] = []
        self.num_unannotated = 0
        selected = select_sequences(self.layout)
        if sequences is not None:
            unknown = sorted(set(sequences) - set(selected))
            if unknown:
                raise DataError(f"{self.layout.image_dir}: sequence(s) {', '.join(unknown)} not "
                                f"among the selected ones ({', '.join(selected) or 'none'}).")
            selected = [s for s in selected if s in set(sequences)]
        for seq in selected:
            for cam in self.cameras:
                for frame in list_frames(self.layout, seq, cam):
                    if self.layout.keypoints_path(frame).is_file():
                        self.samples.append((seq, cam, frame))
                    else:
                        self.num_unannotated += 1
        if not self.samples:
            raise DataError(f"{self.layout.image_dir}: no annotated images of colour cameras in "
                            "the selected sequences (subject 1: 00*, others: *RT*, without ROM).")

    def __len__(self) -> int:
        return len(self.samples)

    def set_epoch(self, epoch: int) -> None:
        """Draw new depth views in each epoch (reproducibly)."""
        self.epoch = int(epoch)

    def get_for_epoch(self, index: int, epoch: int) -> dict:
        """Sample ``index`` with the depth views of ``epoch`` (what the engine's sampler asks)."""
        return self._sample(index, int(epoch))

    def _crop(self, cam: KRTCamera, joints: np.ndarray, valid: np.ndarray,
              image_hw: tuple[int, int], path: Path) -> np.ndarray:
        uv = cam.project(joints[valid[:, 0] > 0])
        try:
            return bbox_affine(joint_bbox(uv, image_hw))
        except ValueError as err:
            raise DataError(f"{path}: cannot crop the hand in camera {cam.name}: {err}.") from None

    def __getitem__(self, index: int) -> dict:
        return self._sample(index, self.epoch)

    def _sample(self, index: int, epoch: int) -> dict:
        seq, cam_name, frame = self.samples[index]
        joints, valid = read_pts(self.layout.keypoints_path(frame), self.joint_names)
        image_path = self.layout.image_path(seq, cam_name, frame)
        image = read_image(image_path)
        input_affine = self._crop(self.cameras[cam_name], joints, valid, image.shape[:2],
                                  image_path)
        img = warp(image.astype(np.float32), input_affine) / 255.0
        rng = np.random.default_rng([self.seed, index, epoch])
        names = list(self.cameras)
        views = [names[i] for i in rng.choice(len(names), self.num_views, replace=False)]
        depth, affine = [], []
        for view in views:
            path = self.layout.depth_path(frame, view)
            raw = read_depth_map(path)
            affine.append(self._crop(self.cameras[view], joints, valid, raw.shape, path))
            depth.append(warp(raw, affine[-1]))
        cams = [self.cameras[v] for v in views]

        def f32(values: list | np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.asarray(values), dtype=torch.float32)

        return {
            "img": f32(img.transpose(2, 0, 1)), "joints": f32(joints), "valid": f32(valid),
            "depth": f32(depth), "camrot": f32([c.R for c in cams]),
            "campos": f32([c.campos for c in cams]), "focal": f32([c.focal for c in cams]),
            "princpt": f32([c.princpt for c in cams]), "affine": f32(affine),
            "input_affine": f32(input_affine), "frame": frame, "seq": seq, "cam": cam_name,
        }


__all__ = ["CROP_SIZE", "NUM_VIEWS", "DeepHandMeshDataset"]
