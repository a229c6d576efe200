"""Depth rendering with the original's crop/NDC conventions (deephandmesh.md §6): pixel
coverage with the half-pixel row offset, culling, depth values, gradients, multi-view."""

from __future__ import annotations

import torch

from s2hand.hand.deephandmesh import load_dhm_hand_model
from s2hand.losses.deephandmesh import render_crop_depth, render_views, world_to_crop

SIZE = 16
# Wound counter-clockwise about the normal that points towards the camera: kept.
FACING = torch.tensor([[0, 2, 1], [0, 3, 2]])


def _camera(b=1):
    eye = torch.eye(3, dtype=torch.float64).expand(b, 3, 3)
    zero = torch.zeros(b, 3, dtype=torch.float64)
    focal = torch.full((b, 2), 100.0, dtype=torch.float64)
    princpt = torch.full((b, 2), 8.0, dtype=torch.float64)
    affine = torch.tensor([[1.0, 0, 0], [0, 1.0, 0]], dtype=torch.float64).expand(b, 2, 3)
    return eye, zero, focal, princpt, affine


def _square(x0, x1, y0, y1, z):
    """Fronto-parallel quad whose crop-pixel footprint is [x0, x1] x [y0, y1] at depth z
    (camera at the origin, f = 100, c = 8)."""
    corners = [((x - 8) / 100 * z, (y - 8) / 100 * z, z) for x, y in
               ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    return torch.tensor(corners, dtype=torch.float64)[None]


def test_coverage_has_the_half_pixel_row_offset_and_depth_is_camera_z():
    verts = _square(3.2, 9.7, 4.2, 12.7, 500.0)
    faces = FACING
    depth = render_crop_depth(verts, faces, *_camera(), size=SIZE)
    expected = torch.zeros(SIZE, SIZE, dtype=torch.bool)
    for r in range(SIZE):
        for c in range(SIZE):
            # column c is sampled at x' = c + 0.5, row r at y' = r - 0.5
            expected[r, c] = 3.2 < c + 0.5 < 9.7 and 4.2 < r - 0.5 < 12.7
    assert torch.equal(depth[0, 0] != 0, expected)
    assert torch.allclose(depth[0, 0][expected], torch.tensor(500.0, dtype=torch.float64))
    # The reversed winding is culled (fill_back off).
    assert render_crop_depth(verts, faces.flip(1), *_camera(), size=SIZE).abs().sum() == 0


def test_outward_faces_of_the_shipped_hand_face_the_camera():
    hand = load_dhm_hand_model()
    verts = torch.as_tensor(hand.vertices)[None]
    faces = torch.as_tensor(hand.faces)
    centre = verts[0].mean(0)
    # Camera 400 mm above the back of the hand (+y), looking down -y.
    rot = torch.tensor([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]], dtype=torch.float64)[None]
    campos = (centre + torch.tensor([0, 400.0, 0], dtype=torch.float64))[None]
    focal = torch.full((1, 2), 300.0, dtype=torch.float64)
    princpt = torch.full((1, 2), 32.0, dtype=torch.float64)
    affine = torch.tensor([[[1.0, 0, 0], [0, 1.0, 0]]], dtype=torch.float64)
    front = render_crop_depth(verts, faces, rot, campos, focal, princpt, affine, size=64)
    back = render_crop_depth(verts, faces.flip(1), rot, campos, focal, princpt, affine,
                             size=64)
    both = (front != 0) & (back != 0)
    assert both.sum() > 200
    assert (front[both] < back[both]).float().mean() > 0.95   # near surface kept


def test_gradient_only_through_covered_depth_and_views_batch():
    verts = _square(3.2, 9.7, 4.2, 12.7, 500.0).requires_grad_(True)
    faces = FACING
    depth = render_crop_depth(verts, faces, *_camera(), size=SIZE)
    (grad,) = torch.autograd.grad(depth.sum(), verts)
    assert grad[..., 2].sum() > 0 and torch.isfinite(grad).all()
    # Two views of a batch in one call equal two single renders.
    camrot, campos, focal, princpt, affine = _camera(2)
    shifted = affine.clone()
    shifted[1, :, 2] = torch.tensor([1.5, -2.0])
    cams = {"camrot": camrot[None], "campos": campos[None], "focal": focal[None],
            "princpt": princpt[None], "affine": shifted[None]}
    views = render_views(verts.detach(), faces, cams, SIZE)
    for v in range(2):
        one = render_crop_depth(verts.detach(), faces, camrot[v:v + 1], campos[v:v + 1],
                                focal[v:v + 1], princpt[v:v + 1], shifted[v:v + 1], SIZE)
        assert torch.equal(views[0, v], one[0, 0])
    assert not torch.equal(views[0, 0], views[0, 1])


def test_world_to_crop_applies_extrinsics_then_affine():
    g = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=g, dtype=torch.float64))
    campos = torch.randn(1, 3, generator=g, dtype=torch.float64)
    pts = torch.randn(1, 5, 3, generator=g, dtype=torch.float64) + campos + q[2] * 50
    focal = torch.tensor([[120.0, 110.0]], dtype=torch.float64)
    princpt = torch.tensor([[30.0, 20.0]], dtype=torch.float64)
    affine = torch.tensor([[[0.5, 0, 3.0], [0, 2.0, -1.0]]], dtype=torch.float64)
    out = world_to_crop(pts, q[None], campos, focal, princpt, affine)
    for i in range(5):
        cam = q @ (pts[0, i] - campos[0])
        x, y = cam[0] / cam[2] * 120 + 30, cam[1] / cam[2] * 110 + 20
        assert torch.allclose(out[0, i], torch.stack([0.5 * x + 3, 2 * y - 1, cam[2]]))
