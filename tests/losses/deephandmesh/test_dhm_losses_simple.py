"""Joint, depth and Laplacian losses against loop implementations written from the spec
(deephandmesh.md §7.1, §7.2, §7.4), and the total's weights."""

from __future__ import annotations

import torch

from s2hand.hand.deephandmesh import NON_RIGID_JOINTS, forward_kinematics, preset_pose
from s2hand.losses.deephandmesh import (
    bind_mesh,
    bone_spheres,
    depth_map_loss,
    joint_l1_loss,
    loss_terms,
    total_loss,
    uniform_laplacian,
    uniform_laplacian_loss,
)
from s2hand.models.deephandmesh import DeepHandMesh


def test_joint_l1_matches_a_loop():
    g = torch.Generator().manual_seed(0)
    pred, gt = torch.randn(2, 22, 3, generator=g), torch.randn(2, 22, 3, generator=g)
    valid = (torch.rand(2, 22, 1, generator=g) > 0.3).float()
    out = joint_l1_loss(pred, gt, valid)
    ref = torch.zeros(2, 22, 3)
    for b in range(2):
        for j in range(22):
            for c in range(3):
                ref[b, j, c] = abs(pred[b, j, c] - gt[b, j, c]) * valid[b, j, 0]
    assert torch.allclose(out, ref)
    assert out[valid.expand_as(out) == 0].abs().sum() == 0


def test_depth_loss_matches_a_loop_over_views_and_pixels():
    g = torch.Generator().manual_seed(1)
    b, n, s = 2, 3, 6
    rendered = torch.rand(b, n, s, s, generator=g) * 4 + 500
    gt = rendered + torch.randn(b, n, s, s, generator=g) * 2   # both |d| < 1 and > 1
    rendered[torch.rand(b, n, s, s, generator=g) < 0.3] = 0
    gt[torch.rand(b, n, s, s, generator=g) < 0.3] = 0
    out = depth_map_loss(rendered, gt)
    ref = torch.zeros(b, 1, s, s)
    for i in range(b):
        for r in range(s):
            for c in range(s):
                acc = 0.0
                for v in range(n):
                    x, y = float(rendered[i, v, r, c]), float(gt[i, v, r, c])
                    if x != 0 and y != 0:
                        d = abs(x - y)
                        acc += 0.5 * d * d if d < 1 else d - 0.5
                ref[i, 0, r, c] = acc / n
    assert out.shape == (b, 1, s, s)
    assert torch.allclose(out, ref, atol=1e-4)


def _dense_laplacian(faces, v):
    """The original's construction: dense matrix, -1 per edge, degree, row-normalised."""
    lap = torch.zeros(v, v, dtype=torch.float64)
    for f in faces.tolist():
        for a, c in ((f[0], f[1]), (f[1], f[2]), (f[2], f[0])):
            lap[a, c] = lap[c, a] = -1
    for i in range(v):
        lap[i, i] = -lap[i].sum()
    for i in range(v):
        lap[i] = lap[i] / (lap[i, i] + 1e-8)
    return lap


def test_uniform_laplacian_matches_the_dense_original_on_random_meshes():
    g = torch.Generator().manual_seed(2)
    v = 30
    faces = torch.stack([torch.randperm(v - 2, generator=g)[:3] for _ in range(40)])  # 2 lonely
    x = torch.randn(2, v, 3, generator=g, dtype=torch.float64, requires_grad=True)
    lap = uniform_laplacian(faces, v, torch.float64)
    dense = _dense_laplacian(faces, v)
    assert torch.allclose(lap.to_dense(), dense)
    out = uniform_laplacian_loss(x, lap)
    ref = torch.stack([((dense @ x[b]) ** 2).sum(-1) for b in range(2)])
    assert out.shape == (2, v)
    assert torch.allclose(out, ref)
    assert torch.all(out[:, -2:] == 0)                      # vertices in no face: zero row
    out.sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_total_is_means_with_laplacian_weight_five():
    terms = {"joint": torch.full((2, 22, 3), 1.0), "depth": torch.full((2, 1, 4, 4), 2.0),
             "penet": torch.tensor([3.0, 5.0]), "lap": torch.full((2, 7), 0.5)}
    total, means = total_loss(terms)
    assert float(total) == 1.0 + 2.0 + 4.0 + 5 * 0.5
    assert float(means["penet"]) == 4.0


def test_loss_terms_on_the_model_reach_the_correctives():
    torch.manual_seed(0)
    model = DeepHandMesh(backbone=False)
    euler = torch.as_tensor(preset_pose("pinch"), dtype=torch.float32)[None]
    out = model.decode(euler)
    bind = forward_kinematics(out.local_pose_refined, torch.eye(4), model.tree)
    bind_v = bind_mesh(model.vertices + out.pose_corrective + out.id_corrective,
                       model.skinning_weights, bind, model.global_pose_inv)
    centre = out.mesh.detach()[0].mean(0)
    cams = {"camrot": torch.tensor([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]])[None, None],
            "campos": (centre + torch.tensor([0, 400.0, 0]))[None, None],
            "focal": torch.full((1, 1, 2), 300.0), "princpt": torch.full((1, 1, 2), 16.0),
            "affine": torch.tensor([[1.0, 0, 0], [0, 1.0, 0]])[None, None]}
    gt_depth = torch.full((1, 1, 32, 32), 395.0)
    spheres = bone_spheres(model.hand_model.parents, model.hand_model.joint_names,
                           NON_RIGID_JOINTS)
    terms = loss_terms(out.joints, out.mesh, bind[:, :3, 3], bind_v, model.faces,
                       model.segmentation, out.joints.detach() + 1.0, torch.ones(1, 22, 1),
                       gt_depth, cams, spheres, uniform_laplacian(model.faces, len(model.vertices)))
    total, means = total_loss(terms)
    assert all(torch.isfinite(v) and v > 0 for v in means.values())
    total.backward()
    for net in (model.skin_refine_net.fc_id, model.skin_refine_net.fc_pose,
                model.skeleton_refine_net.fc_skeleton):
        assert net[-1].weight.grad.abs().sum() > 0
