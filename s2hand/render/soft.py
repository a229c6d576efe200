"""Soft coverage for edge gradients, evaluated only near the silhouette.

A hard z-buffer has no gradient w.r.t. where an edge lies. Following SoftRas, a pixel p is
covered with probability ``sigmoid(s * d^2 / sigma)``, where d is the NDC distance from p to the
silhouette and s = +1 inside, -1 outside. The silhouette's boundary consists of the mesh's
*contour edges* (edges between a front- and a back-facing face, or with a single face), so d is
measured to the nearest contour edge: one (pixel, edge) pair per pixel instead of SoftRas'
aggregation over every nearby face, which would be ~20x more work for a hand at 224².
The renderer uses this only as a *gradient* (``hard + soft - soft.detach()``), so forward values
stay NR's exact ones. Only pixels within ``sqrt(TAIL * sigma)`` of the hard silhouette boundary
are evaluated (elsewhere the sigmoid is saturated). The derivative is written by hand (closest
point on the edge held fixed) so no autograd graph over the pairs is stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from .binning import DEFAULT_MAX_PAIRS, bbox_pixel_bounds, enumerate_pairs
from .projection import ndc_to_pixel

# sigmoid(-TAIL) ~ 5e-5: pixels farther than sqrt(TAIL * sigma) from the silhouette are skipped.
TAIL = 10.0


@dataclass
class SoftEdges:
    """Soft-coverage gradient carrier at the output resolution, sparse over P boundary pixels.

    Attributes:
        pixel: (P,) long flat output pixel ids ``b*S*S + row*S + col``.
        delta: (P,) ``soft - soft.detach()``: zero in value, carries d(soft)/d(vertices).
        face: (P,) long flat ``b*F + f`` of a drawn face next to the pixel's nearest contour
            edge (gives colour edges their colour).
        soft: (P,) soft coverage values (detached), for inspection.
    """

    pixel: Tensor
    delta: Tensor
    face: Tensor
    soft: Tensor


@dataclass
class _Nearest:
    """Nearest contour edge of each evaluated pixel; all (P,) tensors."""

    pixel: Tensor
    va: Tensor
    vb: Tensor
    t: Tensor
    ex: Tensor
    ey: Tensor
    sign: Tensor
    face: Tensor


def dilate(mask: Tensor, margin: int) -> Tensor:
    """(...,H,W) bool -> bool, True within ``margin`` pixels (Chebyshev) of a True pixel."""
    out = mask
    for dim in (-2, -1):
        grown = out.clone()
        n = out.shape[dim]
        for shift in range(1, min(margin, n - 1) + 1):
            grown.narrow(dim, shift, n - shift).logical_or_(out.narrow(dim, 0, n - shift))
            grown.narrow(dim, 0, n - shift).logical_or_(out.narrow(dim, shift, n - shift))
        out = grown
    return out


def boundary_band(alpha: Tensor, margin: int) -> Tensor:
    """(B,S,S) bool: pixels within ``margin`` pixels (Chebyshev) of both covered and uncovered
    pixels."""
    return dilate(alpha > 0, margin) & dilate(alpha < 1, margin)


def contour_edges(faces: Tensor, front: Tensor, drawable: Tensor, cull_backfaces: bool,
                  num_vertices: int) -> tuple[Tensor, Tensor]:
    """Edges that can bound the rendered silhouette.

    Args:
        faces: (B,F,3) long vertex indices (into each sample's V vertices).
        front: (B,F) bool face orientation (NR's culling rule).
        drawable: (B,F) bool faces that are rasterised at all.
        cull_backfaces: only front faces are drawn (NR without fill_back).
        num_vertices: V, vertices per sample.

    Returns:
        edges: (E,2) long batch-flat vertex ids ``b*V + v`` of contour edges,
        face: (E,) long batch-flat id ``b*F + f`` of a drawn face next to each edge.
    """
    B, F = faces.shape[:2]
    device = faces.device
    V = num_vertices
    flat = faces + (torch.arange(B, device=device) * V)[:, None, None]
    a = flat.reshape(-1)
    b = flat.roll(-1, dims=2).reshape(-1)
    lo, hi = torch.minimum(a, b), torch.maximum(a, b)
    key = lo * (B * V) + hi
    uniq, inverse = torch.unique(key, return_inverse=True)
    face_of = torch.arange(B * F, device=device).repeat_interleave(3)
    drawn = drawable.reshape(-1).repeat_interleave(3)
    is_front = (front.reshape(-1).repeat_interleave(3) & drawn).long()
    n_drawn = torch.zeros(uniq.numel(), dtype=torch.long, device=device)
    n_drawn.index_add_(0, inverse, drawn.long())
    n_front = torch.zeros_like(n_drawn).index_add_(0, inverse, is_front)
    n_back = n_drawn - n_front
    if cull_backfaces:
        # Boundary of the union of front faces: a front face on one side only.
        n_total = torch.zeros_like(n_drawn).index_add_(0, inverse, torch.ones_like(inverse))
        contour = (n_front >= 1) & ((n_front < n_total) | (n_total == 1))
    else:
        contour = ((n_front > 0) & (n_back > 0)) | (n_drawn == 1)
    # One drawn face per edge (front preferred) for colouring.
    score = torch.where(drawn, face_of + (1 - is_front) * (B * F), torch.full_like(face_of,
                                                                                  2 * B * F))
    pick = torch.full((uniq.numel(),), 2 * B * F, dtype=torch.long, device=device)
    pick.scatter_reduce_(0, inverse, score, reduce="amin")
    edge_ids = torch.nonzero(contour & (pick < 2 * B * F)).squeeze(1)
    edges = torch.stack((torch.div(uniq[edge_ids], B * V, rounding_mode="floor"),
                         uniq[edge_ids] % (B * V)), dim=1)
    return edges, pick[edge_ids] % (B * F)


def _nearest_edges(xy: Tensor, edges: Tensor, edge_face: Tensor, band: Tensor, inside: Tensor,
                   margin_px: float, max_pairs: int) -> _Nearest | None:
    """For band pixels, the nearest contour edge within ``margin_px`` (no autograd).

    Args:
        xy: (B*V,2) vertex pixel coordinates (col, row).
        edges: (E,2), edge_face: (E,) from :func:`contour_edges`.
        band: (B,S,S) bool pixels to evaluate; inside: (B,S,S) bool hard coverage sign.
    """
    B, S = band.shape[:2]
    V = xy.shape[0] // B
    seg = xy[edges]  # (E,2,2)
    lo, hi = bbox_pixel_bounds(torch.nan_to_num(seg).clamp(-1e6, 1e6), S, margin=margin_px)
    ok = torch.isfinite(seg).all(dim=(1, 2))
    hi = torch.where(ok[:, None], hi, lo - 1)
    edge_batch = torch.div(edges[:, 0], V, rounding_mode="floor")
    band_flat = band.reshape(-1)
    best = torch.full((B * S * S,), math.inf, dtype=xy.dtype, device=xy.device)
    kept = []
    for pairs in enumerate_pairs(lo, hi, max_pairs):
        pixel = (edge_batch[pairs.face] * S + pairs.row) * S + pairs.col
        sel = band_flat[pixel]
        e, pixel = pairs.face[sel], pixel[sel]
        a, b = seg[e, 0], seg[e, 1]
        u = b - a
        p = torch.stack((pairs.col[sel], pairs.row[sel]), dim=1).to(xy.dtype) - a
        t = ((p * u).sum(1) / (u * u).sum(1).clamp_min(1e-20)).clamp(0.0, 1.0)
        r = p - t[:, None] * u
        d2 = (r * r).sum(1)
        near = d2 < margin_px * margin_px
        e, pixel, t, r, d2 = e[near], pixel[near], t[near], r[near], d2[near]
        best.scatter_reduce_(0, pixel, d2, reduce="amin")
        kept.append((e, pixel, t, r, d2))
    if not kept:
        return None
    e, pixel, t, r, d2 = (torch.cat(parts) for parts in zip(*kept, strict=True))
    # Exactly one winner per pixel: the smallest d2, ties to the lowest pair position.
    cand = torch.nonzero(d2 == best[pixel]).squeeze(1)
    first = torch.full((B * S * S,), cand.numel(), dtype=torch.long, device=xy.device)
    first.scatter_reduce_(0, pixel[cand], torch.arange(cand.numel(), device=xy.device),
                          reduce="amin")
    win = cand[first[first < cand.numel()]]
    sign = torch.where(inside.reshape(-1)[pixel[win]], 1.0, -1.0).to(xy.dtype)
    return _Nearest(pixel[win], edges[e[win], 0], edges[e[win], 1], t[win], r[win, 0],
                    r[win, 1], sign, edge_face[e[win]])


class _SoftSilhouette(torch.autograd.Function):
    """soft(p) = sigmoid(s * |p - q|^2 * scale) at evaluated pixels, q the nearest edge point."""

    @staticmethod
    def forward(ctx, xy: Tensor, near: _Nearest, scale: float) -> Tensor:
        soft = torch.sigmoid(near.sign * (near.ex**2 + near.ey**2) * scale)
        ctx.near, ctx.scale, ctx.shape = near, scale, xy.shape
        ctx.save_for_backward(soft)
        return soft

    @staticmethod
    def backward(ctx, grad_soft: Tensor):
        (soft,) = ctx.saved_tensors
        n = ctx.near
        # d soft / d q = sigmoid' * s * scale * (-2 (p - q)); q = (1 - t) a + t b.
        g = grad_soft * soft * (1 - soft) * n.sign * (-2.0 * ctx.scale)
        gx, gy = g * n.ex, g * n.ey
        grad = torch.zeros(ctx.shape, dtype=grad_soft.dtype, device=grad_soft.device)
        flat = grad.view(-1)
        wa, wb = 1.0 - n.t, n.t
        index = torch.cat((2 * n.va, 2 * n.va + 1, 2 * n.vb, 2 * n.vb + 1))
        flat.index_add_(0, index, torch.cat((gx * wa, gy * wa, gx * wb, gy * wb)))
        return grad, None, None


def soft_edges(
    vertex_ndc: Tensor,
    faces: Tensor,
    front: Tensor,
    drawable: Tensor,
    alpha: Tensor,
    sigma: float,
    cull_backfaces: bool = False,
    max_pairs: int = DEFAULT_MAX_PAIRS,
) -> SoftEdges:
    """Soft silhouette gradient near the boundary of a hard silhouette.

    Args:
        vertex_ndc: (B,V,3) projected vertices (differentiable).
        faces: (B,F,3) long.
        front: (B,F) bool face orientation; drawable: (B,F) bool faces that are rasterised.
        alpha: (B,S,S) hard silhouette at the output resolution (values in [0,1]).
        sigma: SoftRas sharpness in NDC units squared (1e-4 ~ a one-pixel ramp at 224).
        cull_backfaces: NR without fill_back (only front faces form the silhouette).
        max_pairs: chunk size of candidate (edge, pixel) pairs.
    """
    S = alpha.shape[-1]
    device = vertex_ndc.device
    margin_px = math.sqrt(TAIL * sigma) * S / 2
    # Distances are measured in output pixels; an NDC unit is S/2 pixels.
    scale = (2.0 / S) ** 2 / sigma
    xy = ndc_to_pixel(vertex_ndc[..., :2], S).reshape(-1, 2)
    with torch.no_grad():
        band = boundary_band(alpha, max(1, math.ceil(margin_px)))
        edges, edge_face = contour_edges(faces, front, drawable, cull_backfaces,
                                         vertex_ndc.shape[1])
        near = _nearest_edges(xy.detach(), edges, edge_face, band, alpha >= 0.5, margin_px,
                              max_pairs)
    if near is None or near.pixel.numel() == 0:
        empty = torch.zeros(0, dtype=torch.long, device=device)
        return SoftEdges(empty, xy.new_zeros(0), empty, xy.new_zeros(0))
    soft = _SoftSilhouette.apply(xy, near, scale)
    return SoftEdges(near.pixel, soft - soft.detach(), near.face, soft.detach())
