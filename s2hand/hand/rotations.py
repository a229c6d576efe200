"""Numerically safe axis-angle -> rotation matrix (Rodrigues) with an analytic gradient.

``R(r) = c I + a [r]x + b r r^T`` with ``t = |r|``, ``c = cos t``, ``a = sin(t)/t`` and
``b = (1 - cos t)/t^2``. Its vector-Jacobian product has the closed form

    dL/dr = r (-a tr(G) + a1 (r . w) + b1 r^T G r) + a w + b (G + G^T) r

for ``G = dL/dR``, ``w = (G21 - G12, G02 - G20, G10 - G01)``, ``a1 = a'(t)/t`` and
``b1 = b'(t)/t``. Every coefficient switches to its Taylor series below t = 0.1, so values and
gradients are finite and accurate at and near zero (the closed forms divide by t and cancel
catastrophically). One autograd node instead of ~25 matters for small batches.
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

# Squared angle below which the Taylor series are used (truncation error < 1e-12 there).
_SERIES_BELOW = 1e-2
# vec([r]x) = r @ skew with skew[_SKEW_INDEX[k], k] = _SKEW_SIGN[k] (row-major [r]x).
_SKEW_INDEX = (0, 2, 1, 2, 0, 0, 1, 0, 0)
_SKEW_SIGN = (0.0, -1.0, 1.0, 1.0, 0.0, -1.0, -1.0, 1.0, 0.0)
_EYE = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
# Taylor coefficients in powers (1, t^2, t^4, t^6) of [c, a, b, a1, b1] (columns).
_SERIES = (
    (1.0, 1.0, 1 / 2, -1 / 3, -1 / 12),
    (-1 / 2, -1 / 6, -1 / 24, 1 / 30, 1 / 180),
    (1 / 24, 1 / 120, 1 / 720, -1 / 840, -1 / 6720),
    (-1 / 720, -1 / 5040, -1 / 40320, 1 / 45360, 1 / 453600),
)
_TRACE_INDEX = (0, 4, 8)
_VEE_PLUS, _VEE_MINUS = (7, 2, 3), (5, 6, 1)
_CONSTANTS: dict[tuple[torch.device, torch.dtype], dict[str, torch.Tensor]] = {}


def _constants(ref: torch.Tensor) -> dict[str, torch.Tensor]:
    key = (ref.device, ref.dtype)
    if key not in _CONSTANTS:
        def idx(values: tuple[int, ...]) -> torch.Tensor:
            return torch.tensor(values, device=ref.device)

        def val(values: tuple) -> torch.Tensor:
            return torch.tensor(values, device=ref.device, dtype=ref.dtype)

        skew = torch.zeros(3, 9, device=ref.device, dtype=ref.dtype)
        skew[torch.tensor(_SKEW_INDEX), torch.arange(9)] = val(_SKEW_SIGN)
        _CONSTANTS[key] = {
            "skew": skew, "eye": val(_EYE),
            "outer_left": idx((0, 0, 0, 1, 1, 1, 2, 2, 2)),
            "outer_right": idx((0, 1, 2, 0, 1, 2, 0, 1, 2)),
            "series": val(_SERIES), "trace": idx(_TRACE_INDEX), "vee_plus": idx(_VEE_PLUS),
            "vee_minus": idx(_VEE_MINUS),
        }
    return _CONSTANTS[key]


def _coefficients(t2: torch.Tensor, series: torch.Tensor) -> torch.Tensor:
    """``[c, a, b, a1, b1]`` stacked on the last axis, from the squared angle ``(..., 1)``."""
    small = t2 < _SERIES_BELOW
    t4 = t2 * t2
    taylor = torch.cat([torch.ones_like(t2), t2, t4, t4 * t2], dim=-1) @ series
    t2_safe = torch.where(small, torch.ones_like(t2), t2)   # keeps the unused branch finite
    t = t2_safe.sqrt()
    cos_t = torch.cos(t)
    inv_t2 = t2_safe.reciprocal()
    a = torch.sin(t) / t
    b = (1 - cos_t) * inv_t2
    # a1 = (t cos t - sin t) / t^3, b1 = (t sin t - 2 (1 - cos t)) / t^4
    closed = torch.cat([cos_t, a, b, (cos_t - a) * inv_t2, (a - 2 * b) * inv_t2], dim=-1)
    return torch.where(small, taylor, closed)


def rodrigues_forward(r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotation matrices ``(..., 3, 3)`` and the coefficients ``(..., 5)`` that
    :func:`rodrigues_vjp` needs, from axis-angle vectors ``(..., 3)`` (no autograd graph)."""
    const = _constants(r)
    coef = _coefficients((r * r).sum(-1, keepdim=True), const["series"])
    outer = r[..., const["outer_left"]] * r[..., const["outer_right"]]
    flat = (coef[..., 1:2] * (r @ const["skew"]) + coef[..., 2:3] * outer
            + coef[..., 0:1] * const["eye"])
    return flat.reshape(*r.shape[:-1], 3, 3), coef


def rodrigues_vjp(r: torch.Tensor, coef: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """Gradient w.r.t. ``r (..., 3)`` of ``sum(grad * R(r))`` for ``grad (..., 3, 3)``."""
    const = _constants(r)
    a, b, a1, b1 = coef[..., 1:2], coef[..., 2:3], coef[..., 3:4], coef[..., 4:5]
    g = grad.flatten(-2)
    trace = g[..., const["trace"]].sum(-1, keepdim=True)
    w = g[..., const["vee_plus"]] - g[..., const["vee_minus"]]
    gr = (grad @ r.unsqueeze(-1)).squeeze(-1)                          # G r
    gtr = (r.unsqueeze(-2) @ grad).squeeze(-2)                         # G^T r
    radial = (a1 * (r * w).sum(-1, keepdim=True) + b1 * (r * gr).sum(-1, keepdim=True)
              - a * trace)
    return r * radial + a * w + b * (gr + gtr)


class _Rodrigues(torch.autograd.Function):
    @staticmethod
    def forward(ctx, r: torch.Tensor) -> torch.Tensor:
        rotmats, coef = rodrigues_forward(r)
        ctx.save_for_backward(r, coef)
        return rotmats

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        r, coef = ctx.saved_tensors
        return rodrigues_vjp(r, coef, grad)


def rodrigues(axis_angle: torch.Tensor) -> torch.Tensor:
    """Rotation matrices from axis-angle vectors.

    Args:
        axis_angle: ``(..., 3)`` rotation vectors (radians).
    Returns:
        ``(..., 3, 3)`` rotation matrices, same dtype/device. Value and gradient are finite for
        every input, including exactly zero. (First-order gradients only.)
    """
    return _Rodrigues.apply(axis_angle)
