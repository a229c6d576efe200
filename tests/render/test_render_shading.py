"""Lighting (S2HAND's fork of NR), per-face and per-vertex colours, background."""

from __future__ import annotations

import math

import torch
from render_helpers import cube, intrinsics

from s2hand.render import Renderer, project_to_ndc
from s2hand.render.projection import ndc_to_pixel


def _rotation(ax: float, ay: float) -> torch.Tensor:
    cx, sx, cy, sy = math.cos(ax), math.sin(ax), math.cos(ay), math.sin(ay)
    rx = torch.tensor([[1, 0, 0], [0, cx, -sx], [0, sx, cx]], dtype=torch.float64)
    ry = torch.tensor([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]], dtype=torch.float64)
    return rx @ ry


def test_cube_faces_follow_lambert_with_nr_normal_sign():
    verts, faces = cube(half=0.05, center=(0.0, 0.0, 0.0))
    rot = _rotation(0.5, 0.6)
    verts = (verts @ rot.T + torch.tensor([0.0, 0.0, 0.5], dtype=torch.float64))[None]
    K = intrinsics(120.0, 32.0)
    colors = torch.rand(1, 6, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    colors = colors.repeat_interleave(2, dim=1) * 0.8 + 0.2  # one colour per cube side
    lights = torch.tensor([[0.3, 0.6, 1.0, 0.9, 0.8, 0.7, 1.0, 0.6, 0.4, -1.3, 0.9]],
                          dtype=torch.float64)
    for fill_back in (True, False):
        rgb = Renderer(image_size=64, anti_aliasing=False, fill_back=fill_back)(
            verts, faces, K, colors, lights, outputs=("rgb",)).rgb[0]
        corners = verts[0][faces]  # (12,3,3)
        seen = 0
        for side in range(6):
            tri = corners[2 * side]
            outward = torch.linalg.cross(tri[1] - tri[0], tri[2] - tri[0])
            centre = corners[2 * side : 2 * side + 2].reshape(-1, 3).mean(0)
            if torch.dot(outward, centre) >= 0:
                continue  # facing away from the camera
            seen += 1
            # NR's normal (v0-v1)x(v2-v1) is the inward one for outward-CCW meshes.
            n = -outward / outward.norm()
            light = lights[0, 0] * lights[0, 2:5] + lights[0, 1] * lights[0, 5:8] * torch.relu(
                torch.dot(n, lights[0, 8:11]))
            col, row = ndc_to_pixel(project_to_ndc(centre[None, None], K, 64.0)[0, 0, :2], 64)
            pixel = rgb[:, int(row.round()), int(col.round())]
            assert torch.allclose(pixel, colors[0, 2 * side] * light, atol=1e-9), side
        assert seen == 3


def test_default_lights_and_background():
    verts, faces = cube(half=0.05, center=(0.0, 0.0, 0.5))
    r = Renderer(image_size=32, anti_aliasing=False, background_color=(0.2, 0.4, 0.6))
    rgb = r(verts[None], faces, intrinsics(60.0, 16.0), outputs=("rgb",)).rgb[0]
    # The face towards the camera has NR normal +z, perpendicular to the default (0,1,0) light.
    assert torch.allclose(rgb[:, 16, 16], torch.full((3,), 0.5, dtype=torch.float64))
    assert torch.allclose(rgb[:, 0, 0], torch.tensor([0.2, 0.4, 0.6], dtype=torch.float64))


def test_per_vertex_colours_are_perspective_correct():
    # Colour = world x of the surface point, on a plane tilted in depth: screen-space-linear
    # interpolation would be wrong by several percent here.
    f, c = 60.0, 32.0
    uv = torch.tensor([[2.0, 3.0], [62.0, 1.0], [60.0, 63.0], [1.0, 61.0]], dtype=torch.float64)
    xn, yn = (uv[:, 0] - c) / f, (uv[:, 1] - c) / f
    z = 0.5 / (1 - 0.8 * xn)
    verts = torch.stack((xn * z, yn * z, z), -1)[None]
    colors = (verts[..., :1] + 1.0).expand(-1, -1, 3)
    lights = torch.tensor([[1.0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]], dtype=torch.float64)
    r = Renderer(image_size=64, anti_aliasing=False)
    out = r(verts, torch.tensor([[0, 1, 2], [0, 2, 3]]), intrinsics(f, c), colors, lights,
            texture_type="vertex")
    cols = torch.arange(64.0, dtype=torch.float64)[None].expand(64, 64)
    covered = out.silhouette[0] > 0
    x_world = (cols + 0.5 - c) / f * out.depth[0]
    assert torch.allclose(out.rgb[0, 0][covered], (x_world + 1.0)[covered], atol=1e-9)


def test_texture_and_light_gradients():
    verts, faces = cube(half=0.05, center=(0.0, 0.0, 0.5))
    textures = torch.rand(1, 12, 3, dtype=torch.float64, requires_grad=True)
    lights = torch.tensor([[0.3, 0.6, 1.0, 0.9, 0.8, 0.7, 1.0, 0.6, 0.4, -1.3, 0.9]],
                          dtype=torch.float64, requires_grad=True)
    r = Renderer(image_size=16)

    def render(t, li):
        return r(verts[None], faces, intrinsics(30.0, 8.0), t, li, outputs=("rgb",)).rgb

    assert torch.autograd.gradcheck(render, (textures, lights), eps=1e-6, atol=1e-6)
