"""Loss registry, compute_losses / total_loss, NaN and zero-weight handling."""

from __future__ import annotations

import pytest
import torch

from s2hand.config import names as config_names
from s2hand.data import HandBatch
from s2hand.losses import (
    DEFAULT_WEIGHTS,
    LOSS_NAMES,
    LOSS_TERMS,
    TERMS,
    LossInputError,
    computable_losses,
    compute_losses,
    kp_cons_loss,
    open_2dj_loss,
    total_loss,
    triangle_loss,
)
from s2hand.models.output import S2HandOutput

SHIPPED_E2E = ["tsa_poses", "open_2dj", "mscale", "open_bone_direc", "hm_integral", "kp_cons",
               "triangle", "mshape", "texture", "mtex", "mrgb"]


def test_registry_and_config_derive_from_the_table():
    assert LOSS_NAMES == config_names.LOSS_NAMES == set(LOSS_TERMS)
    assert {n: t.weight_key for n, t in LOSS_TERMS.items()} == config_names.LOSS_WEIGHT_KEYS
    assert list(LOSS_TERMS) == [t.name for t in TERMS]


def test_table_rows_resolve_and_derive_requirements():
    for term in LOSS_TERMS.values():
        assert callable(term.function), term.name
        for arg in term.spec.inputs:
            assert arg.startswith(("out.", "batch.")), (term.name, arg)
    specs = {t.name: t for t in TERMS}
    assert specs["kp_cons"].requires == (("heatmaps",), ("joints", "verts"))
    assert specs["mtex"].requires == (("joints", "verts"), ("textures",))
    assert specs["mscale"].requires == (("joints", "verts"),)
    assert {t.name for t in TERMS if t.needs_detections} == {
        "open_2dj", "open_bone_direc", "hm_integral", "open_2dj_de"}
    assert specs["kp_cons"].output_fields == ("heatmap_joints_2d", "joints_2d")


def test_default_weights_match_the_original_and_the_config_schema():
    from s2hand.config.schema import ExperimentConfig

    original = {"lambda_j2d": 1e-3, "lambda_bone_direc": 0.1, "lambda_mscale": 0.1,
                "lambda_pose": 0.1, "lambda_hm": 1e-3, "lambda_kp_cons": 2e-4,
                "lambda_laplacian": 0.1, "lambda_shape": 1e-2, "lambda_texture": 5e-3,
                "lambda_mrgb": 1e-3, "lambda_tex_reg": 5e-3, "lambda_j2d_gt": 1e-4,
                "lambda_j2d_de": 1e-4, "lambda_j3d": 100.0, "lambda_j3d_norm": 100.0,
                "lambda_scale": 100.0, "lambda_ssim_tex": 1e-3, "lambda_sil": 1.0}
    ours = {"lambda_temporal": 1.0}   # Folder videos (docs/folder.md), not in the original
    assert dict(DEFAULT_WEIGHTS) == {**original, **ours}
    fields = ExperimentConfig.model_fields
    assert {k: fields[k].default for k in original} == original


def test_every_term_on_a_full_output(make_output):
    out, batch = make_output(batch_size=2)
    terms = compute_losses(sorted(LOSS_NAMES), S2HandOutput(**out), batch)
    assert set(terms) == LOSS_NAMES
    for name, value in terms.items():
        assert value.dim() == 0 and torch.isfinite(value), name
    assert total_loss(terms).item() == pytest.approx(sum(v.item() for v in terms.values()))


def test_weighting_uses_lambda_and_defaults(make_output):
    out, batch = make_output()
    raw = open_2dj_loss(out["joints_2d"], batch.detections, batch.detection_conf)
    assert compute_losses(["open_2dj"], out, batch)["open_2dj"].item() == pytest.approx(
        1e-3 * raw.item())
    weighted = compute_losses(["open_2dj"], out, batch, {"lambda_j2d": 0.5})["open_2dj"]
    assert weighted.item() == pytest.approx(0.5 * raw.item())
    # Keys the mapping lacks take the default; unrelated keys are ignored.
    terms = compute_losses(["open_2dj", "kp_cons"], out, batch, {"lambda_j2d": 2.0, "lr": 1})
    assert terms["kp_cons"].item() == pytest.approx(
        2e-4 * kp_cons_loss(out["heatmap_joints_2d"][-1], out["joints_2d"]).item())
    with pytest.raises(LossInputError, match="lambda_j2d"):
        compute_losses(["open_2dj"], out, batch, {"lambda_j2d": "big"})


def test_batch_size_one_for_every_term(make_output):
    out, batch = make_output(batch_size=1)
    terms = compute_losses(sorted(LOSS_NAMES), out, batch)
    assert all(torch.isfinite(v) for v in terms.values())


def test_zero_confidence_gives_zero_not_nan(make_output):
    out, batch = make_output(requires_grad=True)
    batch.detection_conf = torch.zeros_like(batch.detection_conf)
    batch.texture_weight = torch.zeros_like(batch.texture_weight)
    names = ["open_2dj", "open_bone_direc", "hm_integral", "texture", "mrgb", "mtex"]
    terms = compute_losses(names, out, batch)
    assert all(v.item() == 0.0 for v in terms.values())
    total = total_loss(terms)
    total.backward()
    for key in ("joints", "texture_logits", "rendered_rgb"):
        assert torch.isfinite(out[key].grad).all(), key
    assert all(torch.isfinite(s.grad).all() for s in out["heatmap_joints_2d"])


def test_zero_lambda_is_exact_zero_even_for_nan_inputs(make_output):
    out, batch = make_output()
    out["joints"] = torch.full_like(out["joints"], float("nan"))
    terms = compute_losses(["mscale"], out, batch, {"lambda_mscale": 0.0})
    assert terms["mscale"].item() == 0.0
    assert terms["mscale"].dtype == out["joints"].dtype


def test_nan_is_reported_not_dropped(make_output):
    out, batch = make_output()
    out["joints"] = out["joints"].clone()
    out["joints"][0, 9, 0] = float("nan")
    terms = compute_losses(["mscale", "tsa_poses"], out, batch)
    assert torch.isnan(terms["mscale"])
    assert torch.isnan(total_loss(terms))
    assert torch.isfinite(terms["tsa_poses"])


def test_errors_list_every_problem(make_output):
    out, batch = make_output()
    out["rendered_rgb"] = None
    batch.texture_weight = None
    with pytest.raises(LossInputError) as err:
        compute_losses(["texture", "loss_percep", "mscale"], out, batch)
    msg = str(err.value)
    assert "unknown loss 'loss_percep'" in msg
    assert "output.rendered_rgb" in msg and "batch.texture_weight" in msg
    assert "mscale" not in msg.split("known:")[0]
    with pytest.raises(LossInputError, match="no loss terms"):
        total_loss({})


def test_shapes_are_checked_through_the_registry(make_output):
    out, batch = make_output()
    batch.detection_conf = batch.detection_conf[..., None]  # (B,21,1) is the original's
    with pytest.raises(LossInputError, match=r"confidences.*\(B,21\)"):
        compute_losses(["open_2dj"], out, batch)


def test_gradients_reach_the_right_inputs(make_output):
    out, batch = make_output(requires_grad=True)
    rgb, masked, depth = "rendered_rgb", "masked_images", "rendered_depth"
    hm = "heatmap_joints_2d"
    expect = {
        "open_2dj": {"joints"}, "open_bone_direc": {"joints"}, "mscale": {"joints"},
        "tsa_poses": {"tsa_poses"}, "hm_integral": {hm}, "kp_cons": {hm, "joints"},
        "triangle": {"vertices"}, "mshape": {"betas"}, "texture": {rgb, masked},
        "mrgb": {rgb, masked}, "mtex": {"texture_logits"}, "sil": {"rendered_silhouette"},
        "ssim_tex": {rgb, masked}, "ssim_tex_depth": {rgb, depth},
        "ssim_inrgb_depth": {masked, depth}, "joint_3d": {"joints"},
        "temporal_smooth": {"joints"},
    }
    leaves = ["joints", "tsa_poses", "vertices", "betas", "texture_logits", rgb, depth,
              "rendered_silhouette", masked]
    for name, wanted in expect.items():
        value = compute_losses([name], out, batch)[name]
        inputs = [out[k] for k in leaves] + out["heatmap_joints_2d"]
        # j2d = project(joints) is one graph shared by all terms: keep it between calls.
        grads = torch.autograd.grad(value, inputs, allow_unused=True, retain_graph=True)
        hit = [g is not None and bool(g.abs().sum() > 0) for g in grads]
        reached = {k for k, h in zip(leaves, hit, strict=False) if h}
        if any(hit[len(leaves):]):
            reached.add("heatmap_joints_2d")
        assert reached == wanted, name


def test_triangle_registry_matches_function(make_output):
    out, batch = make_output()
    value = compute_losses(["triangle"], out, batch, {"lambda_laplacian": 1.0})["triangle"]
    torch.testing.assert_close(value, triangle_loss(out["vertices"], out["faces"]))


def test_shipped_e2e_list_with_dataclass_output(make_output):
    out, batch = make_output()
    terms = compute_losses(SHIPPED_E2E, S2HandOutput(**out), batch)
    assert list(terms) == SHIPPED_E2E


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(make_output):
    out, batch = make_output()

    def to_cuda(x):
        if isinstance(x, torch.Tensor):
            return x.detach().cuda()
        if isinstance(x, list) and x and isinstance(x[0], torch.Tensor):
            return [t.detach().cuda() for t in x]
        return x

    cpu = compute_losses(sorted(LOSS_NAMES), out, batch)
    gpu = compute_losses(sorted(LOSS_NAMES), {k: to_cuda(v) for k, v in out.items()},
                         batch.to("cuda"))
    for name in LOSS_NAMES:
        assert gpu[name].device.type == "cuda", name
        torch.testing.assert_close(gpu[name].cpu(), cpu[name].detach(), rtol=1e-6, atol=1e-9)


def test_computable_losses(make_output):
    out, batch = make_output()
    out["rendered_rgb"] = None
    batch.texture_weight = None
    names = ["texture", "mtex", "mscale", "bogus", "mscale", "ssim_tex_depth"]
    assert computable_losses(names, out, batch) == ["mscale"]
    assert computable_losses(["sil"], S2HandOutput(**make_output()[0]), batch) == ["sil"]


def test_declared_fields_exist_in_the_contract():
    from dataclasses import fields

    output_fields = {f.name for f in fields(S2HandOutput)}
    batch_keys = {f.name for f in fields(HandBatch)}
    for term in LOSS_TERMS.values():
        assert set(term.output_fields) <= output_fields, term.name
        assert set(term.batch_fields) <= batch_keys, term.name
