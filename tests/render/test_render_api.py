"""Renderer API behaviour: batching, defaults, backends, options that change what is computed."""

from __future__ import annotations

import pytest
import torch
from render_helpers import cube, icosphere, intrinsics

from s2hand.render import NR_DEFAULT_LIGHTS, Renderer, RenderInputError, make_renderer


def test_batched_faces_equal_per_sample_renders():
    verts_a, faces_a = cube(half=0.05, center=(0.01, 0.0, 0.5))
    verts_b = verts_a + torch.tensor([0.02, -0.01, 0.1], dtype=torch.float64)
    faces_b = faces_a[:, [0, 2, 1]].flip(0)  # same cube, other winding and order
    r = Renderer(image_size=24)
    K = intrinsics(40.0, 12.0, batch=2)
    batched = r(torch.stack((verts_a, verts_b)), torch.stack((faces_a, faces_b)), K)
    for i, (v, f) in enumerate(((verts_a, faces_a), (verts_b, faces_b))):
        single = r(v[None], f, K[i : i + 1])
        for name in ("rgb", "depth", "silhouette"):
            assert torch.allclose(getattr(batched, name)[i], getattr(single, name)[0]), name


def test_default_lights_equal_explicit_nr_defaults():
    verts, faces = icosphere(subdivisions=2)
    r = Renderer(image_size=24)
    K = intrinsics(60.0, 12.0)
    lights = torch.tensor([NR_DEFAULT_LIGHTS], dtype=torch.float64)
    assert torch.equal(r(verts[None], faces, K).rgb, r(verts[None], faces, K, lights=lights).rgb)


def test_culled_render_still_gets_edge_gradients():
    verts, faces = icosphere(subdivisions=2)
    v = verts[None].clone().requires_grad_(True)
    r = Renderer(image_size=24, fill_back=False)
    sil = r(v, faces, intrinsics(60.0, 12.0), outputs=("silhouette",)).silhouette
    assert 50 < sil.sum() < 400
    sil.sum().backward()
    assert v.grad.abs().sum() > 0


def test_per_vertex_textures_with_edge_gradients():
    verts, faces = icosphere(subdivisions=2)
    v = verts[None].clone().requires_grad_(True)
    colors = torch.rand(1, verts.shape[0], 3, dtype=torch.float64, requires_grad=True)
    rgb = Renderer(image_size=24)(v, faces, intrinsics(60.0, 12.0), colors, outputs=("rgb",)).rgb
    rgb.sum().backward()
    assert v.grad.abs().sum() > 0 and colors.grad.abs().sum() > 0


def test_no_grad_render_matches_grad_render():
    verts, faces = icosphere(subdivisions=2)
    v = verts[None].clone().requires_grad_(True)
    r = Renderer(image_size=24)
    K = intrinsics(60.0, 12.0)
    with_grad = r(v, faces, K)
    with torch.no_grad():
        without = r(v, faces, K)
    for name in ("rgb", "depth", "silhouette"):
        assert torch.equal(getattr(with_grad, name).detach(), getattr(without, name)), name


def test_backend_factory():
    assert isinstance(make_renderer("torch", image_size=32), Renderer)
    with pytest.raises(RenderInputError, match="backend"):
        make_renderer("opengl")
    try:
        import neural_renderer  # noqa: F401
    except ImportError:
        with pytest.raises(RenderInputError, match="neural_renderer"):
            make_renderer("nr")


def test_ambiguous_textures_need_texture_type():
    verts = torch.tensor([[[0.0, 0, 1], [0.1, 0, 1], [0, 0.1, 1]]], dtype=torch.float64)
    faces = torch.tensor([[0, 1, 2], [0, 2, 1], [1, 0, 2]])
    colors = torch.ones(1, 3, 3, dtype=torch.float64)
    with pytest.raises(RenderInputError, match="ambiguous"):
        Renderer(image_size=8)(verts, faces, intrinsics(10.0, 4.0), colors)
    Renderer(image_size=8)(verts, faces, intrinsics(10.0, 4.0), colors, texture_type="vertex")
