"""Projection conventions, exact pixel coverage, plane depth, culling, z-order, near/far."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from render_helpers import icosphere, intrinsics

from s2hand.render import Renderer, RenderInputError, ndc_to_pixel, project_to_ndc, rasterize


def test_projection_matches_nr_formula():
    K = torch.tensor([[[300.0, 2.0, 100.0], [0.0, 310.0, 90.0], [0.0, 0.0, 1.0]]])
    pts = torch.tensor([[[0.1, -0.05, 0.8], [-0.2, 0.3, 1.5]]])
    ndc = project_to_ndc(pts, K, orig_size=224.0)
    x, y, z = pts[0].unbind(-1)
    u = 300 * x / z + 2 * y / z + 100
    v = 224 - (310 * y / z + 90)
    expected = torch.stack(((u - 112) / 112, (v - 112) / 112, z), -1)
    assert torch.allclose(ndc[0], expected, atol=1e-6)


def test_pixel_centre_convention():
    # An image point (u, v) lands at pixel index (u - 0.5, v - 0.5): pixel (r, c) is centred on
    # (c + 0.5, r + 0.5) of the original image.
    K = intrinsics(100.0, 0.0)
    pts = torch.tensor([[[0.37, 0.52, 1.0]]], dtype=torch.float64)
    pix = ndc_to_pixel(project_to_ndc(pts, K, 64.0)[..., :2], 64)
    assert torch.allclose(pix[0, 0], torch.tensor([36.5, 51.5], dtype=torch.float64))
    # Half resolution: the same point at index (u/2 - 0.5, v/2 - 0.5).
    pix = ndc_to_pixel(project_to_ndc(pts, K, 64.0)[..., :2], 32)
    assert torch.allclose(pix[0, 0], torch.tensor([18.0, 25.5], dtype=torch.float64))


def _quad(u0, u1, v0, v1, z=1.0, f=100.0):
    """Screen-aligned quad covering image points u in [u0,u1], v in [v0,v1] at depth z."""
    corners = [(u0, v0), (u1, v0), (u1, v1), (u0, v1)]
    verts = torch.tensor([[(u / f * z, v / f * z, z) for u, v in corners]], dtype=torch.float64)
    faces = torch.tensor([[0, 2, 1], [0, 3, 2]])  # CCW around the normal facing the camera
    return verts, faces, intrinsics(f, 0.0)


def test_quad_covers_exactly_expected_pixels():
    verts, faces, K = _quad(4.2, 10.7, 3.6, 12.4)
    out = Renderer(image_size=16, anti_aliasing=False)(verts, faces, K, outputs=("silhouette",))
    expected = torch.zeros(16, 16)
    # Pixel (r, c) is covered iff its centre (c + .5, r + .5) lies in the quad.
    expected[4:12, 4:11] = 1
    assert torch.equal(out.silhouette[0].float(), expected)


def test_triangle_edges_inclusive_and_half_plane():
    # Right triangle with its hypotenuse exactly through pixel centres (c = r).
    verts = torch.tensor([[[0.0, 0.0, 1.0], [0.16, 0.0, 1.0], [0.16, 0.16, 1.0]]],
                         dtype=torch.float64)
    K = intrinsics(100.0, 0.0)
    out = Renderer(image_size=16, anti_aliasing=False)(
        verts, torch.tensor([[0, 1, 2]]), K, outputs=("silhouette",))
    rows, cols = torch.meshgrid(torch.arange(16), torch.arange(16), indexing="ij")
    expected = (cols >= rows) & (cols + 0.5 <= 16) & (rows + 0.5 >= 0)
    assert torch.equal(out.silhouette[0] > 0, expected)


def test_depth_equals_analytic_plane_depth():
    # A tilted plane z = 0.5 + 0.3 x + 0.2 y seen through a 64x64 camera.
    f, c = 60.0, 32.0
    uv = torch.tensor([[2.0, 3.0], [62.0, 1.0], [60.0, 63.0], [1.0, 61.0]], dtype=torch.float64)
    xn, yn = (uv[:, 0] - c) / f, (uv[:, 1] - c) / f
    z = 0.5 / (1 - 0.3 * xn - 0.2 * yn)
    verts = torch.stack((xn * z, yn * z, z), -1)[None]
    faces = torch.tensor([[0, 1, 2], [0, 2, 3]])
    out = Renderer(image_size=64, anti_aliasing=False)(
        verts, faces, intrinsics(f, c), outputs=("depth", "silhouette"))
    cols, rows = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="xy")
    xr, yr = (cols + 0.5 - c) / f, (rows + 0.5 - c) / f
    plane = 0.5 / (1 - 0.3 * xr - 0.2 * yr)
    covered = out.silhouette[0] > 0
    assert covered.sum() > 3000
    assert torch.allclose(out.depth[0][covered], plane.to(out.depth.dtype)[covered], atol=1e-9)
    assert torch.all(out.depth[0][~covered] == 0)


def test_culling_and_fill_back():
    verts, faces, K = _quad(2.0, 14.0, 2.0, 14.0)
    flipped = faces[:, [0, 2, 1]]
    for fill_back, face_set, expect_covered in [
        (False, faces, True), (False, flipped, False), (True, faces, True), (True, flipped, True)
    ]:
        r = Renderer(image_size=16, anti_aliasing=False, fill_back=fill_back)
        sil = r(verts, face_set, K, outputs=("silhouette",)).silhouette
        assert bool(sil.sum() > 0) == expect_covered, (fill_back, expect_covered)


def test_lower_face_index_wins_ties_and_front_beats_fill_back_copy():
    verts, faces, K = _quad(0.0, 16.0, 0.0, 16.0)
    r = Renderer(image_size=16, anti_aliasing=False, fill_back=True)
    same = torch.cat((faces, faces))  # two coplanar copies of both triangles
    colors = torch.tensor([[[1.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0], [0, 1.0, 0]]],
                          dtype=torch.float64)
    lights = torch.tensor([[1.0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]], dtype=torch.float64)
    rgb = r(verts, same, K, colors, lights, outputs=("rgb",), texture_type="face").rgb
    assert torch.allclose(rgb[0, :, 8, 8], torch.tensor([1.0, 0, 0], dtype=torch.float64))
    # A back-facing copy listed first still loses to the front-facing one (NR orders the
    # reversed fill_back copies after all original faces).
    back_first = torch.cat((faces[:, [0, 2, 1]], faces))
    rgb = r(verts, back_first, K, colors, lights, ("rgb",), "face").rgb
    assert torch.allclose(rgb[0, :, 8, 8], torch.tensor([0, 1.0, 0], dtype=torch.float64))


def test_near_far_clip():
    verts, faces, K = _quad(0.0, 16.0, 0.0, 16.0, z=2.0)
    sil = Renderer(image_size=16, anti_aliasing=False, far=1.5)(verts, faces, K).silhouette
    assert sil.sum() == 0
    for near, far, expected in [(2.5, 10.0, 0), (1.5, 2.5, 256)]:
        r = Renderer(image_size=16, anti_aliasing=False, near=near, far=far)
        assert r(verts, faces, K).silhouette.sum() == expected


def test_anti_aliasing_fractional_edges_and_depth():
    verts, faces, K = _quad(4.0, 10.5, 4.0, 12.0)
    out = Renderer(image_size=16, anti_aliasing=True)(verts, faces, K)
    sil = out.silhouette[0]
    assert torch.allclose(sil[8, 10], torch.tensor(0.5, dtype=sil.dtype))  # half the sub-samples
    assert sil[8, 9] == 1 and sil[8, 11] == 0
    assert out.depth[0, 8, 10] == 0  # partially covered: no depth (NR's far-mixing, masked)
    assert torch.isclose(out.depth[0, 8, 9], torch.tensor(1.0, dtype=out.depth.dtype))


def test_chunking_does_not_change_result():
    verts, faces, K = _quad(1.3, 30.2, 2.7, 29.9)
    face_ndc = project_to_ndc(verts, K, 32.0)[:, faces]
    a = rasterize(face_ndc, 32)
    b = rasterize(face_ndc, 32, max_pairs=7)
    assert torch.equal(a.face_index, b.face_index)
    assert torch.allclose(a.depth, b.depth)


def test_outputs_subset_only():
    verts, faces, K = _quad(0.0, 16.0, 0.0, 16.0)
    out = Renderer(image_size=16)(verts, faces, K, outputs=("depth",))
    assert out.rgb is None and out.silhouette is None and out.depth is not None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"faces": torch.tensor([[0, 1, 9]])}, "out of range"),
        ({"faces": torch.zeros(1, 3)}, "integer"),
        ({"K": torch.eye(3)}, "K must have shape"),
        ({"textures": torch.ones(1, 5, 3)}, "textures"),
        ({"lights": torch.ones(1, 7)}, "lights must have shape"),
        ({"outputs": ("normals",)}, "outputs"),
    ],
)
def test_bad_input_raises_clear_error(kwargs, match):
    verts, faces, K = _quad(0.0, 16.0, 0.0, 16.0)
    args = {"vertices": verts, "faces": faces, "K": K} | kwargs
    with pytest.raises(RenderInputError, match=match):
        Renderer(image_size=16)(**args)


def test_behind_camera_faces_are_skipped():
    verts, faces, K = _quad(0.0, 16.0, 0.0, 16.0, z=1.0)
    verts = torch.cat((verts, torch.tensor([[[0.3, 0.3, -1.0]]], dtype=torch.float64)), dim=1)
    faces = torch.cat((faces, torch.tensor([[1, 2, 4]])))  # one face reaches behind the camera
    out = Renderer(image_size=16, anti_aliasing=False)(verts, faces, K)
    assert out.silhouette.sum() == 256
    assert np.isfinite(out.depth.numpy()).all() and torch.all(out.depth == 1.0)


def test_small_chunks_give_identical_images_and_gradients():
    verts, faces = icosphere(subdivisions=2)
    K = intrinsics(60.0, 12.0)
    tex = torch.rand(1, faces.shape[0], 3, dtype=torch.float64)
    results = []
    for max_pairs in (1 << 21, 37):
        v = verts[None].clone().requires_grad_(True)
        out = Renderer(image_size=24, max_pairs=max_pairs)(v, faces, K, tex)
        (out.rgb.sum() + out.depth.sum() + out.silhouette.sum()).backward()
        results.append((out.rgb, out.depth, out.silhouette, v.grad))
    for a, b in zip(*results, strict=True):
        assert torch.allclose(a, b, atol=1e-12)


def test_zero_area_faces_draw_nothing():
    verts, faces, K = _quad(2.0, 6.0, 2.0, 6.0)
    line = torch.tensor([[[0.0, 0.0, 1.0], [0.1, 0.1, 1.0], [0.15, 0.15, 1.0]]],
                        dtype=torch.float64)
    verts = torch.cat((verts, line), dim=1)
    faces = torch.cat((faces, torch.tensor([[4, 5, 6]])))
    v = verts.clone().requires_grad_(True)
    out = Renderer(image_size=16, anti_aliasing=False)(v, faces, K)
    assert out.silhouette.sum() == 16  # the 4x4 quad only
    (out.rgb.sum() + out.depth.sum() + out.silhouette.sum()).backward()
    assert torch.isfinite(v.grad).all()
