"""Photometric, mean-RGB, texture-outlier (Q9 fix), silhouette and SSIM terms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage

from s2hand.losses import (
    LossInputError,
    gaussian_window,
    mean_rgb_loss,
    photometric_loss,
    silhouette_loss,
    ssim,
    ssim_inrgb_depth_loss,
    ssim_tex_depth_loss,
    ssim_tex_loss,
    texture_outlier_loss,
)


def _images():
    re_img = torch.empty(2, 3, 4, 4, dtype=torch.float64)
    re_img[0], re_img[1] = 0.5, 1.0
    mask = torch.zeros_like(re_img)
    mask[1] = 0.25
    return re_img, mask


def test_photometric_hand_computed_and_equal_to_original_form():
    re_img, mask = _images()
    t = torch.tensor([1.0, 2.0], dtype=torch.float64)
    loss = photometric_loss(re_img, mask, t)
    assert loss.item() == pytest.approx((0.5 * 1 + 0.75 * 4) / 5, rel=1e-12)
    # The original broadcasts t to every pixel and sums; same number for any image.
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(3, 3, 5, 5, generator=g), torch.rand(3, 3, 5, 5, generator=g)
    t = torch.rand(3, generator=g)
    tt = t.view(-1, 1, 1, 1).expand_as(a)
    original = ((a - b).abs() * tt**2).sum() / (tt**2).sum()
    torch.testing.assert_close(photometric_loss(a, b, t), original)


def test_mean_rgb_hand_computed():
    re_img, mask = _images()
    re_img[0, 0] = 0.2  # image 0 mean (0.2 + 0.5 + 0.5) / 3 = 0.4
    t = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert mean_rgb_loss(re_img, mask, t).item() == pytest.approx((0.4 + 0.75 * 4) / 5)


def test_appearance_zero_texture_con_is_exact_zero_with_zero_gradient():
    re_img = torch.rand(2, 3, 4, 4, requires_grad=True)
    textures = torch.randn(2, 10, 3, requires_grad=True)
    t = torch.zeros(2)
    losses = [photometric_loss(re_img, torch.rand(2, 3, 4, 4), t),
              mean_rgb_loss(re_img, torch.rand(2, 3, 4, 4), t),
              texture_outlier_loss(textures, t)]
    assert [x.item() for x in losses] == [0.0, 0.0, 0.0]
    sum(losses).backward()
    assert torch.equal(re_img.grad, torch.zeros_like(re_img))
    assert torch.equal(textures.grad, torch.zeros_like(textures))


def test_mtex_hand_computed():
    textures = torch.full((1, 10, 3), 0.5, dtype=torch.float64)
    textures[0, :, 0] = 0.0
    textures[0, 9, 0] = 10.0  # mean 1, unbiased std sqrt(10): 10 > 1 + 2·3.16 is an outlier
    loss = texture_outlier_loss(textures, torch.tensor([0.5], dtype=torch.float64))
    assert loss.item() == pytest.approx(9.0 / 30, rel=1e-12)


def test_mtex_uses_per_sample_statistics_q9():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(1, 50, 3, generator=g, dtype=torch.float64)
    b = torch.randn(1, 50, 3, generator=g, dtype=torch.float64) * 3 + 5
    a[0, 0] = 6.0
    b[0, 1] = -10.0
    t = torch.tensor([0.7, 0.3], dtype=torch.float64)
    la = texture_outlier_loss(a, t[:1])
    lb = texture_outlier_loss(b, t[1:])
    both = texture_outlier_loss(torch.cat([a, b]), t)
    # Each image only sees its own statistics; the batch is their t²-weighted mean.
    expected = (la * 0.49 + lb * 0.09) / (0.49 + 0.09)
    torch.testing.assert_close(both, expected)
    assert la.item() > 0 and lb.item() > 0


def test_mtex_gradient_and_errors():
    textures = torch.zeros(2, 10, 3, dtype=torch.float64)
    textures[:, 0] = 5.0
    textures.requires_grad_(True)
    texture_outlier_loss(textures, torch.ones(2, dtype=torch.float64)).backward()
    assert textures.grad[:, 0].abs().sum() > 0
    with pytest.raises(LossInputError, match="texture_weight"):
        texture_outlier_loss(textures, torch.ones(2, 1))
    with pytest.raises(LossInputError, match="2 faces"):
        texture_outlier_loss(torch.zeros(1, 1, 3), torch.ones(1))


def test_silhouette_l1():
    sil = torch.full((1, 2, 2), 0.25)
    mask = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    assert silhouette_loss(sil, mask).item() == pytest.approx((0.75 + 3 * 0.25) / 4)
    assert silhouette_loss(sil, mask[:, 0]).item() == pytest.approx((0.75 + 3 * 0.25) / 4)
    with pytest.raises(LossInputError, match="masks"):
        silhouette_loss(sil, torch.zeros(1, 1, 3, 3))


def test_gaussian_window():
    w = gaussian_window(dtype=torch.float64)
    assert w.shape == (11, 11)
    assert w.sum().item() == pytest.approx(1.0)
    assert w[5, 5] == w.max()
    ratio = (w[5, 6] / w[5, 5]).item()
    assert ratio == pytest.approx(np.exp(-1 / (2 * 1.5**2)))


def _ssim_reference(x: np.ndarray, y: np.ndarray) -> float:
    """Independent SSIM: scipy correlation with zero padding, float64."""
    w = gaussian_window(dtype=torch.float64).numpy()
    maps = []
    for b in range(x.shape[0]):
        for c in range(x.shape[1]):
            def blur(a):
                return ndimage.correlate(a, w, mode="constant", cval=0.0)

            a, d = x[b, c], y[b, c]
            mu1, mu2 = blur(a), blur(d)
            v1 = blur(a * a) - mu1**2
            v2 = blur(d * d) - mu2**2
            cov = blur(a * d) - mu1 * mu2
            c1, c2 = 0.01**2, 0.03**2
            maps.append(((2 * mu1 * mu2 + c1) * (2 * cov + c2))
                        / ((mu1**2 + mu2**2 + c1) * (v1 + v2 + c2)))
    return float(np.mean(maps))


def test_ssim_matches_reference_and_identity():
    g = torch.Generator().manual_seed(2)
    x = torch.rand(2, 3, 16, 16, generator=g, dtype=torch.float64)
    y = (x + 0.2 * torch.rand(2, 3, 16, 16, generator=g, dtype=torch.float64)).clamp(0, 1)
    assert ssim(x, y).item() == pytest.approx(_ssim_reference(x.numpy(), y.numpy()), rel=1e-10)
    assert ssim(x, x).item() == pytest.approx(1.0)
    assert ssim_tex_loss(x, x).item() == pytest.approx(0.0, abs=1e-12)


def test_ssim_depth_terms_repeat_depth_to_three_channels():
    g = torch.Generator().manual_seed(3)
    img = torch.rand(1, 3, 16, 16, generator=g, dtype=torch.float64, requires_grad=True)
    depth = torch.rand(1, 16, 16, generator=g, dtype=torch.float64, requires_grad=True)
    rgb_depth = depth.detach().unsqueeze(1).repeat(1, 3, 1, 1).numpy()
    ref = 1 - _ssim_reference(img.detach().numpy(), rgb_depth)
    loss = ssim_tex_depth_loss(img, depth)
    assert loss.item() == pytest.approx(ref, rel=1e-10)
    assert ssim_inrgb_depth_loss(img, depth).item() == pytest.approx(ref, rel=1e-10)
    loss.backward()
    assert img.grad.abs().sum() > 0 and depth.grad.abs().sum() > 0
    with pytest.raises(LossInputError, match="rendered_depth"):
        ssim_tex_depth_loss(img, depth[:, None])
