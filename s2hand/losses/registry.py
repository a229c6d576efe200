"""Loss registry: every term by its config name, with weight key, default weight and inputs.

``compute_losses`` evaluates only the requested terms (the original computes every term whose
inputs exist and then sums the requested ones, spec §3.1) and returns them weighted.

NaN / zero handling (spec §3.1, Q14). The original silently drops a term that is NaN or ≤ 0 and
skips a batch whose total is below 1e-10. Here:

* confidence-weighted terms whose weights sum to 0 (e.g. no joint detected in the batch, or
  ``texture_con`` all 0) are an exact 0 with a zero, finite gradient, instead of NaN;
* a term with weight ``λ = 0`` is an exact 0 and is not evaluated;
* any other NaN (a diverged prediction) is returned as NaN, so that ``total_loss`` is NaN and the
  engine's NaN guard can count and skip the step; :func:`nonfinite_terms` names the culprits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import torch
from torch import Tensor

from s2hand.losses._checks import LossInputError
from s2hand.losses.appearance import (
    mean_rgb_loss,
    photometric_loss,
    silhouette_loss,
    texture_outlier_loss,
)
from s2hand.losses.bones import bone_direction_loss
from s2hand.losses.joints3d import (
    joint_3d_loss,
    joint_3d_norm_loss,
    mscale_loss,
    scale_loss,
    shape_loss,
)
from s2hand.losses.keypoints import (
    hm_integral_loss,
    joint_2d_loss,
    kp_cons_loss,
    open_2dj_de_loss,
    open_2dj_loss,
)
from s2hand.losses.laplacian import triangle_loss
from s2hand.losses.pose_prior import tsa_pose_loss
from s2hand.losses.ssim import ssim_inrgb_depth_loss, ssim_tex_depth_loss, ssim_tex_loss


@dataclass(frozen=True)
class LossTerm:
    """One loss term.

    Attributes:
        name: config name (an entry of ``losses``).
        compute: ``(output, batch) -> 0-dim Tensor``, the **unweighted** value.
        weight_key: config key of its weight (``lambda_*``).
        default_weight: the original's default for ``weight_key``.
        output_fields: ``S2HandOutput`` fields it reads.
        batch_fields: normalised-batch keys it reads.
    """

    name: str
    compute: Callable[[Any, Mapping[str, Any]], Tensor]
    weight_key: str
    default_weight: float
    output_fields: tuple[str, ...]
    batch_fields: tuple[str, ...] = ()


def _term(name: str, weight_key: str, default: float, outputs: tuple[str, ...],
          batch: tuple[str, ...], compute: Callable[[Any, Mapping[str, Any]], Tensor]) -> LossTerm:
    return LossTerm(name, compute, weight_key, default, outputs, batch)


_TERMS = (
    # Terms used by the shipped configs (spec §3.2).
    _term("open_2dj", "lambda_j2d", 1e-3, ("j2d",), ("open_2dj", "open_2dj_con"),
          lambda o, b: open_2dj_loss(o.j2d, b["open_2dj"], b["open_2dj_con"])),
    _term("open_bone_direc", "lambda_bone_direc", 0.1, ("j2d",), ("open_2dj", "open_2dj_con"),
          lambda o, b: bone_direction_loss(o.j2d, b["open_2dj"], b["open_2dj_con"])),
    _term("mscale", "lambda_mscale", 0.1, ("joints",), (),
          lambda o, b: mscale_loss(o.joints)),
    _term("tsa_poses", "lambda_pose", 0.1, ("tsa_poses",), (),
          lambda o, b: tsa_pose_loss(o.tsa_poses)),
    _term("hm_integral", "lambda_hm", 1e-3, ("hm_j2d",), ("open_2dj", "open_2dj_con"),
          lambda o, b: hm_integral_loss(o.hm_j2d, b["open_2dj"], b["open_2dj_con"])),
    _term("kp_cons", "lambda_kp_cons", 2e-4, ("hm_j2d", "j2d"), (),
          lambda o, b: kp_cons_loss(o.hm_j2d[-1], o.j2d)),
    _term("triangle", "lambda_laplacian", 0.1, ("vertices", "faces"), (),
          lambda o, b: triangle_loss(o.vertices, o.faces)),
    _term("mshape", "lambda_shape", 1e-2, ("shape",), (),
          lambda o, b: shape_loss(o.shape)),
    _term("texture", "lambda_texture", 5e-3, ("re_img", "mask_rgbs"), ("texture_con",),
          lambda o, b: photometric_loss(o.re_img, o.mask_rgbs, b["texture_con"])),
    _term("mrgb", "lambda_mrgb", 1e-3, ("re_img", "mask_rgbs"), ("texture_con",),
          lambda o, b: mean_rgb_loss(o.re_img, o.mask_rgbs, b["texture_con"])),
    _term("mtex", "lambda_tex_reg", 5e-3, ("textures",), ("texture_con",),
          lambda o, b: texture_outlier_loss(o.textures, b["texture_con"])),
    # Terms the original computes but no shipped config uses (spec §3.3).
    _term("hm_integral_gt", "lambda_hm", 1e-3, ("hm_j2d",), ("j2d_gt",),
          lambda o, b: hm_integral_loss(o.hm_j2d, b["j2d_gt"])),
    _term("joint_2d", "lambda_j2d_gt", 1e-4, ("j2d",), ("j2d_gt",),
          lambda o, b: joint_2d_loss(o.j2d, b["j2d_gt"])),
    _term("open_2dj_de", "lambda_j2d_de", 1e-4, ("j2d",), ("open_2dj",),
          lambda o, b: open_2dj_de_loss(o.j2d, b["open_2dj"])),
    _term("joint_3d", "lambda_j3d", 100.0, ("joints",), ("joints",),
          lambda o, b: joint_3d_loss(o.joints, b["joints"])),
    _term("joint_3d_norm", "lambda_j3d_norm", 100.0, ("joints",), ("joints",),
          lambda o, b: joint_3d_norm_loss(o.joints, b["joints"])),
    _term("bone_direc", "lambda_bone_direc", 0.1, ("j2d",), ("j2d_gt",),
          lambda o, b: bone_direction_loss(o.j2d, b["j2d_gt"])),
    _term("scale", "lambda_scale", 100.0, ("joints",), ("scales",),
          lambda o, b: scale_loss(o.joints, b["scales"])),
    # The original adds sil unweighted; lambda_sil (default 1) is the config's addition.
    _term("sil", "lambda_sil", 1.0, ("re_sil",), ("masks",),
          lambda o, b: silhouette_loss(o.re_sil, b["masks"])),
    _term("ssim_tex", "lambda_ssim_tex", 1e-3, ("re_img", "mask_rgbs"), (),
          lambda o, b: ssim_tex_loss(o.re_img, o.mask_rgbs)),
    _term("ssim_tex_depth", "lambda_ssim_tex", 1e-3, ("re_img", "re_depth"), (),
          lambda o, b: ssim_tex_depth_loss(o.re_img, o.re_depth)),
    _term("ssim_inrgb_depth", "lambda_ssim_tex", 1e-3, ("mask_rgbs", "re_depth"), (),
          lambda o, b: ssim_inrgb_depth_loss(o.mask_rgbs, o.re_depth)),
)

#: name → LossTerm for every selectable term (read-only).
LOSS_TERMS: Mapping[str, LossTerm] = MappingProxyType({t.name: t for t in _TERMS})

#: Every selectable loss name; must equal ``s2hand.config.names.LOSS_NAMES``.
LOSS_NAMES: frozenset[str] = frozenset(LOSS_TERMS)

#: Default weight of every ``lambda_*`` key used by the registry (the original's defaults).
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {t.weight_key: t.default_weight for t in _TERMS}
)


class _MappingView:
    """Attribute access over a Mapping, so outputs may be dataclasses or dicts."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        return self._data.get(name)


def _missing_fields(term: LossTerm, output: Any, batch: Mapping[str, Any]) -> list[str]:
    missing = [f"output.{f}" for f in term.output_fields if getattr(output, f, None) is None]
    missing += [f"batch['{k}']" for k in term.batch_fields if batch.get(k) is None]
    return missing


def _weight(term: LossTerm, weights: Mapping[str, float] | Any | None) -> float:
    if weights is None:
        return term.default_weight
    if isinstance(weights, Mapping):
        value = weights.get(term.weight_key, term.default_weight)
    else:
        value = getattr(weights, term.weight_key, term.default_weight)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise LossInputError(
            f"loss weight '{term.weight_key}' (term '{term.name}'): expected a number, "
            f"got {value!r}."
        ) from None


def _zero_like_input(term: LossTerm, output: Any) -> Tensor:
    """Exact 0-dim zero on the device/dtype of the term's first output field."""
    value = getattr(output, term.output_fields[0])
    if isinstance(value, (list, tuple)):
        value = value[-1]
    return torch.zeros((), device=value.device, dtype=value.dtype)


def computable_losses(names: Iterable[str], output: Any, batch: Mapping[str, Any]) -> list[str]:
    """The known names among ``names`` whose every input is present (e.g. for test-pass
    losses, where ``texture_con`` or the renders may be absent); order kept, unknown dropped."""
    if isinstance(output, Mapping):
        output = _MappingView(output)
    return [n for n in dict.fromkeys(names)
            if n in LOSS_TERMS and not _missing_fields(LOSS_TERMS[n], output, batch)]


def compute_losses(
    names: Iterable[str],
    output: Any,
    batch: Mapping[str, Any],
    weights: Mapping[str, float] | Any | None = None,
) -> dict[str, Tensor]:
    """Evaluate the named terms and return them weighted, ``{name: λ·value}`` (0-dim tensors).

    Args:
        names: loss names (config ``losses``); each must be in :data:`LOSS_NAMES`.
        output: an ``S2HandOutput`` (or any object/Mapping with its field names).
        batch: the normalised batch (ARCHITECTURE.md).
        weights: ``lambda_*`` values: a Mapping or an object with attributes (e.g. the
            ``ExperimentConfig``); a key it lacks takes the original default
            (:data:`DEFAULT_WEIGHTS`). None means all defaults.

    Raises:
        LossInputError: unknown name, or a field/key a requested term needs is missing (one
            line per problem), or a tensor of the wrong shape.
    """
    names = list(dict.fromkeys(names))
    if isinstance(output, Mapping):
        output = _MappingView(output)
    problems = []
    for name in names:
        term = LOSS_TERMS.get(name)
        if term is None:
            problems.append(f"unknown loss '{name}'; known: {', '.join(sorted(LOSS_NAMES))}")
            continue
        missing = _missing_fields(term, output, batch)
        if missing:
            problems.append(f"loss '{name}' needs {', '.join(missing)}, which is missing/None")
    if problems:
        raise LossInputError("cannot compute the losses:\n  " + "\n  ".join(problems))

    out: dict[str, Tensor] = {}
    for name in names:
        term = LOSS_TERMS[name]
        weight = _weight(term, weights)
        if weight == 0.0:
            out[name] = _zero_like_input(term, output)
        else:
            out[name] = weight * term.compute(output, batch)
    return out


def total_loss(terms: Mapping[str, Tensor]) -> Tensor:
    """Sum of the weighted terms (0-dim). NaN if any term is NaN; see the module docstring.

    Raises:
        LossInputError: ``terms`` is empty (nothing to optimise).
    """
    if not terms:
        raise LossInputError("total_loss: no loss terms were computed (empty 'losses' list?).")
    values = list(terms.values())
    total = values[0]
    for value in values[1:]:
        total = total + value.to(total.device)
    return total


def nonfinite_terms(terms: Mapping[str, Tensor]) -> list[str]:
    """Names of the terms whose value is NaN or ±inf (for logging a skipped step)."""
    return [name for name, value in terms.items() if not bool(torch.isfinite(value).all())]
