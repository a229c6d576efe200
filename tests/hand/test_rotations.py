"""Safe Rodrigues: values against scipy, orthonormality, finite gradients at zero."""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from s2hand.hand import rodrigues


def test_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    vecs = np.concatenate([rng.normal(0, 1.5, (200, 3)), rng.normal(0, 1e-4, (20, 3)),
                           [[np.pi, 0, 0], [0, 0, 0]]])
    ours = rodrigues(torch.as_tensor(vecs)).numpy()
    np.testing.assert_allclose(ours, Rotation.from_rotvec(vecs).as_matrix(), atol=1e-12)


def test_orthonormal_and_batched_shapes() -> None:
    r = torch.randn(4, 5, 3, dtype=torch.float64)
    mats = rodrigues(r)
    assert mats.shape == (4, 5, 3, 3)
    eye = torch.eye(3, dtype=torch.float64).expand_as(mats)
    torch.testing.assert_close(mats @ mats.transpose(-1, -2), eye)
    torch.testing.assert_close(torch.linalg.det(mats), torch.ones(4, 5, dtype=torch.float64))


def test_gradient_finite_at_zero_and_correct() -> None:
    r = torch.zeros(3, 3, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(3, 3, 3, dtype=torch.float64)
    (rodrigues(r) * weights).sum().backward()
    assert torch.isfinite(r.grad).all()
    # d R / d r at 0 is the skew-symmetric generator: dR_ij/dr_k = -eps_ijk.
    w = weights[0]
    expected = torch.stack([w[2, 1] - w[1, 2], w[0, 2] - w[2, 0], w[1, 0] - w[0, 1]])
    torch.testing.assert_close(r.grad[0], expected)


def test_gradcheck_small_and_large_angles() -> None:
    for scale in (1e-5, 1.0):
        r = (torch.randn(4, 3, dtype=torch.float64) * scale).requires_grad_()
        assert torch.autograd.gradcheck(rodrigues, (r,))
