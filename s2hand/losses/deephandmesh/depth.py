"""DeepHandMesh's multi-view depth supervision (deephandmesh.md §6, §7.2).

:func:`render_crop_depth` renders camera depth (mm) into the 256x256 crop of a view with the
original's conventions, on :func:`s2hand.render.rasterize`:

1. ``X_cam = camrot (X - campos)``; an exact ``Z == 0`` becomes ``1e-4``;
2. pinhole ``x = X/Z fx + cx``, ``y = Y/Z fy + cy`` (distortion ignored), then the crop affine
   ``[x', y'] = A [x, y, 1]``;
3. NDC ``x_ndc = 2 x'/S - 1``, ``y_ndc = 2 (S - 1 - y')/S - 1``, ``z = Z`` (mm).
   With neural_renderer's pixel centres this puts column ``c`` at ``x' = c + 0.5`` but row ``r``
   at ``y' = r - 0.5``: the original's half-pixel vertical offset, kept on purpose so that a
   model trained here renders the original's depth maps pixel for pixel;
4. rasterisation without anti-aliasing, ``near = 1 < Z < far = 99999``, clockwise faces
   culled (``fill_back`` off), background 0.

Gradients reach the vertices only through the depth of covered pixels (no edge term), as in
the original.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from s2hand.losses._checks import check_shape
from s2hand.render.compositing import composite_depth, coverage, to_image
from s2hand.render.rasterize import rasterize
from s2hand.render.renderer import gather_faces

CROP_SIZE = 256
DEPTH_NEAR = 1.0
DEPTH_FAR = 99999.0
ZERO_DEPTH_EPS = 1e-4


def world_to_crop(vertices: Tensor, camrot: Tensor, campos: Tensor, focal: Tensor,
                  princpt: Tensor, affine: Tensor) -> Tensor:
    """Steps 1-2: ``(B, V, 3)`` world mm -> ``(B, V, 3)`` (crop x', crop y', camera Z).

    Args:
        camrot ``(B, 3, 3)``, campos ``(B, 3)``, focal ``(B, 2)``, princpt ``(B, 2)``,
        affine ``(B, 2, 3)`` image -> crop pixels.
    """
    cam = (vertices - campos[:, None]) @ camrot.transpose(1, 2)
    z = cam[..., 2]
    z = torch.where(z == 0, z + ZERO_DEPTH_EPS, z)
    x = cam[..., 0] / z * focal[:, None, 0] + princpt[:, None, 0]
    y = cam[..., 1] / z * focal[:, None, 1] + princpt[:, None, 1]
    xy1 = torch.stack([x, y, torch.ones_like(x)], dim=-1)
    crop = xy1 @ affine.transpose(1, 2)
    return torch.cat([crop, z[..., None]], dim=-1)


def crop_to_ndc(points: Tensor, size: int = CROP_SIZE) -> Tensor:
    """Step 3: ``(..., 3)`` (x', y', Z) -> NR NDC (x right, y up, Z), with the row offset."""
    x = points[..., 0] / size * 2 - 1
    y = (size - 1 - points[..., 1]) / size * 2 - 1
    return torch.stack([x, y, points[..., 2]], dim=-1)


def render_crop_depth(vertices: Tensor, faces: Tensor, camrot: Tensor, campos: Tensor,
                      focal: Tensor, princpt: Tensor, affine: Tensor, size: int = CROP_SIZE,
                      near: float = DEPTH_NEAR, far: float = DEPTH_FAR) -> Tensor:
    """Depth of the nearest front-facing triangle in one view's crop (steps 1-4).

    Args:
        vertices: ``(B, V, 3)`` world mm; faces ``(F, 3)``; cameras as :func:`world_to_crop`.
    Returns:
        ``(B, 1, size, size)`` camera Z in mm, 0 on background.
    """
    check_shape("vertices", vertices, ("B", "V", 3))
    b = vertices.shape[0]
    ndc = crop_to_ndc(world_to_crop(vertices, camrot, campos, focal, princpt, affine), size)
    face_ndc = gather_faces(ndc, faces.long().to(vertices.device).expand(b, -1, -1))
    frags = rasterize(face_ndc, size, near, far, cull_backfaces=True, with_geometry=True)
    alpha = coverage(frags.pixel_ids, b, size, 1, vertices.dtype)
    depth = composite_depth(frags.depth, frags.pixel_ids, alpha, 1)
    return to_image(depth, b, size)[:, None]


def depth_map_loss(rendered: Tensor, gt: Tensor) -> Tensor:
    """Smooth-L1 (beta 1 mm) on pixels that are foreground in both maps, averaged over views.

    Args:
        rendered, gt: ``(B, N, H, W)`` depth (mm, 0 = background) of the ``N`` sampled views.
    Returns:
        ``(B, 1, H, W)`` ``sum_views smoothL1 * mask / N``; the total takes its mean.
    """
    check_shape("rendered", rendered, ("B", "N", "H", "W"))
    check_shape("gt", gt, tuple(rendered.shape))
    mask = (rendered != 0) & (gt != 0)
    loss = F.smooth_l1_loss(rendered, gt, reduction="none", beta=1.0) * mask
    return loss.sum(1, keepdim=True) / rendered.shape[1]
