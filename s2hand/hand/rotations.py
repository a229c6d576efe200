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
# vec([r]x) = r[_SKEW_INDEX] * _SKEW_SIGN (row-major 3x3 cross-product matrix).
_SKEW_INDEX = (0, 2, 1, 2, 0, 0, 1, 0, 0)
_SKEW_SIGN = (0.0, -1.0, 1.0, 1.0, 0.0, -1.0, -1.0, 1.0, 0.0)
_EYE = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
_CONSTANTS: dict[tuple[torch.device, torch.dtype], tuple[torch.Tensor, ...]] = {}


def _constants(ref: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    key = (ref.device, ref.dtype)
    if key not in _CONSTANTS:
        _CONSTANTS[key] = (torch.tensor(_SKEW_INDEX, device=ref.device),
                           torch.tensor(_SKEW_SIGN, device=ref.device, dtype=ref.dtype),
                           torch.tensor(_EYE, device=ref.device, dtype=ref.dtype))
    return _CONSTANTS[key]


def _coefficients(t2: torch.Tensor, with_derivatives: bool) -> list[torch.Tensor]:
    """``[c, a, b]`` (and ``[a1, b1]``) as functions of the squared angle ``(..., 1)``."""
    small = t2 < _SERIES_BELOW
    t2_safe = torch.where(small, torch.ones_like(t2), t2)   # keeps the unused branch finite
    t = t2_safe.sqrt()
    cos_t, sin_t = torch.cos(t), torch.sin(t)
    t4, t6 = t2 * t2, t2 * t2 * t2
    out = [
        torch.where(small, 1 - t2 / 2 + t4 / 24 - t6 / 720, cos_t),
        torch.where(small, 1 - t2 / 6 + t4 / 120 - t6 / 5040, sin_t / t),
        torch.where(small, 0.5 - t2 / 24 + t4 / 720 - t6 / 40320, (1 - cos_t) / t2_safe),
    ]
    if with_derivatives:
        out.append(torch.where(small, -1 / 3 + t2 / 30 - t4 / 840,
                               (t * cos_t - sin_t) / (t2_safe * t)))
        out.append(torch.where(small, -1 / 12 + t2 / 180 - t4 / 6720,
                               (t * sin_t - 2 * (1 - cos_t)) / (t2_safe * t2_safe)))
    return out


class _Rodrigues(torch.autograd.Function):
    @staticmethod
    def forward(ctx, r: torch.Tensor) -> torch.Tensor:
        index, sign, eye = _constants(r)
        cos_t, sinc, cosc = _coefficients((r * r).sum(-1, keepdim=True), False)
        outer = (r.unsqueeze(-1) * r.unsqueeze(-2)).flatten(-2)
        flat = sinc * (r[..., index] * sign) + cosc * outer + cos_t * eye
        ctx.save_for_backward(r)
        return flat.reshape(*r.shape[:-1], 3, 3)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (r,) = ctx.saved_tensors
        _, a, b, a1, b1 = _coefficients((r * r).sum(-1, keepdim=True), True)
        g = grad.flatten(-2)
        trace = g[..., 0:1] + g[..., 4:5] + g[..., 8:9]
        w = torch.stack([g[..., 7] - g[..., 5], g[..., 2] - g[..., 6], g[..., 3] - g[..., 1]],
                        dim=-1)
        gr = (grad @ r.unsqueeze(-1)).squeeze(-1)                      # G r
        gtr = (r.unsqueeze(-2) @ grad).squeeze(-2)                     # G^T r
        radial = -a * trace + a1 * (r * w).sum(-1, keepdim=True) + b1 * (r * gr).sum(
            -1, keepdim=True)
        return r * radial + a * w + b * (gr + gtr)


def rodrigues(axis_angle: torch.Tensor) -> torch.Tensor:
    """Rotation matrices from axis-angle vectors.

    Args:
        axis_angle: ``(..., 3)`` rotation vectors (radians).
    Returns:
        ``(..., 3, 3)`` rotation matrices, same dtype/device. Value and gradient are finite for
        every input, including exactly zero. (First-order gradients only.)
    """
    return _Rodrigues.apply(axis_angle)
