"""Gradients: exact depth derivative, soft silhouette/colour edge gradients, device agreement."""

from __future__ import annotations

import pytest
import torch
from render_helpers import icosphere, intrinsics

from s2hand.render import Renderer, coverage, project_to_ndc, rasterize, soft_edges
from s2hand.render.renderer import gather_faces


def _square(half=0.06, z=0.5):
    verts = torch.tensor(
        [[[-half, -half, z], [half, -half, z], [half, half, z], [-half, half, z]]],
        dtype=torch.float64,
    )
    faces = torch.tensor([[0, 2, 1], [0, 3, 2]])
    return verts, faces, intrinsics(100.0, 16.0)


def test_depth_gradient_matches_finite_differences():
    verts = torch.tensor([[[-0.061, -0.052, 0.47], [0.058, -0.049, 0.55], [0.063, 0.057, 0.61],
                           [-0.055, 0.06, 0.5]]], dtype=torch.float64, requires_grad=True)
    faces = torch.tensor([[0, 2, 1], [0, 3, 2]])
    r = Renderer(image_size=32, anti_aliasing=False)
    K = intrinsics(100.0, 16.0)
    weights = torch.rand(1, 32, 32, generator=torch.Generator().manual_seed(1),
                         dtype=torch.float64)

    def loss(v):
        return (r(v, faces, K, outputs=("depth",)).depth * weights).sum()

    assert torch.autograd.gradcheck(loss, (verts,), eps=1e-7, atol=1e-5)


@pytest.mark.parametrize("anti_aliasing", [False, True])
def test_pushing_a_vertex_out_grows_silhouette_and_gradient_agrees(anti_aliasing):
    verts, faces, K = _square()
    r = Renderer(image_size=32, anti_aliasing=anti_aliasing, soft_sigma=1e-4)
    outward = torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64) / 2**0.5
    v = verts.clone().requires_grad_(True)
    area = r(v, faces, K, outputs=("silhouette",)).silhouette.sum()
    area.backward()
    assert torch.dot(v.grad[0, 2], outward) > 0
    moved = verts.clone()
    moved[0, 2] += 0.02 * outward
    assert r(moved, faces, K, outputs=("silhouette",)).silhouette.sum() > area.detach()
    # The other vertices' gradients pull their own corners outward too.
    assert torch.dot(v.grad[0, 0], -outward) > 0


def test_no_edge_gradient_without_soft_term():
    verts, faces, K = _square()
    v = verts.clone().requires_grad_(True)
    sil = Renderer(image_size=32, soft_sigma=0.0)(v, faces, K, outputs=("silhouette",)).silhouette
    assert not sil.requires_grad


def test_photometric_loss_moves_edge_towards_target():
    # Dark square on a white background; the target shows it larger, so descending the L1
    # photometric loss must push the corners outward.
    verts, faces, K = _square()
    target_verts = verts * torch.tensor([1.15, 1.15, 1.0], dtype=torch.float64)
    r = Renderer(image_size=32, background_color=(1.0, 1.0, 1.0))
    tex = torch.full((1, 2, 3), 0.2, dtype=torch.float64)
    target = r(target_verts, faces, K, tex, outputs=("rgb",)).rgb
    v = verts.clone().requires_grad_(True)
    loss = (r(v, faces, K, tex, outputs=("rgb",)).rgb - target).abs().sum()
    loss.backward()
    for i, direction in enumerate([(-1, -1), (1, -1), (1, 1), (-1, 1)]):
        d = torch.tensor([*direction, 0.0], dtype=torch.float64)
        assert torch.dot(-v.grad[0, i], d) > 0, i


def test_silhouette_loss_gradient_descent_reduces_loss():
    verts, faces = icosphere(subdivisions=2, radius=0.05)
    K = intrinsics(200.0, 24.0)
    r = Renderer(image_size=48)
    centre = torch.tensor([0.0, 0.0, 0.5], dtype=torch.float64)

    def scaled(s):
        return (centre + (verts - centre) * s)[None]

    target = r(scaled(1.1), faces, K, outputs=("silhouette",)).silhouette
    scale = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    losses = []
    opt = torch.optim.SGD([scale], lr=1e-5)
    for _ in range(3):
        opt.zero_grad()
        sil = r(scaled(scale), faces, K, outputs=("silhouette",)).silhouette
        loss = ((sil - target) ** 2).sum()
        loss.backward()
        losses.append(loss.item())
        opt.step()
    assert scale.item() > 1.0
    assert losses[-1] < losses[0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cpu_and_cuda_agree():
    verts, faces = icosphere(subdivisions=2, radius=0.05)
    K = intrinsics(200.0, 24.0)
    tex = torch.rand(1, faces.shape[0], 3, dtype=torch.float64)
    r = Renderer(image_size=48)
    cpu = r(verts[None], faces, K, tex)
    gpu = r(verts[None].cuda(), faces.cuda(), K.cuda(), tex.cuda())
    for name in ("rgb", "depth", "silhouette"):
        assert torch.allclose(getattr(cpu, name), getattr(gpu, name).cpu(), atol=1e-9), name


def test_soft_edge_gradient_matches_finite_differences():
    verts, faces = icosphere(subdivisions=1, radius=0.05)
    K = intrinsics(150.0, 16.0)
    r = Renderer(image_size=32, anti_aliasing=False)
    ndc = project_to_ndc(verts[None], K, 32.0)
    faces_b = faces[None]
    frags = rasterize(gather_faces(ndc, faces_b), 32, with_geometry=False)
    alpha = coverage(frags.pixel_ids, 1, 32, 1, torch.float64).reshape(1, 32, 32)

    def soft_of(points):
        return soft_edges(points, faces_b, frags.front, frags.drawable, alpha, r.soft_sigma)

    x = ndc.clone().requires_grad_(True)
    base = soft_of(x)
    assert base.pixel.numel() > 50
    weights = torch.rand(base.pixel.numel(), generator=torch.Generator().manual_seed(0),
                         dtype=torch.float64)
    (base.delta * weights).sum().backward()
    eps = 1e-6
    strongest = x.grad[0].norm(dim=1).argsort(descending=True)[:3].tolist()
    assert x.grad[0, strongest[-1]].norm() > 1e-3
    for v in strongest:
        for axis in (0, 1):
            moved = ndc.clone()
            moved[0, v, axis] += eps
            plus = soft_of(moved)
            moved[0, v, axis] -= 2 * eps
            minus = soft_of(moved)
            assert torch.equal(plus.pixel, base.pixel) and torch.equal(minus.pixel, base.pixel)
            numeric = ((plus.soft - minus.soft) * weights).sum() / (2 * eps)
            assert torch.isclose(x.grad[0, v, axis], numeric, rtol=1e-4, atol=1e-6), (v, axis)
