"""Sub-networks on their own: encoder padding/taps, decoder and texture-head initialisation,
hourglass shapes, integral keypoints, and which parameters receive gradients."""

from __future__ import annotations

import pytest
import torch
from efficientnet_pytorch.utils import Conv2dStaticSamePadding

from s2hand.hand import ManoLayer
from s2hand.models.encoder import Encoder, EncoderWeightsError
from s2hand.models.hand_decoder import HandDecoder
from s2hand.models.hourglass import HourglassNet
from s2hand.models.integral import integral_uv
from s2hand.models.texture_light import TEXTURE_MEAN, TextureLightHead


def test_encoder_outputs_bn_and_gradients():
    torch.manual_seed(0)
    encoder = Encoder().train()
    bn = encoder.encoder._blocks[3]._bn1
    assert abs(bn.momentum - 0.01) < 1e-9 and bn.eps == 1e-3
    # Dynamic "same" padding works at any size; 64 px keeps the test fast.
    features, low = encoder(torch.rand(2, 3, 64, 64))
    assert features.shape == (2, 1536) and low.shape == (2, 32, 16, 16)
    (features.sum() + low.sum()).backward()
    net = encoder.encoder
    assert net._conv_stem.weight.grad.abs().sum() > 0
    assert net._conv_head.weight.grad is not None
    assert net._fc.weight.grad is None  # the classifier is kept for the keys, never used


def test_encoder_padding_equals_original_static_300_padding():
    """The original (efficientnet_pytorch 0.5.1) padded every block as for a 300 px input; at
    224 px that equals our dynamic padding for each strided convolution."""
    torch.manual_seed(0)
    net = Encoder().encoder
    size = 112  # after the stride-2 stem
    for block in net._blocks:
        conv = block._depthwise_conv
        if conv.stride[0] == 2:
            original = Conv2dStaticSamePadding(conv.in_channels, conv.out_channels,
                                               conv.kernel_size[0], stride=2,
                                               groups=conv.groups, bias=False, image_size=300)
            original.weight.data.copy_(conv.weight.data)
            x = torch.randn(1, conv.in_channels, size, size)
            assert torch.allclose(conv(x), original(x), atol=1e-6), conv.kernel_size
            size //= 2
    assert size == 7


def test_decoder_init_and_mean_shape(mano_sized_hand):
    torch.manual_seed(0)
    layer = ManoLayer(mano_sized_hand)
    decoder = HandDecoder(layer, use_mean_shape=True).train()
    out = decoder(torch.randn(4, 1536))
    assert torch.allclose(out.scale, torch.full((4, 1), 0.95), atol=1e-2)
    assert torch.allclose(out.translation, torch.tensor([[0.0, 0.0, 0.65]]).expand(4, 3),
                          atol=1e-2)
    assert out.joints.shape == (4, 21, 3) and out.vertices.shape == (4, 778, 3)
    assert out.faces.shape == (1538, 3) and out.tsa_poses.shape == (4, 16, 3)
    assert torch.count_nonzero(out.betas) == 0
    (out.joints.sum() + out.vertices.sum()).backward()
    regressor = decoder.hand_decode
    for head in ("pose_reg", "trans_reg", "rot_reg", "scale_reg", "base_layers"):
        assert getattr(regressor, head)[0].weight.grad.abs().sum() > 0, head
    assert regressor.shape_reg[0].weight.grad is None  # betas are fixed to the mean shape

    free = HandDecoder(layer, use_mean_shape=False)
    free.load_state_dict(decoder.state_dict())
    out_free = free.eval()(torch.randn(2, 1536))
    assert torch.count_nonzero(out_free.betas) > 0
    out_free.vertices.sum().backward()
    assert free.hand_decode.shape_reg[0].weight.grad.abs().sum() > 0


def test_texture_light_head_init_and_size():
    torch.manual_seed(0)
    head = TextureLightHead(num_faces=1538)
    textures, lights = head(torch.rand(3, 32, 56, 56))
    assert textures.shape == (3, 1538, 3) and lights.shape == (3, 11)
    assert torch.allclose(textures, torch.tensor(TEXTURE_MEAN).expand(3, 1538, 3), atol=1e-3)
    assert "texture_mean" not in head.state_dict()
    # Last light layer ~N(1, 1e-3) on ReLU features: every light value starts >= 0.
    assert torch.allclose(head.light_reg[2].weight.mean(), torch.tensor(1.0), atol=1e-3)
    assert (lights >= 0).all()
    (textures.sum() + lights.sum()).backward()
    assert head.texture_reg[2].weight.grad.abs().sum() > 0
    assert head.light_reg[2].weight.grad.abs().sum() > 0
    assert head.base_layers[0].weight.grad is not None


def test_hourglass_shapes_and_gradients():
    torch.manual_seed(0)
    net = HourglassNet(num_joints=5, num_stacks=2, num_modules=1, num_feats=32,
                       hourglass_depth=2)
    heatmaps, encoding = net(torch.rand(2, 3, 64, 64))
    assert [h.shape for h in heatmaps] == [(2, 5, 16, 16)] * 2
    assert [e.shape for e in encoding] == [(2, 32, 16, 16)] * 2
    heatmaps[-1].sum().backward()
    assert net.conv1_.weight.grad.abs().sum() > 0
    assert net.tmpOut_[0].weight.grad.abs().sum() > 0  # the second stack sees the first


def _reference_integral(heatmaps: torch.Tensor, size: int) -> torch.Tensor:
    up = torch.nn.functional.interpolate(heatmaps, size=(size, size), mode="bilinear",
                                         align_corners=True)
    b, j = up.shape[:2]
    prob = torch.softmax(up.reshape(b, j, -1), dim=-1).reshape(b, j, size, size)
    rows, cols = torch.meshgrid(torch.arange(float(size)), torch.arange(float(size)),
                                indexing="ij")
    u = (prob * cols).sum(dim=(2, 3))
    v = (prob * rows).sum(dim=(2, 3))
    return torch.stack((u, v), dim=-1)


def test_integral_keypoints():
    torch.manual_seed(0)
    maps = torch.randn(2, 3, 8, 8)
    assert torch.allclose(integral_uv(maps, (16, 16)), _reference_integral(maps, 16), atol=1e-4)
    # Uniform map: centre of the pixel-index range; a sharp peak at grid corner (row 0, col 63)
    # lands on pixel index (255, 0) of the 256 frame (align_corners upsampling).
    flat = integral_uv(torch.zeros(1, 1, 64, 64))
    assert torch.allclose(flat, torch.tensor([[[127.5, 127.5]]]))
    peak = torch.zeros(1, 1, 64, 64)
    peak[0, 0, 0, 63] = 200.0
    assert torch.allclose(integral_uv(peak), torch.tensor([[[255.0, 0.0]]]), atol=1e-3)


def test_encoder_imagenet_weights_from_local_file(tmp_path):
    torch.manual_seed(0)
    source = Encoder().encoder
    path = tmp_path / "efficientnet-b3.pth"
    torch.save(source.state_dict(), path)
    loaded = Encoder(pretrained_path=path).encoder
    assert torch.equal(loaded._conv_head.weight, source._conv_head.weight)
    broken = dict(source.state_dict())
    broken.pop("_bn1.bias")
    torch.save(broken, path)
    with pytest.raises(EncoderWeightsError, match=r"1 missing keys \['_bn1.bias'\]"):
        Encoder(pretrained_path=path)
    with pytest.raises(EncoderWeightsError, match="does not exist"):
        Encoder(pretrained_path=tmp_path / "absent.pth")
