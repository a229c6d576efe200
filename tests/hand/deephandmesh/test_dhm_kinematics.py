"""Posing maths against an independent float64 reference written from the spec's formulas
(deephandmesh.md §3, §5): per-joint recursion, elementary rotations, per-vertex sums."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from dhm_reference import reference_pose, rot_x, rot_y, rot_z  # noqa: I001 (test helper)

from s2hand.hand.deephandmesh import (
    euler_to_matrix,
    kabsch,
    kinematic_tree,
    load_dhm_hand_model,
    pose_hand,
    refine_local_pose,
    skin_vertices,
)


@pytest.fixture(scope="module")
def shipped():
    return load_dhm_hand_model()


def _t(x):
    return torch.as_tensor(np.asarray(x), dtype=torch.float64)


def test_pose_hand_matches_the_reference_on_random_angles(shipped):
    rng = np.random.default_rng(0)
    batch = 3
    euler = rng.uniform(-math.pi, math.pi, (batch, 22, 3))
    skel = rng.normal(0, 2.0, (22, 3))
    offsets = rng.normal(0, 1.0, (batch, shipped.num_vertices, 3))
    vertices = shipped.vertices + offsets
    root = np.linalg.inv(shipped.global_pose[21]) @ shipped.global_pose[21]
    local = refine_local_pose(_t(shipped.local_pose), _t(skel))
    out = pose_hand(_t(euler), local, _t(np.eye(4)), _t(shipped.global_pose_inv),
                    _t(vertices), _t(shipped.skinning_weights), shipped.tree)
    for b in range(batch):
        joints, mesh = reference_pose(euler[b], shipped.local_pose, root,
                                      shipped.global_pose_inv, vertices[b],
                                      shipped.skinning_weights, shipped.parents, skel)
        np.testing.assert_allclose(out.joints[b].numpy(), joints, rtol=0, atol=1e-6)
        np.testing.assert_allclose(out.vertices[b].numpy(), mesh, rtol=0, atol=1e-6)


def test_zero_angles_give_the_bind_mesh(shipped):
    zeros = torch.zeros(2, 22, 3, dtype=torch.float64)
    v = _t(shipped.vertices).expand(2, -1, -1)
    args = (_t(shipped.local_pose), None, _t(shipped.global_pose_inv), v,
            _t(shipped.skinning_weights), shipped.tree)
    # With the file's root pose: the template itself; with the identity root (test mode and
    # decode): the template in the wrist frame.
    at_root = pose_hand(zeros, args[0], _t(shipped.global_pose[21]), *args[2:])
    np.testing.assert_allclose(at_root.vertices.numpy()[0], shipped.vertices, atol=1e-9)
    np.testing.assert_allclose(at_root.joints.numpy()[0], shipped.global_pose[:, :3, 3],
                               atol=1e-9)
    wrist = pose_hand(zeros, args[0], _t(np.eye(4)), *args[2:])
    inv_root = np.linalg.inv(shipped.global_pose[21])
    expected = shipped.vertices @ inv_root[:3, :3].T + inv_root[:3, 3]
    np.testing.assert_allclose(wrist.vertices.numpy()[1], expected, atol=1e-9)


def test_euler_order_is_z_y_x():
    rng = np.random.default_rng(1)
    e = rng.uniform(-3, 3, (5, 3))
    got = euler_to_matrix(_t(e)).numpy()
    for k in range(5):
        np.testing.assert_allclose(got[k], rot_z(e[k, 2]) @ rot_y(e[k, 1]) @ rot_x(e[k, 0]),
                                   atol=1e-12)
    assert not np.allclose(got[0], rot_x(e[0, 0]) @ rot_y(e[0, 1]) @ rot_z(e[0, 2]))


def test_batch_equals_per_sample_and_float32_is_close(shipped):
    rng = np.random.default_rng(2)
    euler = _t(rng.uniform(-1, 1, (4, 22, 3)))
    args = (_t(shipped.local_pose), _t(np.eye(4)), _t(shipped.global_pose_inv),
            _t(shipped.vertices).expand(4, -1, -1), _t(shipped.skinning_weights), shipped.tree)
    batch = pose_hand(euler, *args[:3], args[3], *args[4:]).vertices
    single = torch.cat([pose_hand(euler[b:b + 1], *args[:3], args[3][:1], *args[4:]).vertices
                        for b in range(4)])
    torch.testing.assert_close(batch, single, rtol=0, atol=1e-10)
    as32 = [a.float() if isinstance(a, torch.Tensor) else a for a in args]
    low = pose_hand(euler.float(), *as32).vertices
    assert low.dtype == torch.float32
    assert (low.double() - batch).abs().max() < 1e-3                    # mm


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_device_follows_inputs(shipped):
    dev = torch.device("cuda")
    args = (_t(shipped.local_pose), _t(np.eye(4)), _t(shipped.global_pose_inv),
            _t(shipped.vertices)[None], _t(shipped.skinning_weights))
    out = pose_hand(torch.zeros(1, 22, 3, dtype=torch.float64, device=dev),
                    *[a.to(dev) for a in args], shipped.tree)
    assert out.vertices.device.type == "cuda"
    cpu = pose_hand(torch.zeros(1, 22, 3, dtype=torch.float64), *args, shipped.tree)
    torch.testing.assert_close(out.vertices.cpu(), cpu.vertices)


def _tiny_rig():
    """4 joints (root, two-bone chain, a side joint), 6 vertices, non-identity root pose."""
    rng = np.random.default_rng(3)
    parents = np.array([-1, 0, 1, 0])
    glob = np.tile(np.eye(4), (4, 1, 1))
    for j in range(4):
        glob[j, :3, :3] = rot_z(rng.uniform(-1, 1)) @ rot_x(rng.uniform(-1, 1))
        glob[j, :3, 3] = rng.normal(0, 20, 3)
    local = glob.copy()
    local[1:] = np.linalg.inv(glob[parents[1:]]) @ glob[1:]
    weights = rng.random((6, 4))
    return (parents, local, glob, np.linalg.inv(glob), rng.normal(0, 20, (6, 3)),
            weights / weights.sum(1, keepdims=True))


def test_tiny_rig_matches_reference_and_gradcheck():
    parents, local, glob, g_inv, verts, weights = _tiny_rig()
    tree = kinematic_tree(parents)
    rng = np.random.default_rng(4)
    euler = _t(rng.uniform(-1, 1, (2, 4, 3))).requires_grad_()
    skel = _t(rng.normal(0, 1, (4, 3))).requires_grad_()
    offsets = _t(rng.normal(0, 1, (2, 6, 3))).requires_grad_()
    root = _t(glob[0])

    def run(e, s, o):
        out = pose_hand(e, refine_local_pose(_t(local), s), root, _t(g_inv), _t(verts) + o,
                        _t(weights), tree)
        return out.vertices, out.joints

    mesh, joints = run(euler, skel, offsets)
    for b in range(2):
        ref_j, ref_v = reference_pose(euler[b].detach().numpy(), local, glob[0], g_inv,
                                      verts + offsets[b].detach().numpy(), weights, parents,
                                      skel.detach().numpy())
        np.testing.assert_allclose(mesh[b].detach().numpy(), ref_v, atol=1e-9)
        np.testing.assert_allclose(joints[b].detach().numpy(), ref_j, atol=1e-9)
    assert torch.autograd.gradcheck(run, (euler, skel, offsets), eps=1e-6, atol=1e-5)


def test_skin_vertices_is_the_weighted_sum():
    rng = np.random.default_rng(5)
    transforms = _t(np.tile(np.eye(4), (1, 2, 1, 1)))
    transforms[0, 1, :3, 3] = _t([1.0, 2.0, 3.0])
    weights = _t([[1.0, 0.0], [0.5, 0.5]])
    verts = _t(rng.normal(size=(1, 2, 3)))
    out = skin_vertices(verts, weights, transforms)
    torch.testing.assert_close(out[0, 0], verts[0, 0])
    torch.testing.assert_close(out[0, 1], verts[0, 1] + _t([0.5, 1.0, 1.5]))


def test_kabsch_recovers_rotations_and_avoids_reflections():
    rng = np.random.default_rng(6)
    src = _t(rng.normal(0, 30, (3, 5, 3)))
    rot = euler_to_matrix(_t(rng.uniform(-3, 3, (3, 3))))
    trans = _t(rng.normal(0, 50, (3, 3)))
    r, t = kabsch(src, src @ rot.transpose(1, 2) + trans[:, None])
    torch.testing.assert_close(r, rot)
    torch.testing.assert_close(t, trans)
    mirrored = src * _t([-1.0, 1.0, 1.0])                    # best fit would be a reflection
    r, _ = kabsch(src, mirrored)
    torch.testing.assert_close(torch.linalg.det(r), torch.ones(3, dtype=torch.float64))
