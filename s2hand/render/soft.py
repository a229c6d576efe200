"""Soft coverage for edge gradients (SoftRas-style), evaluated only near the silhouette.

A hard z-buffer has no gradient w.r.t. where an edge lies. Following SoftRas, face f covers a
pixel p with probability ``D_f(p) = sigmoid(s * d^2 / sigma)``, where d is the NDC distance from p
to the triangle and s = +1 inside, -1 outside; the silhouette is ``1 - prod_f (1 - D_f)``.
The renderer uses this only as a *gradient* (``hard + soft - soft.detach()``), so forward
values stay NR's exact ones. Pixels farther than ``sqrt(TAIL * sigma)`` from the hard silhouette
boundary have saturated soft coverage (0 or 1) and are skipped, which keeps the cost at
O(boundary pixels x nearby faces). The per-pair derivative is written by hand (closest point on
the nearest edge, held fixed) so that no autograd graph over the pairs is stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as Fn
from torch import Tensor

from .binning import DEFAULT_MAX_PAIRS, bbox_pixel_bounds, enumerate_pairs
from .planes import evaluate_planes, face_planes
from .rasterize import faces_to_pixels, inside_tolerance

# sigmoid(-TAIL) ~ 5e-5: contributions beyond this are dropped.
TAIL = 10.0


@dataclass
class SoftEdges:
    """Soft-coverage gradient carrier at the output resolution.

    Attributes:
        delta: (B,S,S) ``soft - soft.detach()``: zero in value, carries d(soft)/d(vertices).
        nearest_face: (B,S,S) long, flat ``b*F + f`` of the most-covering face near each boundary
            pixel (used to give RGB edges a colour), -1 elsewhere.
    """

    delta: Tensor
    nearest_face: Tensor


@dataclass
class _EdgePairs:
    """(face, pixel) pairs with their closest edge point, all (P,) tensors."""

    face: Tensor
    pixel: Tensor
    edge: Tensor
    t: Tensor
    ex: Tensor
    ey: Tensor
    logit: Tensor


def boundary_band(alpha: Tensor, margin: int) -> Tensor:
    """(B,S,S) bool: pixels within ``margin`` pixels (Chebyshev) of both covered and uncovered
    pixels."""
    k = 2 * margin + 1
    both = torch.stack(((alpha > 0), (alpha < 1)), dim=1).to(torch.float32)
    near = Fn.max_pool2d(both, (k, 1), stride=1, padding=(margin, 0))
    near = Fn.max_pool2d(near, (1, k), stride=1, padding=(0, margin))
    return (near[:, 0] > 0) & (near[:, 1] > 0)


def closest_edge_points(tri: Tensor, col: Tensor, row: Tensor) -> tuple[Tensor, Tensor, Tensor,
                                                                          Tensor, Tensor]:
    """Nearest point on a triangle's boundary.

    Args:
        tri: (2,3,P) corner coordinates (x then y rows, one column per pair).
        col, row: (P,) point coordinates.

    Returns:
        edge (P,) long in {0,1,2} (edge k runs from corner k to k+1), t (P,) position on it,
        ex, ey (P,) point minus closest point, d2 (P,) squared distance.
    """
    ax, ay = tri[0], tri[1]
    bx, by = ax.roll(-1, dims=0), ay.roll(-1, dims=0)
    ux, uy = bx - ax, by - ay
    px, py = col.to(ax.dtype) - ax, row.to(ax.dtype) - ay
    t = ((px * ux + py * uy) / (ux * ux + uy * uy).clamp_min(1e-20)).clamp(0.0, 1.0)
    ex, ey = px - t * ux, py - t * uy
    d2 = ex * ex + ey * ey
    d2_min, edge = d2.min(dim=0)
    pick = edge[None]
    return (edge, t.gather(0, pick)[0], ex.gather(0, pick)[0], ey.gather(0, pick)[0], d2_min)


class _SoftSilhouette(torch.autograd.Function):
    """soft(p) = 1 - exp(-sum_f softplus(logit_fp)); gradient w.r.t. the face corners."""

    @staticmethod
    def forward(ctx, face_xy: Tensor, pairs: _EdgePairs, n_pixels: int, scale: float) -> Tensor:
        hazard = torch.zeros(n_pixels, dtype=face_xy.dtype, device=face_xy.device)
        hazard.index_add_(0, pairs.pixel, Fn.softplus(pairs.logit))
        empty = torch.exp(-hazard)
        ctx.pairs, ctx.scale, ctx.shape = pairs, scale, face_xy.shape
        ctx.save_for_backward(empty)
        return 1.0 - empty

    @staticmethod
    def backward(ctx, grad_soft: Tensor):
        (empty,) = ctx.saved_tensors
        p = ctx.pairs
        # d soft / d logit = exp(-hazard) * sigmoid(logit); d logit / d q = -2 s e * scale.
        sign = torch.sign(p.logit)
        g = (grad_soft * empty)[p.pixel] * torch.sigmoid(p.logit) * sign * (-2.0 * ctx.scale)
        gx, gy = g * p.ex, g * p.ey
        grad = torch.zeros(ctx.shape, dtype=grad_soft.dtype, device=grad_soft.device)
        flat = grad.view(-1)
        a = (p.face * 3 + p.edge) * 2
        b = (p.face * 3 + (p.edge + 1) % 3) * 2
        wa, wb = 1.0 - p.t, p.t
        flat.index_add_(0, torch.cat((a, a + 1, b, b + 1)),
                        torch.cat((gx * wa, gy * wa, gx * wb, gy * wb)))
        return grad, None, None, None


def _collect_pairs(verts: Tensor, band: Tensor, ok: Tensor, margin_px: float, scale: float,
                   max_pairs: int) -> _EdgePairs | None:
    """Enumerate band pixels near drawable faces and their closest edge points (no autograd)."""
    B, S = band.shape[:2]
    N = verts.shape[0]
    F = N // B
    lo, hi = bbox_pixel_bounds(torch.nan_to_num(verts[:, :, :2]).clamp(-1e6, 1e6), S,
                               margin=margin_px)
    # Faces whose grown box holds no band pixel cannot contribute: an integral-image test drops
    # interior and far-away faces before any pair is formed.
    integral = Fn.pad(band.to(torch.int32).cumsum(1).cumsum(2), (1, 0, 1, 0))
    b_of = torch.arange(B, device=verts.device).repeat_interleave(F)
    lo_c, lo_r = lo.unbind(1)
    hi_c, hi_r = (hi + 1).clamp(min=0).unbind(1)
    hits = (integral[b_of, hi_r, hi_c] - integral[b_of, lo_r, hi_c]
            - integral[b_of, hi_r, lo_c] + integral[b_of, lo_r, lo_c])
    ok = ok & (hits > 0)
    hi = torch.where(ok[:, None], hi, lo - 1)
    planes = face_planes(verts)
    tri = verts[:, :, :2].permute(2, 1, 0)  # (2,3,N)
    tol = -inside_tolerance(verts.dtype)
    chunks = []
    band_flat = band.reshape(-1)
    for pairs in enumerate_pairs(lo, hi, max_pairs):
        b = torch.div(pairs.face, F, rounding_mode="floor")
        pixel = (b * S + pairs.row) * S + pairs.col
        sel = band_flat[pixel]
        face, pixel, col, row = pairs.face[sel], pixel[sel], pairs.col[sel], pairs.row[sel]
        edge, t, ex, ey, d2 = closest_edge_points(tri[:, :, face], col, row)
        w, _ = evaluate_planes(planes, face, col, row)
        inside = (w >= tol).all(dim=0)
        logit = torch.where(inside, d2, -d2) * scale
        keep = logit > -TAIL
        chunks.append([x[keep] for x in (face, pixel, edge, t, ex, ey, logit)])
    if not chunks:
        return None
    return _EdgePairs(*(torch.cat(parts) for parts in zip(*chunks, strict=True)))


def soft_edges(
    face_ndc: Tensor,
    alpha: Tensor,
    sigma: float,
    drawable: Tensor,
    max_pairs: int = DEFAULT_MAX_PAIRS,
) -> SoftEdges:
    """Soft silhouette gradient near the boundary of a hard silhouette.

    Args:
        face_ndc: (B,F,3,3) projected corners (differentiable).
        alpha: (B,S,S) hard silhouette at the output resolution (values in [0,1]).
        sigma: SoftRas sharpness in NDC units squared (1e-4 ~ a one-pixel ramp at 224).
        drawable: (B,F) bool, faces that take part (e.g. front faces when culling).
        max_pairs: chunk size of candidate pairs.
    """
    B, F = face_ndc.shape[:2]
    S = alpha.shape[-1]
    device = face_ndc.device
    margin_px = math.sqrt(TAIL * sigma) * S / 2
    # Distances are measured in output pixels; NDC units are 2/S pixels.
    scale = (2.0 / S) ** 2 / sigma
    face_pix = faces_to_pixels(face_ndc, S)
    with torch.no_grad():
        band = boundary_band(alpha, max(1, math.ceil(margin_px)))
        verts = face_pix.detach()
        ok = drawable.reshape(-1) & torch.isfinite(verts).all(dim=(1, 2))
        ok &= (verts[:, :, 2] > 0).all(dim=1)
        pairs = _collect_pairs(verts, band, ok, margin_px, scale, max_pairs)
    nearest = torch.full((B * S * S,), -1, device=device, dtype=torch.int64)
    if pairs is None or pairs.face.numel() == 0:
        delta = torch.zeros(B, S, S, device=device, dtype=face_ndc.dtype)
        return SoftEdges(delta + 0 * face_ndc.sum(), nearest.reshape(B, S, S))
    soft = _SoftSilhouette.apply(face_pix[:, :, :2], pairs, B * S * S, scale)
    delta = (soft - soft.detach()).reshape(B, S, S)
    with torch.no_grad():
        best = torch.full((B * S * S,), -math.inf, device=device, dtype=pairs.logit.dtype)
        best.scatter_reduce_(0, pairs.pixel, pairs.logit, reduce="amax")
        winner = pairs.logit == best[pairs.pixel]
        nearest.fill_(B * F)
        nearest.scatter_reduce_(0, pairs.pixel[winner], pairs.face[winner], reduce="amin")
        nearest[nearest == B * F] = -1
    return SoftEdges(delta, nearest.reshape(B, S, S))
