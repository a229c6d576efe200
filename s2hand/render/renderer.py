"""``Renderer``: the thin module that chains projection -> rasterisation -> shading ->
compositing with neural_renderer's conventions (see docs/renderer.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .compositing import (
    add_edge_gradient,
    composite_depth,
    composite_rgb,
    coverage,
    output_pixel_ids,
    to_image,
)
from .errors import RenderInputError
from .projection import project_to_ndc
from .rasterize import Fragments, rasterize
from .shading import Lights, face_light, shade_fragments
from .soft import SoftEdges, soft_edges

OUTPUT_NAMES = ("rgb", "depth", "silhouette")


@dataclass
class RenderOutput:
    """Rendered images; a field is None when it was not requested.

    Attributes:
        rgb: (B,3,H,W) colour over the background.
        depth: (B,H,W) camera depth in metres, 0 on background.
        silhouette: (B,H,W) coverage in [0,1] (fractional at edges with anti-aliasing).
    """

    rgb: Tensor | None = None
    depth: Tensor | None = None
    silhouette: Tensor | None = None


class Renderer(nn.Module):
    """Differentiable mesh renderer in pure PyTorch with neural_renderer's image formation.

    Args:
        image_size: output side H = W in pixels.
        background_color: RGB behind the mesh (S2HAND uses white with estimated lights).
        anti_aliasing: rasterise at 2x and average 2x2 blocks (NR's default).
        fill_back: draw faces from both sides (otherwise clockwise faces are culled, NR's rule).
        near, far: only surface points with ``near < z < far`` are drawn.
        soft_sigma: SoftRas sharpness (NDC units squared) of the soft coverage that gives
            silhouette and colour edges their gradient; 0 disables edge gradients.
        orig_size: side in pixels of the image K refers to (default ``image_size``).
        max_pairs: chunk size of candidate (face, pixel) pairs; bounds peak memory.
    """

    def __init__(
        self,
        image_size: int = 224,
        background_color: Sequence[float] = (0.0, 0.0, 0.0),
        anti_aliasing: bool = True,
        fill_back: bool = True,
        near: float = 0.1,
        far: float = 100.0,
        soft_sigma: float = 1e-4,
        orig_size: int | None = None,
        max_pairs: int = 1 << 21,
    ) -> None:
        super().__init__()
        if image_size <= 0:
            raise RenderInputError(f"image_size must be a positive int; got {image_size}.")
        if len(tuple(background_color)) != 3:
            raise RenderInputError(
                f"background_color must have 3 values (RGB); got {background_color!r}."
            )
        if not 0 < near < far:
            raise RenderInputError(f"need 0 < near < far; got near={near}, far={far}.")
        if soft_sigma < 0:
            raise RenderInputError(f"soft_sigma must be >= 0; got {soft_sigma}.")
        self.image_size = int(image_size)
        self.background_color = tuple(float(c) for c in background_color)
        self.anti_aliasing = bool(anti_aliasing)
        self.fill_back = bool(fill_back)
        self.near = float(near)
        self.far = float(far)
        self.soft_sigma = float(soft_sigma)
        self.orig_size = int(orig_size) if orig_size is not None else self.image_size
        self.max_pairs = int(max_pairs)

    def extra_repr(self) -> str:
        return (
            f"image_size={self.image_size}, anti_aliasing={self.anti_aliasing}, "
            f"fill_back={self.fill_back}, near={self.near}, far={self.far}, "
            f"soft_sigma={self.soft_sigma}, orig_size={self.orig_size}"
        )

    def forward(
        self,
        vertices: Tensor,
        faces: Tensor,
        K: Tensor,
        textures: Tensor | None = None,
        lights: Tensor | None = None,
        outputs: Sequence[str] = OUTPUT_NAMES,
        texture_type: str | None = None,
    ) -> RenderOutput:
        """Render a batch of meshes.

        Args:
            vertices: (B,V,3) camera-frame vertices (OpenCV: x right, y down, z forward).
            faces: (F,3) or (B,F,3) integer vertex indices.
            K: (B,3,3) intrinsics in pixels of an ``orig_size`` image.
            textures: per-face (B,F,3) or per-vertex (B,V,3) colours in display range, or None
                for all ones.
            lights: (B,11) S2HAND light vector, or None for NR's default lights.
            outputs: any of "rgb", "depth", "silhouette"; the others are not computed.
            texture_type: "face" or "vertex"; only needed when V == F makes it ambiguous.
        """
        wanted = _check_outputs(outputs)
        faces = _check_faces(faces, vertices)
        B, F = faces.shape[:2]
        per_vertex = _texture_kind(textures, vertices, F, texture_type) == "vertex"
        factor = 2 if self.anti_aliasing else 1
        size = self.image_size
        ndc = project_to_ndc(vertices, K, float(self.orig_size))
        face_ndc = gather_faces(ndc, faces)
        need_bary = "rgb" in wanted and per_vertex
        frags = rasterize(face_ndc, size * factor, self.near, self.far,
                          cull_backfaces=not self.fill_back, with_geometry="depth" in wanted,
                          with_bary=need_bary, max_pairs=self.max_pairs)
        out_ids = output_pixel_ids(frags.pixel_ids, size * factor, factor)
        alpha = coverage(out_ids, B, size, factor, vertices.dtype)
        edges = None
        if (wanted & {"rgb", "silhouette"} and self.soft_sigma > 0 and torch.is_grad_enabled()
                and ndc.requires_grad):
            edges = soft_edges(ndc, faces, frags.front, frags.drawable,
                               alpha.reshape(B, size, size), self.soft_sigma,
                               not self.fill_back, self.max_pairs)
        out = RenderOutput()
        if "silhouette" in wanted:
            sil = alpha if edges is None else add_edge_gradient(alpha, edges.pixel, edges.delta)
            out.silhouette = to_image(sil, B, size)
        if "rgb" in wanted:
            rgb = self._rgb(vertices, faces, textures, lights, per_vertex, frags, out_ids, alpha,
                            edges, factor)
            out.rgb = to_image(rgb, B, size)
        if "depth" in wanted:
            out.depth = to_image(composite_depth(frags.depth, out_ids, alpha, factor), B, size)
        return out

    def _rgb(self, vertices: Tensor, faces: Tensor, textures: Tensor | None,
             lights: Tensor | None, per_vertex: bool, frags: Fragments, out_ids: Tensor,
             alpha: Tensor, edges: SoftEdges | None, factor: int) -> Tensor:
        """Flat (B*S*S,3) colour image."""
        B = vertices.shape[0]
        dtype, device = vertices.dtype, vertices.device
        light_params = _lights(lights, B, device, dtype)
        flip = ~frags.front if self.fill_back else None
        light = face_light(gather_faces(vertices, faces), light_params, flip)
        textures = None if textures is None else textures.to(dtype)
        colors = shade_fragments(
            frags, light,
            face_colors=None if per_vertex else textures,
            vertex_colors=textures if per_vertex else None,
            faces=faces,
        )
        background = torch.tensor(self.background_color, device=device, dtype=dtype)
        background = background.expand(B, 3)
        rgb = composite_rgb(colors, out_ids, alpha, background, factor)
        if edges is None:
            return rgb
        face_color = _face_mean_color(textures, faces, per_vertex)
        lit = (light if face_color is None else light * face_color).detach().reshape(-1, 3)
        per_image = alpha.shape[0] // B
        edge_bg = background.index_select(0, torch.div(edges.pixel, per_image,
                                                       rounding_mode="floor"))
        edge_color = lit.index_select(0, edges.face) - edge_bg
        return add_edge_gradient(rgb, edges.pixel, edges.delta, edge_color)


def gather_faces(values: Tensor, faces: Tensor) -> Tensor:
    """(B,V,C) per-vertex values and (B,F,3) faces -> (B,F,3,C) per-corner values.

    ``index_select`` on the flattened batch (rather than advanced indexing) keeps the backward a
    fast ``index_add`` instead of a sort-based accumulate.
    """
    B, V, C = values.shape
    flat = faces + (torch.arange(B, device=faces.device) * V)[:, None, None]
    picked = values.reshape(B * V, C).index_select(0, flat.reshape(-1))
    return picked.reshape(*faces.shape, C)


def _check_outputs(outputs: Sequence[str]) -> set[str]:
    if isinstance(outputs, str):
        outputs = (outputs,)
    wanted = set(outputs)
    unknown = wanted - set(OUTPUT_NAMES)
    if unknown or not wanted:
        raise RenderInputError(
            f"outputs must be a non-empty subset of {OUTPUT_NAMES}; got {tuple(outputs)!r}."
        )
    return wanted


def _check_faces(faces: Tensor, vertices: Tensor) -> Tensor:
    if vertices.dim() != 3 or vertices.shape[-1] != 3:
        raise RenderInputError(f"vertices must have shape (B,V,3); got {tuple(vertices.shape)}.")
    if faces.dtype.is_floating_point or faces.dtype == torch.bool:
        raise RenderInputError(f"faces must be an integer tensor; got dtype {faces.dtype}.")
    B, V = vertices.shape[:2]
    if faces.dim() == 2:
        faces = faces.expand(B, -1, -1)
    if faces.dim() != 3 or faces.shape[0] != B or faces.shape[-1] != 3:
        raise RenderInputError(
            f"faces must have shape (F,3) or (B,F,3) with B={B}; got {tuple(faces.shape)}."
        )
    faces = faces.long().to(vertices.device)
    if faces.numel() and (int(faces.min()) < 0 or int(faces.max()) >= V):
        raise RenderInputError(
            f"faces index vertices out of range [0,{V}): min {int(faces.min())}, "
            f"max {int(faces.max())}."
        )
    return faces


def _texture_kind(textures: Tensor | None, vertices: Tensor, F: int, texture_type: str | None):
    if textures is None:
        return "face"
    B, V = vertices.shape[:2]
    if texture_type not in (None, "face", "vertex"):
        raise RenderInputError(
            f"texture_type must be 'face', 'vertex' or None; got {texture_type!r}."
        )
    if textures.dim() != 3 or textures.shape[0] != B or textures.shape[2] != 3:
        raise RenderInputError(
            f"textures must have shape (B,F,3) per face or (B,V,3) per vertex with B={B}, "
            f"F={F}, V={V}; got {tuple(textures.shape)}."
        )
    n = textures.shape[1]
    if texture_type is not None:
        expected = F if texture_type == "face" else V
        if n != expected:
            raise RenderInputError(
                f"texture_type={texture_type!r} expects textures (B,{expected},3); got "
                f"{tuple(textures.shape)}."
            )
        return texture_type
    if n == F == V:
        raise RenderInputError(
            f"textures (B,{n},3) are ambiguous because the mesh has as many faces as vertices; "
            "pass texture_type='face' or 'vertex'."
        )
    if n == F:
        return "face"
    if n == V:
        return "vertex"
    raise RenderInputError(
        f"textures must have F={F} (per face) or V={V} (per vertex) rows; got "
        f"{tuple(textures.shape)}."
    )


def _lights(lights: Tensor | None, B: int, device: torch.device, dtype: torch.dtype) -> Lights:
    if lights is None:
        return Lights.nr_default(B, device, dtype)
    if lights.dim() == 2 and lights.shape[0] != B:
        raise RenderInputError(f"lights have batch {lights.shape[0]}, vertices have {B}.")
    return Lights.from_vector(lights.to(dtype))


def _face_mean_color(textures: Tensor | None, faces: Tensor,
                     per_vertex: bool) -> Tensor | None:
    """(B,F,3) flat colour per face for edge gradients (mean of corner colours per vertex)."""
    if textures is None:
        return None
    if not per_vertex:
        return textures
    return gather_faces(textures, faces).mean(dim=2)
