"""Bone-sphere penetration loss against a loop implementation written from the spec's text
(deephandmesh.md §7.3), on a tube hand built here and on the shipped open model."""

from __future__ import annotations

import math

import numpy as np
import torch

from s2hand.hand.deephandmesh import JOINT_NAMES, NON_RIGID_JOINTS, load_dhm_hand_model
from s2hand.losses.deephandmesh import (
    bone_spheres,
    non_rigid_penetration,
    penetration_loss,
    rigid_penetration,
    sphere_radii,
)

NAMES = list(JOINT_NAMES)


def _parents():
    parents = [-1] * 22
    for finger in ("thumb", "index", "middle", "ring", "pinky"):
        chain = [f"b_r_{finger}{k}" for k in ("1", "2", "3", "_null")]
        if finger == "thumb":
            chain = ["b_r_thumb0", *chain]
        parents[NAMES.index(chain[0])] = 21
        for a, b in zip(chain[:-1], chain[1:], strict=True):
            parents[NAMES.index(b)] = NAMES.index(a)
    return parents


PARENTS = _parents()
SPHERES = bone_spheres(PARENTS, JOINT_NAMES, NON_RIGID_JOINTS)


def _fan_hand():
    """A flat hand with spread fingers: joints on rays in z = 0, 30 mm bones."""
    joints = torch.zeros(22, 3, dtype=torch.float64)
    for f, finger in enumerate(("thumb", "index", "middle", "ring", "pinky")):
        angle = math.radians(-50 + 25 * f)
        ray = torch.tensor([math.cos(angle), math.sin(angle), 0.0], dtype=torch.float64)
        chain = [f"b_r_{finger}{k}" for k in ("1", "2", "3", "_null")]
        if finger == "thumb":
            chain = ["b_r_thumb0", *chain]
        start = 40.0 if finger != "thumb" else 20.0
        for k, name in enumerate(chain):
            joints[NAMES.index(name)] = ray * (start + 25.0 * k)
    return joints


def _tube_mesh(joints, radius=3.0, rings=12, around=6):
    """Vertices on rings of ``radius`` around each bone, each skinned to the bone's parent
    joint (its segmentation)."""
    verts, seg = [], []
    for child, parent in enumerate(PARENTS):
        if parent < 0:
            continue
        a, b = joints[parent], joints[child]
        axis = (b - a) / torch.linalg.norm(b - a)
        u = torch.linalg.cross(axis, torch.tensor([0.0, 0.0, 1.0], dtype=axis.dtype))
        u = u / torch.linalg.norm(u)
        w = torch.linalg.cross(axis, u)
        for t in torch.linspace(0, 1, rings, dtype=axis.dtype):
            for phi in torch.arange(around, dtype=axis.dtype) * (2 * math.pi / around):
                verts.append(a + t * (b - a) + radius * (torch.cos(phi) * u + torch.sin(phi) * w))
                seg.append(parent)
    return torch.stack(verts), torch.tensor(seg)


def _paths(j):
    kids = [c for c, p in enumerate(PARENTS) if p == j]
    return [[j]] if not kids else [[j, *rest] for c in kids for rest in _paths(c)]


def _loop_penetration(joints, vertices, bind_joints, bind_vertices, seg):
    """The spec's description, one sample at a time, pair by pair, point by point (numpy)."""
    joints, vertices = joints.numpy(), vertices.numpy()
    bind_joints, bind_vertices, seg = bind_joints.numpy(), bind_vertices.numpy(), seg.numpy()
    parts = []
    for path in _paths(21):
        parts += [(path[k], path[k + 1]) for k in range(len(path) - 1)]
    out = []
    for b in range(joints.shape[0]):
        def points(j, s, e):
            return [j[s] + step / 10 * (j[e] - j[s]) for step in range(10)]

        def radii(s, e, b=b):
            return [np.linalg.norm(bind_vertices[b] - p, axis=1).min()
                    for p in points(bind_joints, s, e)]

        rigid, count = 0.0, 0
        for i in range(len(parts)):
            for k in range(i + 1, len(parts)):
                (s1, e1), (s2, e2) = parts[i], parts[k]
                if s1 == s2 or s1 == e2 or e1 == s2:
                    continue
                pa, pb = points(joints[b], s1, e1), points(joints[b], s2, e2)
                ra, rb = radii(s1, e1), radii(s2, e2)
                acc = 0.0
                for x in range(10):
                    for y in range(10):
                        acc += max(0.0, ra[x] + rb[y] - np.linalg.norm(pa[x] - pb[y]))
                rigid += acc / 100
                count += 1
        rigid /= count
        non_rigid = 0.0
        for nr in NON_RIGID_JOINTS:
            skin = vertices[b][seg == nr]
            for path in _paths(21):
                if "thumb" in JOINT_NAMES[path[-1]]:
                    continue
                s, e = path[-2], path[-1]
                d = [np.linalg.norm(skin - p, axis=1).min() for p in points(joints[b], s, e)]
                r = radii(s, e)
                first = next((k for k in range(10) if d[k] < r[k]), None)
                if first is not None:
                    gaps = [d[k] - r[k] for k in range(first, 10)]
                    non_rigid += abs(sum(gaps) / len(gaps))
        out.append((rigid, non_rigid / 8))
    return torch.tensor(out, dtype=torch.float64)


def test_layout_of_the_original_skeleton():
    assert len(SPHERES.bones) == 21
    assert torch.allclose(SPHERES.steps, torch.arange(10, dtype=torch.float64) / 10)
    assert [JOINT_NAMES[int(SPHERES.bones[k, 1])] for k in SPHERES.distal] == [
        "b_r_index_null", "b_r_middle_null", "b_r_ring_null", "b_r_pinky_null"]


def test_matches_the_loop_on_random_inputs():
    g = torch.Generator().manual_seed(0)
    bind = _fan_hand()
    bind_vertices, seg = _tube_mesh(bind)
    n = len(bind_vertices)
    # Random poses and meshes near the hand so that both parts are active.
    bind_vertices, seg = _tube_mesh(bind, radius=8.0, rings=4)
    n = len(bind_vertices)
    joints = bind + torch.randn(2, 22, 3, generator=g, dtype=torch.float64) * 10
    # Index and ring distal bones dropped onto the palm and thenar skin.
    for name, at in (("index", 22), ("ring", 18)):
        for k, offset in (("3", 0.0), ("_null", 20.0)):
            joints[:, NAMES.index(f"b_r_{name}{k}")] = bind_vertices[seg == 21][at] + offset
    vertices = bind_vertices + torch.randn(2, n, 3, generator=g, dtype=torch.float64) * 2
    bv = bind_vertices + torch.randn(2, n, 3, generator=g, dtype=torch.float64)
    radii = sphere_radii(bind, bv, SPHERES)
    rigid = rigid_penetration(joints, radii, SPHERES)
    non_rigid = non_rigid_penetration(joints, vertices, seg, radii, SPHERES)
    ref = _loop_penetration(joints, vertices, bind, bv, seg)
    assert torch.all(ref > 0)
    assert torch.allclose(rigid, ref[:, 0], rtol=1e-9, atol=1e-9)
    assert torch.allclose(non_rigid, ref[:, 1], rtol=1e-9, atol=1e-9)
    total = penetration_loss(joints, vertices, bind, bv, seg, SPHERES)
    assert torch.allclose(total, ref[:, 0] + 5 * ref[:, 1])


def test_zero_for_a_flat_hand_positive_when_fingers_cross():
    bind = _fan_hand()
    bind_vertices, seg = _tube_mesh(bind)
    flat = penetration_loss(bind[None], bind_vertices[None], bind, bind_vertices[None], seg,
                            SPHERES)
    assert float(flat) == 0.0
    crossed = bind.clone()
    index, middle = [NAMES.index(f"b_r_index{k}") for k in ("2", "3", "_null")], \
        [NAMES.index(f"b_r_middle{k}") for k in ("2", "3", "_null")]
    crossed[index] = bind[middle].flip(0) + torch.tensor([0.0, 0.0, 1.0], dtype=bind.dtype)
    radii = sphere_radii(bind, bind_vertices[None], SPHERES)
    assert float(rigid_penetration(crossed[None], radii, SPHERES)) > 1e-3   # mean over 184 pairs
    # An index fingertip curled into the palm skin: the non-rigid part.
    curled = bind.clone()
    curled[index[1:]] = torch.tensor([[20.0, 5.0, 1.0], [5.0, 3.0, 1.0]], dtype=bind.dtype)
    assert float(non_rigid_penetration(curled[None], bind_vertices[None], seg, radii,
                                       SPHERES)) > 1e-3


def test_gradients_only_where_the_original_lets_them():
    bind = _fan_hand()
    bind_vertices, seg = _tube_mesh(bind)
    joints = bind.clone()
    index = [NAMES.index(f"b_r_index{k}") for k in ("2", "3", "_null")]
    joints[index] = torch.tensor([[45, 10, 1.0], [20, 5, 1], [5, 3, 1]], dtype=bind.dtype)
    joints = joints[None].requires_grad_(True)
    vertices = bind_vertices[None].clone().requires_grad_(True)
    bind_j = bind.clone().requires_grad_(True)
    bind_v = bind_vertices[None].clone().requires_grad_(True)
    radii = sphere_radii(bind_j, bind_v, SPHERES)
    assert not radii.requires_grad                          # radii detached
    rigid = rigid_penetration(joints, radii, SPHERES)
    (gj,) = torch.autograd.grad(rigid.sum(), joints)
    assert gj.abs().sum() > 0
    loss = penetration_loss(joints, vertices, bind_j, bind_v, seg, SPHERES)
    loss.sum().backward()
    assert vertices.grad.abs().sum() > 0                    # posed mesh: not detached
    assert vertices.grad[0, (seg != 3) & (seg != 21)].abs().sum() == 0   # only its segments
    assert bind_j.grad is None and bind_v.grad is None


def test_open_model_flat_versus_crossed_fingers():
    """On the shipped hand the palm-interior spheres of thumb0->thumb1 and wrist->finger bones
    overlap in any pose, so the flat hand's value is a floor; crossing fingers adds to it."""
    hand = load_dhm_hand_model()
    spheres = bone_spheres(hand.parents, hand.joint_names, NON_RIGID_JOINTS)
    joints = torch.as_tensor(hand.global_pose[:, :3, 3])
    vertices = torch.as_tensor(hand.vertices)[None]
    radii = sphere_radii(joints, vertices, spheres)
    flat = float(rigid_penetration(joints[None], radii, spheres))
    crossed = joints.clone()
    index = [NAMES.index(f"b_r_index{k}") for k in ("2", "3", "_null")]
    middle = [NAMES.index(f"b_r_middle{k}") for k in ("2", "3", "_null")]
    crossed[index] = joints[middle].flip(0)
    assert flat > 0.05
    assert float(rigid_penetration(crossed[None], radii, spheres)) > 1.5 * flat
