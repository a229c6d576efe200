"""Render meshes from a few fixed viewpoints (figures and demos; no gradients needed).

A view is a camera-from-object rotation; each mesh is centred on its bounding-box centre and
the camera placed so that the largest mesh of the batch fills about ``fill`` of the image.
Works in any length unit (near/far scale with the mesh).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from s2hand.render.renderer import Renderer

SKIN = (0.87, 0.64, 0.55)
# S2HAND light vector [Ia, Id, Ca, Cd, direction]: brighter than NR's default, lit obliquely
# from the camera side so that the visible surface shows its shape.
FIGURE_LIGHTS = (0.5, 0.6, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.6, -0.5, -0.6)


def render_views(vertices: Tensor, faces: Tensor, views: Mapping[str, Sequence[Sequence[float]]],
                 colors: Tensor | None = None, image_size: int = 256, fill: float = 0.8,
                 background: Sequence[float] = (1.0, 1.0, 1.0)) -> Tensor:
    """``(N, V, 3)`` meshes -> ``(N, len(views), H, W, 3)`` RGB images in [0, 1].

    Args:
        views: name -> 3x3 rotation (rows: the camera's x right, y down, z forward, in object
            coordinates).
        colors: per-vertex ``(N, V, 3)`` or ``(V, 3)`` colours (default: one skin tone).
    """
    vertices = vertices.detach()
    num = vertices.shape[0]
    centre = 0.5 * (vertices.amin(1, keepdim=True) + vertices.amax(1, keepdim=True))
    local = vertices - centre
    radius = float(local.norm(dim=-1).amax())
    focal = 4.0 * image_size
    distance = 2.0 * focal * radius / (fill * image_size)
    renderer = Renderer(image_size=image_size, background_color=tuple(background),
                        near=0.05 * distance, far=4.0 * distance)
    K = torch.tensor([[focal, 0.0, image_size / 2], [0.0, focal, image_size / 2],
                      [0.0, 0.0, 1.0]], dtype=vertices.dtype, device=vertices.device)
    if colors is None:
        colors = torch.tensor(SKIN, dtype=vertices.dtype, device=vertices.device)
        colors = colors.expand(vertices.shape[1], 3)
    colors = colors.to(vertices).expand(num, vertices.shape[1], 3)
    lights = torch.tensor(FIGURE_LIGHTS, dtype=vertices.dtype, device=vertices.device)
    lights = lights.expand(num, 11)
    images = []
    with torch.no_grad():
        for rotation in views.values():
            rot = torch.as_tensor(rotation, dtype=vertices.dtype, device=vertices.device)
            cam = local @ rot.T + torch.tensor([0.0, 0.0, distance], dtype=vertices.dtype,
                                               device=vertices.device)
            out = renderer(cam, faces, K.expand(num, 3, 3), textures=colors, lights=lights,
                           outputs=("rgb",), texture_type="vertex")
            images.append(out.rgb.permute(0, 2, 3, 1).clamp(0, 1))
    return torch.stack(images, dim=1)
