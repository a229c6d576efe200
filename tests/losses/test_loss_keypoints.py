"""2D keypoint losses against hand-computed values, edge cases and gradients."""

from __future__ import annotations

import pytest
import torch

from s2hand.losses import (
    OPEN_2DJ_JOINT_WEIGHTS,
    LossInputError,
    hm_integral_loss,
    joint_2d_loss,
    kp_cons_loss,
    open_2dj_de_loss,
    open_2dj_loss,
    project_points,
    robust_rho,
)


def test_robust_rho_values_and_continuity():
    d = torch.tensor([0.0, 3.0, 4.999999, 5.0, 10.0])
    out = robust_rho(d)
    torch.testing.assert_close(out, torch.tensor([0.0, 0.9, 2.4999990, 2.5, 7.5]))
    d = torch.tensor([4.99, 5.01], requires_grad=True)
    robust_rho(d).sum().backward()
    torch.testing.assert_close(d.grad, torch.tensor([0.998, 1.0]), atol=1e-3, rtol=0)


def test_joint_weights_wrist_and_tips():
    w = OPEN_2DJ_JOINT_WEIGHTS
    assert len(w) == 21 and w[0] == 2.0
    assert [i for i, x in enumerate(w) if x == 1.5] == [4, 8, 12, 16, 20]
    assert sum(x == 1.0 for x in w) == 15


def test_open_2dj_hand_computed():
    j2d = torch.zeros(1, 21, 2, dtype=torch.float64, requires_grad=True)
    det = torch.zeros(1, 21, 2, dtype=torch.float64)
    det[0, 0] = torch.tensor([3.0, 4.0])  # d = 5 -> rho 2.5, weight (1*2)^2 = 4
    det[0, 4] = torch.tensor([0.0, 2.0])  # d = 2 -> rho 0.4, weight (0.5*1.5)^2 = 0.5625
    det[0, 7] = torch.tensor([30.0, 40.0])  # confidence 0: ignored
    con = torch.zeros(1, 21, dtype=torch.float64)
    con[0, 0], con[0, 4], con[0, 1] = 1.0, 0.5, 1.0  # joint 1: d = 0, weight 1
    loss = open_2dj_loss(j2d, det, con)
    expected = (2.5 * 4 + 0.4 * 0.5625) / (4 + 0.5625 + 1)
    assert loss.dim() == 0
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    loss.backward()
    assert torch.isfinite(j2d.grad).all()  # d = 0 at most joints: no NaN from the norm
    assert j2d.grad[0, 7].abs().sum() == 0 and j2d.grad[0, 0].abs().sum() > 0


def test_open_2dj_all_zero_confidence_is_exact_zero():
    j2d = torch.randn(3, 21, 2, requires_grad=True)
    loss = open_2dj_loss(j2d, torch.randn(3, 21, 2), torch.zeros(3, 21))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.equal(j2d.grad, torch.zeros_like(j2d))


def test_open_2dj_batch_size_one_and_scale_invariance_of_confidence():
    j2d, det = torch.randn(1, 21, 2) * 10, torch.randn(1, 21, 2) * 10
    con = torch.rand(1, 21)
    a = open_2dj_loss(j2d, det, con)
    b = open_2dj_loss(j2d, det, 3 * con)  # normalised by the weight sum
    torch.testing.assert_close(a, b)


def test_open_2dj_shape_errors_name_the_input():
    with pytest.raises(LossInputError, match="confidences"):
        open_2dj_loss(torch.zeros(2, 21, 2), torch.zeros(2, 21, 2), torch.zeros(2, 21, 1))
    with pytest.raises(LossInputError, match="batch size"):
        open_2dj_loss(torch.zeros(2, 21, 2), torch.zeros(3, 21, 2), torch.zeros(2, 21))
    with pytest.raises(LossInputError, match="joints_2d"):
        open_2dj_loss(torch.zeros(2, 20, 2), torch.zeros(2, 21, 2), torch.zeros(2, 21))


def test_hm_integral_hand_computed_sum_over_stacks():
    target = torch.zeros(1, 21, 2)
    s1 = torch.zeros(1, 21, 2)
    s1[0, 0] = torch.tensor([3.0, 4.0])  # plain distance 5, no rho
    s2 = torch.zeros(1, 21, 2)
    s2[0, 1] = torch.tensor([0.0, 6.0])
    con = torch.zeros(1, 21)
    con[0, 0], con[0, 1] = 1.0, 0.5
    loss = hm_integral_loss([s1, s2], target, con)
    expected = (5.0 * 1.0) / 1.25 + (6.0 * 0.25) / 1.25
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    # The GT variant: every confidence is 1 -> plain mean distance per stack.
    gt = hm_integral_loss([s1, s2], target)
    assert gt.item() == pytest.approx(5.0 / 21 + 6.0 / 21, rel=1e-6)


def test_hm_integral_zero_confidence_and_bad_input():
    stacks = [torch.randn(2, 21, 2, requires_grad=True) for _ in range(2)]
    loss = hm_integral_loss(stacks, torch.randn(2, 21, 2), torch.zeros(2, 21))
    assert loss.item() == 0.0
    loss.backward()
    assert all(torch.isfinite(s.grad).all() for s in stacks)
    with pytest.raises(LossInputError, match="list"):
        hm_integral_loss(torch.zeros(2, 21, 2), torch.zeros(2, 21, 2), torch.ones(2, 21))
    with pytest.raises(LossInputError, match="list"):
        hm_integral_loss([], torch.zeros(2, 21, 2))


def test_kp_cons_hand_computed_and_reaches_both_branches():
    hm = torch.zeros(2, 21, 2, requires_grad=True)
    j2d = torch.zeros(2, 21, 2)
    j2d[0, 0] = torch.tensor([6.0, 8.0])  # d = 10 -> 7.5
    j2d[1, 3] = torch.tensor([0.0, 1.0])  # d = 1 -> 0.1
    j2d.requires_grad_(True)
    loss = kp_cons_loss(hm, j2d)
    assert loss.item() == pytest.approx((7.5 + 0.1) / 42, rel=1e-6)
    loss.backward()
    assert hm.grad.abs().sum() > 0 and j2d.grad.abs().sum() > 0
    torch.testing.assert_close(hm.grad, -j2d.grad)  # no detach on either side (Q12)


def test_mse_terms():
    j2d = torch.zeros(1, 21, 2)
    gt = torch.zeros(1, 21, 2)
    gt[0, 5, 1] = 2.0
    assert joint_2d_loss(j2d, gt).item() == pytest.approx(4.0 / 42)
    assert open_2dj_de_loss(j2d, gt).item() == pytest.approx(4.0 / 42)


def test_project_points_matches_pinhole():
    xyz = torch.tensor([[[0.1, -0.05, 0.5], [0.0, 0.0, 1.0]]])
    K = torch.tensor([[[100.0, 0.0, 50.0], [0.0, 120.0, 60.0], [0.0, 0.0, 1.0]]])
    uv = project_points(xyz, K)
    torch.testing.assert_close(uv, torch.tensor([[[70.0, 48.0], [50.0, 60.0]]]))
    with pytest.raises(LossInputError, match="K"):
        project_points(xyz, K[:, :2])
