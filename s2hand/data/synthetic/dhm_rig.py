"""Capture rig and pose sequences of the synthetic DeepHandMesh subject.

Cameras: ``n`` colour cameras (names ``40xxxx``) looking at the world origin from a sphere
(a Fibonacci lattice, so the views cover every side of the hand), plus two cameras of another
kind (``41xxxx``) that only appear in ``KRT_512``, as in the real rig. Images are 512x334
(H x W); intrinsics follow OpenCV (pixel centres on integers).

Poses: per sequence, key poses every ``KEY_EVERY`` frames, eased (cosine) in between. A key pose
curls each finger by one amount split over MCP/PIP/DIP as real fingers couple them, with small
MCP abduction; the thumb moves its CMC in three axes and flexes its MCP/IP. The hand's world
rotation drifts slowly around a random base orientation; its palm centre stays near the origin.
"""

from __future__ import annotations

import math

import numpy as np

from s2hand.data.deephandmesh.krt import KRTCamera
from s2hand.hand.deephandmesh.skeleton import JOINT_NAMES, NUM_JOINTS

IMAGE_HW = (512, 334)
CAMERA_DISTANCE_MM = 650.0
FOCAL_PX = 900.0
KEY_EVERY = 8
FINGERS = ("index", "middle", "ring", "pinky")
# Flexion share of (MCP, PIP, DIP) at a full curl (radians).
CURL = (1.4, 1.6, 1.0)


def _look_at(position: np.ndarray, up: np.ndarray) -> np.ndarray:
    """World -> camera rotation of a camera at ``position`` looking at the origin (OpenCV:
    x right, y down, z forward)."""
    z = -position / np.linalg.norm(position)
    x = np.cross(z, up)
    if np.linalg.norm(x) < 1e-6:
        x = np.cross(z, np.array([1.0, 0.0, 0.0]))
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z])


def make_rig(num_cameras: int = 12, distance: float = CAMERA_DISTANCE_MM,
             focal: float = FOCAL_PX) -> list[KRTCamera]:
    """The colour cameras followed by two non-colour ones (``41*``), world mm."""
    if num_cameras < 1:
        raise ValueError(f"num_cameras must be >= 1, got {num_cameras}")
    height, width = IMAGE_HW
    K = np.array([[focal, 0.0, (width - 1) / 2], [0.0, focal, (height - 1) / 2],
                  [0.0, 0.0, 1.0]])
    cameras = []
    total = num_cameras + 2
    golden = math.pi * (3 - math.sqrt(5))
    for k in range(total):
        y = 1 - 2 * (k + 0.5) / total
        r = math.sqrt(1 - y * y)
        direction = np.array([r * math.cos(golden * k), y, r * math.sin(golden * k)])
        position = distance * direction
        rot = _look_at(position, np.array([0.0, 1.0, 0.0]))
        name = f"40{k:04d}" if k < num_cameras else f"41{k - num_cameras:04d}"
        cameras.append(KRTCamera(name, K.copy(), np.zeros(5), rot, -rot @ position))
    # Interleave so that the colour cameras are not one contiguous block of the file.
    return sorted(cameras, key=lambda c: (int(c.name[2:]), c.name))


def _index(name: str) -> int:
    return JOINT_NAMES.index(f"b_r_{name}")


def key_pose(rng: np.random.Generator) -> np.ndarray:
    """One natural key pose ``(J, 3)`` (radians)."""
    euler = np.zeros((NUM_JOINTS, 3))
    base = rng.uniform(0.0, 1.0)
    for k, finger in enumerate(FINGERS):
        # Neighbouring fingers curl alike (a shared tendency plus a personal part).
        curl = float(np.clip(0.6 * base + 0.4 * rng.uniform(0, 1) + 0.05 * k * base, 0, 1))
        for level, share in zip(("1", "2", "3"), CURL, strict=True):
            euler[_index(f"{finger}{level}"), 2] = curl * share
        euler[_index(f"{finger}1"), 1] = rng.uniform(-0.12, 0.12) * (1 - curl)
    euler[_index("thumb1")] = rng.uniform([-0.3, -0.2, 0.0], [0.3, 0.6, 0.6])
    euler[_index("thumb2"), 2] = rng.uniform(0.0, 0.6)
    euler[_index("thumb3"), 2] = rng.uniform(0.0, 0.8)
    return euler


def _rotation(axis_angle: np.ndarray) -> np.ndarray:
    angle = float(np.linalg.norm(axis_angle))
    if angle < 1e-12:
        return np.eye(3)
    k = axis_angle / angle
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(angle) * cross + (1 - math.cos(angle)) * cross @ cross


def pose_sequence(rng: np.random.Generator, num_frames: int, centre: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``euler (N, J, 3)`` and world transforms ``(N, 4, 4)`` of the model frame for one
    sequence; ``centre`` is the template's centre in the model frame (placed at the origin)."""
    keys = [key_pose(rng) for _ in range(num_frames // KEY_EVERY + 2)]
    base = rng.normal(size=3)
    base *= rng.uniform(0, math.pi) / np.linalg.norm(base)
    drift = [rng.normal(scale=0.35, size=3) for _ in keys]
    euler, world = np.zeros((num_frames, NUM_JOINTS, 3)), np.tile(np.eye(4), (num_frames, 1, 1))
    for f in range(num_frames):
        k, s = divmod(f, KEY_EVERY)
        w = 0.5 - 0.5 * math.cos(math.pi * s / KEY_EVERY)
        euler[f] = (1 - w) * keys[k] + w * keys[k + 1]
        rot = _rotation((1 - w) * drift[k] + w * drift[k + 1]) @ _rotation(base)
        world[f, :3, :3] = rot
        world[f, :3, 3] = -rot @ centre
    return euler, world
