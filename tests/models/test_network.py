"""S2HandNet: outputs for each ``requires`` combination, wiring of the branches (with stub
renderer/2D branch where the real ones would only cost time), errors, gradients."""

from __future__ import annotations

import math
from dataclasses import fields

import pytest
import torch
from torch import nn

from s2hand.config import names as config_names
from s2hand.hand import ManoLayer
from s2hand.models import (
    ModelConfigError,
    ModelInputError,
    S2HandNet,
    S2HandOutput,
    build_model,
)
from s2hand.models.encoder import Encoder
from s2hand.models.hand_decoder import HandDecoder
from s2hand.models.texture_light import TextureLightHead
from s2hand.render import RenderOutput

from .conftest import random_hand_model

ALL_REQUIRES = ("heatmaps", "joints", "verts", "textures", "lights")
MESH = ("joints", "joints_2d", "vertices", "faces", "pose_coeffs", "betas", "scale",
        "translation", "global_rotation", "tsa_poses")
RENDERED = ("rendered_rgb", "rendered_depth", "rendered_silhouette", "masked_images")
K = torch.tensor([[300.0, 0.0, 112.0], [0.0, 300.0, 112.0], [0.0, 0.0, 1.0]])


def _inputs(batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    return torch.rand(batch, 3, 224, 224), K.expand(batch, 3, 3).clone()


@pytest.fixture(scope="module")
def full_model(mano_sized_hand):
    torch.manual_seed(0)
    return build_model(ALL_REQUIRES, hand_model=mano_sized_hand).eval()


def test_shapes_full_requires(full_model):
    images, Ks = _inputs(1)
    with torch.no_grad():
        out = full_model(images, Ks, ALL_REQUIRES)
    assert [h.shape for h in out.heatmaps] == [(1, 21, 64, 64)] * 2
    assert [h.shape for h in out.heatmap_joints_2d] == [(1, 21, 2)] * 2
    expected = {"joints": (1, 21, 3), "joints_2d": (1, 21, 2), "vertices": (1, 778, 3),
                "faces": (1538, 3), "pose_coeffs": (1, 30), "betas": (1, 10), "scale": (1, 1),
                "translation": (1, 3), "global_rotation": (1, 3), "tsa_poses": (1, 16, 3),
                "texture_logits": (1, 1538, 3), "lights": (1, 11),
                "rendered_rgb": (1, 3, 224, 224),
                "rendered_depth": (1, 224, 224), "rendered_silhouette": (1, 224, 224),
                "masked_images": (1, 3, 224, 224)}
    assert {name: tuple(getattr(out, name).shape) for name in expected} == expected
    assert all(isinstance(v, torch.Tensor) or all(isinstance(t, torch.Tensor) for t in v)
               for v in out.to_dict().values())
    # The untrained hand sits 0.65 m in front of the camera, so it is rendered and lit on white.
    assert out.rendered_silhouette.sum() > 0 and out.rendered_depth.max() < 1.0
    background = out.rendered_silhouette[0] == 0
    assert torch.allclose(out.rendered_rgb[0][:, background], torch.ones(1))
    assert torch.count_nonzero(out.masked_images[0][:, background]) == 0


class StubRenderer(nn.Module):
    """Records its inputs; returns cheap outputs that depend on them differentiably."""

    def forward(self, vertices, faces, K, textures=None, lights=None, outputs=()):
        self.seen = {"faces": faces, "K": K, "textures": textures, "lights": lights}
        b = vertices.shape[0]
        base = vertices[..., 2].mean(1)[:, None, None]
        if textures is not None:
            base = base * textures.mean(dim=(1, 2))[:, None, None]
        if lights is not None:
            base = base * lights[:, :1, None]
        half = torch.ones(b, 224, 112)
        depth = torch.cat([0.5 * half, 2.0 * half], 2)
        silhouette = torch.cat([half, 0 * half], 2)
        return RenderOutput(rgb=base.unsqueeze(1).expand(b, 3, 224, 224), depth=depth,
                            silhouette=silhouette)


class StubRGB2HM(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 21, kernel_size=1)

    def forward(self, padded):
        self.seen = padded
        heatmap = self.conv(nn.functional.avg_pool2d(padded, 4))
        return [heatmap, heatmap * 2], []


def _stub_model(hand, image_size=224):
    layer = ManoLayer(hand)
    model = S2HandNet(encoder=Encoder(), hand_decoder=HandDecoder(layer),
                      rgb2hm=StubRGB2HM(), texture_light_from_low=TextureLightHead(1538),
                      renderer=StubRenderer(), image_size=image_size)
    # Eval mode so that batch 1 works with BatchNorm1d; gradients flow all the same.
    return model.eval()


@pytest.fixture(scope="module")
def stub_model(mano_sized_hand):
    torch.manual_seed(0)
    return _stub_model(mano_sized_hand)


def test_wiring_and_gradients(stub_model):
    model = stub_model
    model.zero_grad(set_to_none=True)
    images, Ks = _inputs(1)
    out = model(images, Ks, ALL_REQUIRES)
    seen = model.rgb2hm.seen
    assert seen.shape == (1, 3, 256, 256)
    assert torch.equal(seen[..., :224, :224], images)
    assert torch.count_nonzero(seen[..., 224:, :]) == 0  # zero padding, bottom
    assert torch.count_nonzero(seen[..., 224:]) == 0  # and right
    rendered = model.renderer.seen
    assert torch.equal(rendered["textures"], torch.tanh(out.texture_logits))
    assert rendered["lights"] is out.lights and rendered["faces"] is out.faces
    assert torch.allclose(out.joints_2d, (out.joints @ K.T)[..., :2] / out.joints[..., 2:])
    assert out.present() == [f.name for f in fields(S2HandOutput)]
    assert torch.count_nonzero(out.rendered_depth[..., 112:]) == 0  # depth >= 1 m is zeroed
    assert torch.all(out.rendered_depth[..., :112] == 0.5)
    assert torch.count_nonzero(out.masked_images[..., 112:]) == 0
    assert torch.equal(out.masked_images[..., :112], images[..., :112])

    loss = out.rendered_rgb.sum() + out.heatmap_joints_2d[-1].sum() + out.joints_2d.sum()
    loss.backward()
    grads = {name: p.grad is not None and bool(p.grad.abs().sum() > 0)
             for name, p in model.named_parameters()}
    for name in ("encoder.encoder._conv_stem.weight", "hand_decoder.hand_decode.rot_reg.3.weight",
                 "texture_light_from_low.texture_reg.2.weight",
                 "texture_light_from_low.light_reg.2.weight", "texture_light_from_low."
                 "base_layers.0.weight", "rgb2hm.conv.weight"):
        assert grads[name], name
    assert not grads["hand_decoder.hand_decode.shape_reg.0.weight"]
    assert not grads["encoder.encoder._fc.weight"]


@pytest.mark.parametrize(("requires", "task", "present"), [
    (["heatmaps"], "hm_train", {"heatmaps", "heatmap_joints_2d"}),
    (["heatmaps", "joints", "verts"], "hm_train", {"heatmaps", "heatmap_joints_2d"}),
    (["heatmaps"], "train", {"heatmaps", "heatmap_joints_2d"}),
    (["joints", "verts"], "train", set(RENDERED) | set(MESH)),
    (["joints", "verts", "textures"], "train",
     set(RENDERED) | set(MESH) | {"texture_logits", "lights"}),
    (["heatmaps", "verts", "lights"], "train",
     set(RENDERED) | set(MESH) | {"texture_logits", "lights", "heatmaps", "heatmap_joints_2d"}),
])
def test_outputs_per_requires(stub_model, requires, task, present):
    images, Ks = _inputs(1)
    stub_model.renderer.seen = None
    with torch.no_grad():
        out = stub_model(images, Ks, requires, task=task)
    assert set(out.present()) == present
    seen = stub_model.renderer.seen
    if "rendered_rgb" in present:
        # Untextured renders are tanh(1) grey as the original's (all-ones textures through
        # tanh); default lights unless lights are requested.
        if "textures" not in requires:
            torch.testing.assert_close(seen["textures"], torch.full_like(seen["textures"],
                                                                         math.tanh(1.0)))
            assert seen["textures"].shape == (1, 1538, 3)
        assert (seen["lights"] is None) == ("lights" not in requires)
    else:
        assert seen is None


def test_unknown_require_names_are_refused():
    with pytest.raises(ModelConfigError, match="unknown requires"):
        build_model(["joints", "mesh"], renderer=None)
    assert "textures" in config_names.REQUIRE_NAMES


def test_build_choices_and_errors(mano_sized_hand):
    lit = build_model(["joints", "lights", "textures"], hand_model=mano_sized_hand)
    unlit = build_model(["joints"], hand_model=mano_sized_hand)
    hm = build_model(["heatmaps"])
    assert lit.renderer.background_color == (1.0, 1.0, 1.0)
    assert unlit.renderer.background_color == (0.0, 0.0, 0.0)
    assert unlit.texture_light_from_low is not None  # always built with the 3D branch (§1.3)
    assert hm.encoder is None and hm.hand_decoder is None and hm.rgb2hm is not None
    open_sized = build_model(["joints"], hand_model=random_hand_model(num_faces=900))
    assert open_sized.texture_light_from_low.texture_reg[2].out_features == 2700
    with pytest.raises(ModelConfigError, match="got the string 'joints'"):
        build_model("joints", hand_model=mano_sized_hand)
    with pytest.raises(ModelConfigError, match="unknown requires \\['mesh'\\]"):
        build_model(["joints", "mesh"], hand_model=mano_sized_hand)
    with pytest.raises(ModelConfigError, match="textures/lights come from the 3D branch"):
        build_model(["heatmaps", "textures"])
    with pytest.raises(ModelConfigError, match="image_size 224"):
        build_model(["joints"], hand_model=mano_sized_hand, image_size=256)
    images, Ks = _inputs(1)
    with pytest.raises(ModelInputError, match="2D branch \\(rgb2hm\\) was not built"):
        unlit(images, Ks, ["heatmaps"])
    with pytest.raises(ModelInputError, match="3D branch"):
        hm(images, Ks, ["joints"])
    with pytest.raises(ModelInputError, match="images must have shape \\(B,3,224,224\\)"):
        unlit(images[..., :200], Ks, ["joints"])
    with pytest.raises(ModelInputError, match="intrinsics must have shape \\(1,3,3\\)"):
        unlit(images, Ks[:, :2], ["joints"])
