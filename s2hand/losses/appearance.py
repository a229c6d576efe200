"""Appearance losses: photometric ``texture``, ``mrgb``, texture outliers ``mtex``, ``sil``.

The per-image weight ``t = texture_con`` (B,) comes from the data (spec §3.2); every weighted
term is ``Σ_b r_b·t_b² / Σ_b t_b²`` and is exactly 0 when all ``t`` are 0.
"""

from __future__ import annotations

import torch
from torch import Tensor

from s2hand.losses._checks import LossInputError, check_same_batch, check_shape, weighted_mean

#: Face colours further than this many standard deviations from their image's mean are outliers.
MTEX_NUM_STD = 2.0


def _check_images(re_img: Tensor, mask_rgbs: Tensor, texture_con: Tensor) -> None:
    check_shape("re_img", re_img, ("B", 3, "H", "W"))
    check_shape("mask_rgbs", mask_rgbs, ("B", 3, "H", "W"))
    if re_img.shape != mask_rgbs.shape:
        raise LossInputError(
            f"loss inputs 're_img' {tuple(re_img.shape)} and 'mask_rgbs' "
            f"{tuple(mask_rgbs.shape)} must have the same shape."
        )
    check_shape("texture_con", texture_con, ("B",))
    check_same_batch(re_img=re_img, texture_con=texture_con)


def photometric_loss(re_img: Tensor, mask_rgbs: Tensor, texture_con: Tensor) -> Tensor:
    """The ``texture`` term: ``Σ_b t_b²·mean_{c,x,y}|R_b − M_b| / Σ_b t_b²``.

    Equal to the original's ``Σ_{b,c,x,y} |R − M|·t_b² / Σ_{b,c,x,y} t_b²``. The rendering has a
    white background when lights are learned while ``mask_rgbs`` is 0 outside the silhouette,
    so background pixels add a constant (spec Q7, kept).

    Args:
        re_img: (B,3,H,W) rendered image.
        mask_rgbs: (B,3,H,W) input image masked by the rendered silhouette.
        texture_con: (B,) per-image appearance weight t.
    """
    _check_images(re_img, mask_rgbs, texture_con)
    per_image = (re_img - mask_rgbs).abs().flatten(1).mean(1)
    return weighted_mean(per_image, texture_con**2)


def mean_rgb_loss(re_img: Tensor, mask_rgbs: Tensor, texture_con: Tensor) -> Tensor:
    """The ``mrgb`` term: ``Σ_b t_b²·|mean(R_b) − mean(M_b)| / Σ_b t_b²``.

    Means are over all pixels and channels of each image. Shapes as :func:`photometric_loss`.
    """
    _check_images(re_img, mask_rgbs, texture_con)
    per_image = (re_img.flatten(1).mean(1) - mask_rgbs.flatten(1).mean(1)).abs()
    return weighted_mean(per_image, texture_con**2)


def texture_outlier_loss(textures: Tensor, texture_con: Tensor) -> Tensor:
    """The ``mtex`` term: penalise face colours far from their own image's mean colour.

    Per image b and channel ch, ``μ`` and ``σ`` (unbiased std) are taken over the F faces;
    ``e = |T − μ|`` where ``T > μ + 2σ`` or ``T < μ − 2σ``, else 0; ``r_b = mean_{f,ch} e``;
    loss ``= Σ_b r_b·t_b² / Σ_b t_b²``. Gradients reach ``T`` both directly and through ``μ``.

    Fix of spec Q9: the original views μ and σ as (B,1,1,1,1,3) against (B,F,3) textures, which
    broadcasts to (B,1,1,B,F,3) so that every image is compared with every other image's
    statistics, and it weights by ``t·2`` instead of ``t²``. Here the statistics are per image
    and the weight is ``t²``, the form the rest of the appearance terms use.

    Args:
        textures: (B,F,3) pre-tanh per-face colours.
        texture_con: (B,) per-image appearance weight t.
    """
    check_shape("textures", textures, ("B", "F", 3))
    check_shape("texture_con", texture_con, ("B",))
    check_same_batch(textures=textures, texture_con=texture_con)
    if textures.shape[1] < 2:
        raise LossInputError(
            f"loss input 'textures': mtex needs at least 2 faces for a standard deviation, "
            f"got shape {tuple(textures.shape)}."
        )
    mean = textures.mean(dim=1, keepdim=True)
    std = textures.detach().std(dim=1, keepdim=True)
    outlier = (textures > mean + MTEX_NUM_STD * std) | (textures < mean - MTEX_NUM_STD * std)
    err = torch.where(outlier, (textures - mean).abs(), torch.zeros_like(textures))
    return weighted_mean(err.mean(dim=(1, 2)), texture_con**2)


def silhouette_loss(re_sil: Tensor, masks: Tensor) -> Tensor:
    """The ``sil`` term: ``mean |S − M|`` (L1) between rendered and GT silhouettes.

    Args:
        re_sil: (B,H,W) rendered soft silhouette in [0,1].
        masks: (B,C,H,W) GT masks (channel 0 is used, as the original) or (B,H,W).
    """
    check_shape("re_sil", re_sil, ("B", "H", "W"))
    if masks.dim() == 4:
        masks = masks[:, 0]
    if masks.shape != re_sil.shape:
        raise LossInputError(
            f"loss input 'masks': expected (B,1,H,W) or (B,H,W) matching re_sil "
            f"{tuple(re_sil.shape)}, got {tuple(masks.shape)}."
        )
    return (re_sil - masks.to(re_sil.dtype)).abs().mean()
