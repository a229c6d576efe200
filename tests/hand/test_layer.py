"""ManoLayer: parity with smplx.MANO on the same arrays, gradients, options, devices/dtypes."""

from __future__ import annotations

import numpy as np
import pytest
import smplx
import torch
from smplx.utils import Struct

from s2hand.hand import (
    HO3D_TO_FREI,
    HandModel,
    ManoLayer,
    mirror_axis_angle,
    mirror_model,
)
from s2hand.hand.hand_model import model_to_arrays
from tests.hand.conftest import random_mano_like

TOL = 1e-6  # metres; float64 differences are ~1e-9


def smplx_mano(model: HandModel, **kwargs: object) -> smplx.MANO:
    """smplx's MANO built from the same arrays (smplx reads files into the same Struct)."""
    arrays = model_to_arrays(model)
    arrays["kintree_table"] = arrays["kintree_table"].astype(np.int64)
    return smplx.MANO("unused", data_struct=Struct(**arrays), is_rhand=model.side == "right",
                      dtype=torch.float64, **kwargs)


def random_inputs(batch: int, pose_dim: int, pose_scale: float, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    go = torch.randn(batch, 3, generator=gen, dtype=torch.float64)
    hp = torch.randn(batch, pose_dim, generator=gen, dtype=torch.float64) * pose_scale
    betas = torch.randn(batch, 10, generator=gen, dtype=torch.float64)
    transl = torch.randn(batch, 3, generator=gen, dtype=torch.float64) * 0.1
    return go, hp, betas, transl


def assert_parity(model: HandModel, use_pca: bool, ncomps: int, flat: bool) -> None:
    ref = smplx_mano(model, use_pca=use_pca, num_pca_comps=ncomps, flat_hand_mean=flat)
    ours = ManoLayer(model, use_pca=use_pca, num_pca_comps=ncomps, flat_hand_mean=flat,
                     joint_order="ho3d", dtype=torch.float64)
    pose_dim = ncomps if use_pca else 45
    go, hp, betas, transl = random_inputs(6, pose_dim, 1.0 if use_pca else 0.4)
    expected = ref(betas=betas, global_orient=go, hand_pose=hp, transl=transl,
                   return_full_pose=True)
    out = ours(go, hp, betas, transl)
    torch.testing.assert_close(out.vertices, expected.vertices, atol=TOL, rtol=0)
    torch.testing.assert_close(out.joints[:, :16], expected.joints, atol=TOL, rtol=0)
    torch.testing.assert_close(out.full_pose.reshape(6, 48), expected.full_pose, atol=1e-9,
                               rtol=0)
    tips = expected.vertices[:, model.tip_ids.tolist()]
    torch.testing.assert_close(out.joints[:, 16:], tips, atol=TOL, rtol=0)


@pytest.mark.parametrize(("use_pca", "ncomps", "flat"), [
    (True, 6, False), (True, 30, False), (True, 30, True), (False, 45, False), (False, 45, True)])
def test_parity_with_smplx_open_hand(open_hand: HandModel, use_pca: bool, ncomps: int,
                                     flat: bool) -> None:
    assert_parity(open_hand, use_pca, ncomps, flat)


@pytest.mark.parametrize(("use_pca", "flat"), [(True, False), (False, True)])
def test_parity_with_smplx_random_model(use_pca: bool, flat: bool) -> None:
    assert_parity(random_mano_like(3), use_pca, 12, flat)


def test_joint_orders_and_defaults(open_hand: HandModel) -> None:
    layer = ManoLayer(open_hand, dtype=torch.float64)
    ho3d = ManoLayer(open_hand, joint_order="ho3d", dtype=torch.float64)
    go, hp, betas, _ = random_inputs(2, 30, 1.0)
    frei = layer(go, hp, betas).joints
    torch.testing.assert_close(frei, ho3d(go, hp, betas).joints[:, list(HO3D_TO_FREI)])
    # FreiHAND order: joint 4 (thumb tip) and 8 (index tip) are the model's tip vertices.
    verts = layer(go, hp, betas).vertices
    torch.testing.assert_close(frei[:, 4], verts[:, int(open_hand.tip_ids[0])])
    torch.testing.assert_close(frei[:, 8], verts[:, int(open_hand.tip_ids[1])])
    # betas=None means the mean shape.
    zero = layer(go, hp, torch.zeros(2, 10, dtype=torch.float64)).vertices
    torch.testing.assert_close(layer(go, hp).vertices, zero)
    assert layer.num_vertices == open_hand.num_vertices
    assert layer.num_faces == len(open_hand.faces) and layer.faces.dtype == torch.long


def test_fewer_betas_are_zero_padded(open_hand: HandModel) -> None:
    layer = ManoLayer(open_hand, dtype=torch.float64)
    go, hp, betas, _ = random_inputs(2, 30, 1.0)
    padded = torch.cat([betas[:, :4], torch.zeros(2, 6, dtype=torch.float64)], dim=1)
    torch.testing.assert_close(layer(go, hp, betas[:, :4]).vertices,
                               layer(go, hp, padded).vertices)


def test_gradcheck(open_hand: HandModel) -> None:
    layer = ManoLayer(open_hand, num_pca_comps=6, dtype=torch.float64)
    go, hp, betas, transl = (t.requires_grad_() for t in random_inputs(1, 6, 1.0))
    proj = torch.randn(open_hand.num_vertices, 3, dtype=torch.float64)

    def fn(a, b, c, d):
        out = layer(a, b, c, d)
        return (out.vertices * proj).sum(dim=(1, 2)), out.joints.sum(dim=1)

    assert torch.autograd.gradcheck(fn, (go, hp, betas, transl), fast_mode=True)


def test_zero_pose_gradient_is_finite(open_hand: HandModel) -> None:
    layer = ManoLayer(open_hand, use_pca=False, flat_hand_mean=True)
    pose = torch.zeros(2, 45, requires_grad=True)
    root = torch.zeros(2, 3, requires_grad=True)
    layer(root, pose).vertices.square().sum().backward()
    assert torch.isfinite(pose.grad).all() and torch.isfinite(root.grad).all()


def test_float32_matches_float64(open_hand: HandModel) -> None:
    go, hp, betas, transl = random_inputs(3, 30, 1.0)
    out64 = ManoLayer(open_hand, dtype=torch.float64)(go, hp, betas, transl).vertices
    out32 = ManoLayer(open_hand)(go.float(), hp.float(), betas.float(), transl.float()).vertices
    assert out32.dtype == torch.float32
    torch.testing.assert_close(out32.double(), out64, atol=1e-5, rtol=0)


def test_left_hand_is_mirror_of_right(open_hand: HandModel) -> None:
    left = mirror_model(open_hand)
    assert left.side == "left"
    right_layer = ManoLayer(open_hand, use_pca=False, flat_hand_mean=True, dtype=torch.float64)
    left_layer = ManoLayer(left, use_pca=False, flat_hand_mean=True, dtype=torch.float64)
    go, hp, betas, _ = random_inputs(3, 45, 0.4)
    mirror = torch.tensor([-1.0, 1.0, 1.0], dtype=torch.float64)
    right = right_layer(go, hp, betas)
    mirrored = left_layer(torch.as_tensor(mirror_axis_angle(go.numpy())),
                          torch.as_tensor(mirror_axis_angle(hp.numpy())), betas)
    torch.testing.assert_close(mirrored.vertices, right.vertices * mirror, atol=1e-9, rtol=0)
    torch.testing.assert_close(mirrored.joints, right.joints * mirror, atol=1e-9, rtol=0)
    # The PCA pose space and the mean pose are mirrored too.
    pca_right = ManoLayer(open_hand, dtype=torch.float64)
    pca_left = ManoLayer(left, dtype=torch.float64)
    torch.testing.assert_close(pca_left(go * 0, hp[:, :30] * 0).vertices,
                               pca_right(go * 0, hp[:, :30] * 0).vertices * mirror)
    assert ManoLayer(None, side="left").side == "left"


def test_bad_inputs_raise_clear_errors(open_hand: HandModel) -> None:
    layer = ManoLayer(open_hand)
    with pytest.raises(ValueError, match=r"hand_pose must have shape \(B, 30\)"):
        layer(torch.zeros(1, 3), torch.zeros(1, 45))
    with pytest.raises(ValueError, match="global_orient"):
        layer(torch.zeros(1, 4), torch.zeros(1, 30))
    with pytest.raises(ValueError, match="joint_order"):
        ManoLayer(open_hand, joint_order="openpose")
    with pytest.raises(ValueError, match="num_pca_comps"):
        ManoLayer(open_hand, num_pca_comps=50)


@pytest.mark.parametrize("model_name", ["open_hand", "random"])
def test_fused_matches_autograd_graph(open_hand: HandModel, model_name: str) -> None:
    """The hand-written backward of the fused node equals autograd through the same maths."""
    model = open_hand if model_name == "open_hand" else random_mano_like(5)
    fused = ManoLayer(model, num_pca_comps=12, dtype=torch.float64)
    graph = ManoLayer(model, num_pca_comps=12, dtype=torch.float64, fused=False)
    weights = torch.randn(3, model.num_vertices, 3, dtype=torch.float64)
    joint_weights = torch.randn(3, 21, 3, dtype=torch.float64)
    results = []
    for layer in (fused, graph):
        inputs = [t.requires_grad_() for t in random_inputs(3, 12, 1.0, seed=7)]
        out = layer(*inputs)
        ((out.vertices * weights).sum() + (out.joints * joint_weights).sum()).backward()
        results.append((out.vertices.detach(), out.joints.detach(), [t.grad for t in inputs]))
    torch.testing.assert_close(results[0][0], results[1][0], atol=1e-12, rtol=0)
    torch.testing.assert_close(results[0][1], results[1][1], atol=1e-12, rtol=0)
    for a, b in zip(results[0][2], results[1][2], strict=True):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=1e-9)


def test_fused_node_gradcheck() -> None:
    """Full (not fast-mode) numerical gradient check of the fused node on a small model."""
    model = random_mano_like(6, num_vertices=30)
    layer = ManoLayer(model, use_pca=False, dtype=torch.float64)
    pose = torch.randn(1, 16, 3, dtype=torch.float64) * 0.7
    pose[0, 3] = 0.0                                        # exercise the zero-angle branch
    pose[0, 5] *= 0.1                                       # and the series branch
    pose.requires_grad_()
    betas = torch.randn(1, 10, dtype=torch.float64, requires_grad=True)
    # A few random projections of the outputs keep the check cheap (one backward each).
    proj_v = torch.randn(4, 1, model.num_vertices, 3, dtype=torch.float64)
    proj_j = torch.randn(4, 1, 21, 3, dtype=torch.float64)

    def fn(p: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        vertices, joints = layer.pose_hand(p, b)
        return torch.cat([(proj_v * vertices).sum((2, 3)), (proj_j * joints).sum((2, 3))])

    assert torch.autograd.gradcheck(fn, (pose, betas))


def test_mano_order_puts_tips_after_each_finger(open_hand: HandModel) -> None:
    layer = ManoLayer(open_hand, joint_order="mano", dtype=torch.float64)
    go, hp, betas, _ = random_inputs(1, 30, 1.0)
    out = layer(go, hp, betas)
    tips = out.vertices[:, open_hand.tip_ids.tolist()]        # thumb, index, middle, ring, pinky
    # S2HAND's MANO order: index 1-4, middle 5-8, pinky 9-12, ring 13-16, thumb 17-20.
    for joint, tip in ((4, 1), (8, 2), (12, 4), (16, 3), (20, 0)):
        torch.testing.assert_close(out.joints[:, joint], tips[:, tip])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(open_hand: HandModel) -> None:
    cpu = ManoLayer(open_hand, dtype=torch.float64)
    gpu = ManoLayer(open_hand, dtype=torch.float64).cuda()
    outs = []
    for layer, device in ((cpu, "cpu"), (gpu, "cuda")):
        inputs = [t.to(device).requires_grad_() for t in random_inputs(4, 30, 1.0)]
        out = layer(*inputs)
        (out.vertices.square().sum() + out.joints.sum()).backward()
        outs.append([out.vertices.detach().cpu()] + [t.grad.cpu() for t in inputs])
    for a, b in zip(*outs, strict=True):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=1e-9)
