"""Shading stage: NR's flat per-face lighting as modified by S2HAND's fork (spec renderer.md §4.1,
§9.1; s2hand.md §2.9) and colour look-up for covered pixels.

``light = Ia*Ca + Id*Cd*relu(n . d)`` per face, with ``n`` the unit normal of
``(v0 - v1) x (v2 - v1)`` computed on camera-frame vertices and ``d`` the *un-normalised*
direction. fill_back draws a face seen from behind as its reversed copy, whose normal is ``-n``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as Fn
from torch import Tensor

from .errors import RenderInputError
from .rasterize import Fragments

NR_DEFAULT_LIGHTS = (0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.0)


@dataclass(frozen=True)
class Lights:
    """Per-sample light parameters: intensities (B,), colours (B,3), direction (B,3)."""

    ambient_intensity: Tensor
    directional_intensity: Tensor
    ambient_color: Tensor
    directional_color: Tensor
    direction: Tensor

    @classmethod
    def from_vector(cls, lights: Tensor) -> Lights:
        """Split S2HAND's (B,11) vector ``[Ia, Id, Ca(3), Cd(3), dir(3)]``."""
        if lights.dim() != 2 or lights.shape[1] != 11:
            raise RenderInputError(
                f"lights must have shape (B,11) = [Ia, Id, Ca rgb, Cd rgb, direction]; "
                f"got {tuple(lights.shape)}."
            )
        return cls(lights[:, 0], lights[:, 1], lights[:, 2:5], lights[:, 5:8], lights[:, 8:11])

    @classmethod
    def nr_default(cls, batch: int, device: torch.device, dtype: torch.dtype) -> Lights:
        """NR's defaults: 0.5 ambient + 0.5 directional white light along +y."""
        vec = torch.tensor(NR_DEFAULT_LIGHTS, device=device, dtype=dtype).expand(batch, 11)
        return cls.from_vector(vec)


def face_normals(face_verts: Tensor) -> Tensor:
    """(B,F,3,3) corners -> (B,F,3) unit normals of ``(v0 - v1) x (v2 - v1)`` (NR's sign)."""
    v0, v1, v2 = face_verts.unbind(dim=2)
    return Fn.normalize(torch.cross(v0 - v1, v2 - v1, dim=-1), dim=-1, eps=1e-5)


def face_light(face_verts: Tensor, lights: Lights, flip: Tensor | None = None) -> Tensor:
    """Per-face light colour (B,F,3).

    Args:
        face_verts: (B,F,3,3) camera-frame corners (NR lights before the camera transform, which
            is the identity in S2HAND).
        lights: per-sample parameters, batch B.
        flip: optional (B,F) bool, faces drawn as their reversed fill_back copy.
    """
    n = face_normals(face_verts)
    if flip is not None:
        n = torch.where(flip[..., None], -n, n)
    cos = torch.relu((n * lights.direction[:, None, :]).sum(-1))
    ambient = lights.ambient_intensity[:, None, None] * lights.ambient_color[:, None, :]
    directional = lights.directional_intensity[:, None, None] * lights.directional_color[:, None, :]
    return ambient + directional * cos[..., None]


def shade_fragments(
    frags: Fragments,
    light: Tensor,
    face_colors: Tensor | None = None,
    vertex_colors: Tensor | None = None,
    faces: Tensor | None = None,
) -> Tensor:
    """Colour (M,3) of every covered pixel: ``texture * light`` of the face shown there.

    Args:
        frags: rasterisation result (needs ``bary``, ``depth`` and ``corner_depth`` for
            per-vertex colours).
        light: (B,F,3) per-face light from :func:`face_light`.
        face_colors: (B,F,3) per-face colours, or
        vertex_colors: (B,V,3) per-vertex colours, interpolated perspective-correctly, with
        faces: (B,F,3) long vertex indices (needed with ``vertex_colors``).
        With neither, the texture is all ones (NR's untextured S2HAND call).
    """
    if vertex_colors is not None:
        if frags.bary is None or frags.depth is None or frags.corner_depth is None or faces is None:
            raise RenderInputError("per-vertex colours need fragments with geometry and faces.")
        B, V = vertex_colors.shape[:2]
        vidx = faces + (torch.arange(B, device=faces.device) * V)[:, None, None]
        corner = vidx.reshape(-1, 3).index_select(0, frags.face_ids).reshape(-1)
        corner_colors = vertex_colors.reshape(-1, 3).index_select(0, corner).reshape(-1, 3, 3)
        # Perspective-correct weights: w_k z / z_k.
        weights = frags.bary * frags.depth[:, None] / frags.corner_depth
        texture = (weights[..., None] * corner_colors).sum(1)
        return texture * light.reshape(-1, 3).index_select(0, frags.face_ids)
    lit = light if face_colors is None else face_colors * light
    return lit.reshape(-1, 3).index_select(0, frags.face_ids)
