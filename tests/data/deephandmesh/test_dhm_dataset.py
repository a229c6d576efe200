"""The DeepHandMesh dataset on a small hand-made tree in the original layout."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from s2hand.data.deephandmesh import (
    DeepHandMeshDataset,
    KRTCamera,
    depth_map_bytes,
    format_krt,
    format_pts,
)
from s2hand.data.errors import MissingFileError
from s2hand.data.io import write_image
from s2hand.hand.deephandmesh import JOINT_NAMES

H, W = 128, 96
COLOUR = [f"4000{k:02d}" for k in range(7)]


def _look_at(pos):
    z = -pos / np.linalg.norm(pos)
    x = np.cross([0.0, 1.0, 0.0], z)
    x /= np.linalg.norm(x)
    rot = np.stack([x, np.cross(z, x), z])
    return rot, -rot @ pos


def _tree(root):
    cams = []
    for k, name in enumerate([*COLOUR, "410000"]):
        a = 2 * math.pi * k / 8
        rot, t = _look_at(np.array([600 * math.cos(a), 100.0, 600 * math.sin(a)]))
        K = np.array([[300.0, 0, W / 2], [0, 320.0, H / 2], [0, 0, 1]])
        cams.append(KRTCamera(name, K, np.zeros(5), rot, t))
    ann = root / "annotations"
    ann.mkdir(parents=True)
    (ann / "KRT_512").write_text(format_krt(cams) + "\n")
    rng = np.random.default_rng(0)
    right = rng.uniform(-30, 30, (21, 3))
    kp = ann / "keypoints" / "subject_4"
    kp.mkdir(parents=True)
    (kp / "keypoints0001.pts").write_text(format_pts(right))
    for seq in ("0001_RT_a", "0002_ROM_RT", "0003_LT"):
        for k, cam in enumerate([*COLOUR, "410000"]):
            folder = root / "images" / "subject_4" / seq / f"cam{cam}"
            folder.mkdir(parents=True)
            for frame in (1, 2):
                img = np.full((H, W, 3), (10 * k, 100, 200), np.uint8)
                write_image(folder / f"image{frame:05d}.jpg", img)   # RGB
    for k, cam in enumerate(COLOUR):
        path = ann / "depthmaps" / "subject_4" / "000001" / f"depthmap{cam}.pkl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(depth_map_bytes(np.full((H, W), 500.0 + k)))
    return cams, right


def test_samples_selection_crops_and_views(tmp_path):
    cams, right = _tree(tmp_path)
    data = DeepHandMeshDataset(tmp_path, subject="4", seed=3)
    assert list(data.cameras) == COLOUR                          # 410000 is not colour
    assert len(data) == 7 and data.num_unannotated == 7           # frame 2 has no keypoints
    assert {s[0] for s in data.samples} == {"0001_RT_a"}         # ROM and non-RT dropped
    s = data[2]
    assert s["img"].shape == (3, 256, 256) and s["depth"].shape == (6, 256, 256)
    assert s["cam"] == COLOUR[2] and s["frame"] == 1
    assert torch.allclose(s["img"][:, 128, 128], torch.tensor([20, 100, 200]) / 255, atol=0.02)
    assert s["valid"].sum() == 21 and s["valid"][JOINT_NAMES.index("b_r_thumb0"), 0] == 0
    by_name = {c.name: c for c in cams}
    views = []
    for v in range(6):
        value = float(s["depth"][v, 100, 100])
        k = round(value - 500.0)
        views.append(COLOUR[k])
        assert torch.all(s["depth"][v] == value)                 # the view's own map
        cam = by_name[COLOUR[k]]
        assert torch.allclose(s["campos"][v].double(), torch.as_tensor(cam.campos), atol=1e-3)
        assert torch.allclose(s["camrot"][v].double(), torch.as_tensor(cam.R), atol=1e-6)
        # The tight joint box maps to 128 -+ 128/1.5 in both directions (not clipped here).
        uv = cam.project(right)
        crop = np.c_[uv, np.ones(21)] @ s["affine"][v].double().numpy().T
        assert np.allclose(crop.min(0), 128 - 128 / 1.5, atol=1e-3)
        assert np.allclose(crop.max(0), 128 + 128 / 1.5, atol=1e-3)
    assert len(set(views)) == 6
    again = data[2]
    assert torch.equal(again["depth"], s["depth"])               # seeded by (seed, index, epoch)
    draws = set()
    for epoch in range(6):
        data.set_epoch(epoch)
        draws.add(tuple(data[2]["depth"][:, 0, 0].tolist()))
    assert len(draws) > 1


def test_missing_depth_map_is_named(tmp_path):
    _tree(tmp_path)
    (tmp_path / "annotations/depthmaps/subject_4/000001/depthmap400003.pkl").unlink()
    data = DeepHandMeshDataset(tmp_path)
    with pytest.raises(MissingFileError, match="depthmap400003.pkl"):
        for i in range(len(data)):
            for epoch in range(4):
                data.set_epoch(epoch)
                data[i]
