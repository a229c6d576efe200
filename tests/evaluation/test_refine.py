import pytest
import torch

from s2hand.evaluation.refinement import refine, refinement_objective
from s2hand.hand import ManoLayer, s2hand_mano
from s2hand.losses import project_points


@pytest.fixture(scope="module")
def layer():
    return ManoLayer()


def _case(layer, seed=0, b=2):
    g = torch.Generator().manual_seed(seed)
    gt = {"rot": torch.randn(b, 3, generator=g) * 0.3, "theta": torch.randn(b, 30, generator=g),
          "beta": torch.zeros(b, 10), "scale": torch.full((b, 1), 0.9),
          "trans": torch.tensor([[0.0, 0.0, 0.6]]).repeat(b, 1)}
    K = torch.tensor([[500.0, 0, 112], [0, 500.0, 112], [0, 0, 1]]).repeat(b, 1, 1)
    hand = s2hand_mano(layer, **gt)
    target = project_points(hand.joints, K)
    init = {k: v + 0.05 * torch.randn(v.shape, generator=g) for k, v in gt.items()}
    init["trans"] = gt["trans"] + torch.tensor([0.01, -0.01, 0.02])
    return gt, init, K, target


def _err(layer, params, K, target):
    j2d = project_points(s2hand_mano(layer, **params).joints, K)
    return (j2d - target).norm(dim=-1).mean().item()


def test_refinement_reduces_keypoint_error_and_returns_refined_mesh(layer):
    _, init, K, target = _case(layer)
    before = {k: v.clone() for k, v in init.items()}
    out = refine(layer, **init, K=K, keypoints_2d=target, steps=30)
    assert len(out.losses) == 30 and out.losses[-1] < 0.5 * out.losses[0]
    params = {k: getattr(out, k) for k in ("rot", "theta", "beta", "scale", "trans")}
    assert _err(layer, params, K, target) < 0.5 * _err(layer, init, K, target)
    # Refined vertices (not the initial ones) are returned, consistent with the joints.
    hand = s2hand_mano(layer, **params)
    torch.testing.assert_close(out.vertices, hand.vertices)
    torch.testing.assert_close(out.joints, hand.joints)
    assert not torch.allclose(out.vertices, s2hand_mano(layer, **init).vertices)
    for k, v in before.items():  # inputs untouched
        assert torch.equal(init[k], v)
    assert not out.joints.requires_grad


def test_one_optimiser_keeps_momentum(layer):
    # Two 1-step fits chained = the original's "new Adam every iteration"; a real 2-step fit
    # keeps Adam's moments and must end elsewhere.
    _, init, K, target = _case(layer, seed=1)
    kw = {"K": K, "keypoints_2d": target, "use_laplacian": False}
    one = refine(layer, **init, steps=1, **kw)
    chained = refine(layer, **{k: getattr(one, k) for k in init}, steps=1, **kw)
    two = refine(layer, **init, steps=2, **kw)
    assert not torch.allclose(two.theta, chained.theta, atol=1e-6)
    assert (two.theta - one.theta).abs().max() <= 0.0101  # Adam steps are bounded by ~lr


def test_options(layer):
    _, init, K, target = _case(layer, seed=2, b=1)
    out = refine(layer, **init, K=K, keypoints_2d=target, steps=3, refine_shape=False,
                 milestones=(1,), lrs=(0.01, 0.001))
    assert torch.equal(out.beta, init["beta"])
    assert len(out.losses) == 3
    with pytest.raises(ValueError, match="milestones"):
        refine(layer, **init, K=K, keypoints_2d=target, steps=3, lrs=(0.1,))


def test_objective_at_ground_truth_has_no_keypoint_term(layer):
    gt, _, K, target = _case(layer, seed=3)
    weights = {"lambda_j2d": 1.0, "lambda_bone_direc": 1.0, "lambda_pose": 0.0,
               "lambda_shape": 0.0, "lambda_mscale": 0.0, "lambda_laplacian": 0.0}
    loss, _ = refinement_objective(layer, gt, K, target, weights)
    assert loss.item() == pytest.approx(0.0, abs=1e-3)


def test_zero_started_beta_is_optimised_as_the_original(layer):
    """Under use_mean_shape the network's beta is zero; the original still optimises it (with
    the shape prior), which fits a hand of another shape better than a fixed mean shape."""
    gt, init, K, _ = _case(layer, seed=3)
    gt["beta"] = torch.tensor([[2.0, -1.5] + [0.0] * 8]).repeat(2, 1)
    target = project_points(s2hand_mano(layer, **gt).joints, K)
    init = {**{k: v.clone() for k, v in gt.items()}, "beta": torch.zeros(2, 10)}
    free = refine(layer, **init, K=K, keypoints_2d=target, steps=60)
    fixed = refine(layer, **init, K=K, keypoints_2d=target, steps=60, refine_shape=False)
    assert free.beta.abs().max() > 1e-3 and torch.equal(fixed.beta, init["beta"])
    assert free.losses[-1] < fixed.losses[-1]
