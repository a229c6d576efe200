"""Appearance losses: photometric ``texture``, ``mrgb``, texture outliers ``mtex``, ``sil``.

The per-image weight ``t = texture_weight`` (B,) comes from the data (spec §3.2); every weighted
term is ``Σ_b r_b·t_b² / Σ_b t_b²`` and is exactly 0 when all ``t`` are 0.
"""

from __future__ import annotations

import torch
from torch import Tensor

from s2hand.losses._checks import LossInputError, check_same_batch, check_shape, weighted_mean

#: Face colours further than this many standard deviations from their image's mean are outliers.
MTEX_NUM_STD = 2.0


def _check_images(rendered_images: Tensor, masked_images: Tensor,
                  texture_weight: Tensor) -> None:
    check_shape("rendered_images", rendered_images, ("B", 3, "H", "W"))
    check_shape("masked_images", masked_images, ("B", 3, "H", "W"))
    if rendered_images.shape != masked_images.shape:
        raise LossInputError(
            f"loss inputs 'rendered_images' {tuple(rendered_images.shape)} and 'masked_images' "
            f"{tuple(masked_images.shape)} must have the same shape."
        )
    check_shape("texture_weight", texture_weight, ("B",))
    check_same_batch(rendered_images=rendered_images, texture_weight=texture_weight)


def photometric_loss(rendered_images: Tensor, masked_images: Tensor,
                     texture_weight: Tensor) -> Tensor:
    """The ``texture`` term: ``Σ_b t_b²·mean_{c,x,y}|R_b − M_b| / Σ_b t_b²``.

    Equal to the original's ``Σ_{b,c,x,y} |R − M|·t_b² / Σ_{b,c,x,y} t_b²``. The rendering has a
    white background when lights are learned while ``masked_images`` is 0 outside the silhouette,
    so background pixels add a constant (spec Q7, kept).

    Args:
        rendered_images: (B,3,H,W) rendered image.
        masked_images: (B,3,H,W) input image masked by the rendered silhouette.
        texture_weight: (B,) per-image appearance weight t.
    """
    _check_images(rendered_images, masked_images, texture_weight)
    per_image = (rendered_images - masked_images).abs().flatten(1).mean(1)
    return weighted_mean(per_image, texture_weight**2)


def mean_rgb_loss(rendered_images: Tensor, masked_images: Tensor,
                  texture_weight: Tensor) -> Tensor:
    """The ``mrgb`` term: ``Σ_b t_b²·|mean(R_b) − mean(M_b)| / Σ_b t_b²``.

    Means are over all pixels and channels of each image. Shapes as :func:`photometric_loss`.
    """
    _check_images(rendered_images, masked_images, texture_weight)
    per_image = (rendered_images.flatten(1).mean(1) - masked_images.flatten(1).mean(1)).abs()
    return weighted_mean(per_image, texture_weight**2)


def texture_outlier_loss(texture_logits: Tensor, texture_weight: Tensor) -> Tensor:
    """The ``mtex`` term: penalise face colours far from their own image's mean colour.

    Per image b and channel ch, ``μ`` and ``σ`` (unbiased std) are taken over the F faces;
    ``e = |T − μ|`` where ``T > μ + 2σ`` or ``T < μ − 2σ``, else 0; ``r_b = mean_{f,ch} e``;
    loss ``= Σ_b r_b·t_b² / Σ_b t_b²``. Gradients reach ``T`` both directly and through ``μ``.

    Fix of spec Q9: the original views μ and σ as (B,1,1,1,1,3) against (B,F,3) textures, which
    broadcasts to (B,1,1,B,F,3) so that every image is compared with every other image's
    statistics, and it weights by ``t·2`` instead of ``t²``. Here the statistics are per image
    and the weight is ``t²``, the form the rest of the appearance terms use.

    Args:
        texture_logits: (B,F,3) pre-tanh per-face colours.
        texture_weight: (B,) per-image appearance weight t.
    """
    check_shape("texture_logits", texture_logits, ("B", "F", 3))
    check_shape("texture_weight", texture_weight, ("B",))
    check_same_batch(texture_logits=texture_logits, texture_weight=texture_weight)
    if texture_logits.shape[1] < 2:
        raise LossInputError(
            f"loss input 'texture_logits': mtex needs at least 2 faces for a standard deviation, "
            f"got shape {tuple(texture_logits.shape)}."
        )
    mean = texture_logits.mean(dim=1, keepdim=True)
    std = texture_logits.detach().std(dim=1, keepdim=True)
    spread = MTEX_NUM_STD * std
    outlier = (texture_logits > mean + spread) | (texture_logits < mean - spread)
    err = torch.where(outlier, (texture_logits - mean).abs(), torch.zeros_like(texture_logits))
    return weighted_mean(err.mean(dim=(1, 2)), texture_weight**2)


def silhouette_loss(rendered_silhouettes: Tensor, gt_masks: Tensor) -> Tensor:
    """The ``sil`` term: ``mean |S − M|`` (L1) between rendered and GT silhouettes.

    Args:
        rendered_silhouettes: (B,H,W) rendered soft silhouette in [0,1].
        gt_masks: (B,C,H,W) GT gt_masks (channel 0 is used, as the original) or (B,H,W).
    """
    check_shape("rendered_silhouettes", rendered_silhouettes, ("B", "H", "W"))
    if gt_masks.dim() == 4:
        gt_masks = gt_masks[:, 0]
    if gt_masks.shape != rendered_silhouettes.shape:
        raise LossInputError(
            f"loss input 'gt_masks': expected (B,1,H,W) or (B,H,W) matching rendered_silhouettes "
            f"{tuple(rendered_silhouettes.shape)}, got {tuple(gt_masks.shape)}."
        )
    return (rendered_silhouettes - gt_masks.to(rendered_silhouettes.dtype)).abs().mean()
