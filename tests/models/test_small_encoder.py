"""The small CNN encoder (``encoder: "small-cnn"``) and the encoder input resize: shapes, the
texture head's 56x56 grid, gradients, and the build/config wiring."""

import pytest
import torch

from s2hand.config import ConfigError, config_from_dict
from s2hand.models import build_model
from s2hand.models.build import ModelConfigError
from s2hand.models.encoder import Encoder, low_to_input_grid, resize_input
from s2hand.models.small_encoder import SmallConvEncoder


def test_small_encoder_shapes_and_gradients():
    torch.manual_seed(0)
    enc = SmallConvEncoder(input_size=128)
    images = torch.rand(2, 3, 224, 224)
    features, low = enc(images)
    assert features.shape == (2, enc.out_features)
    assert low.shape == (2, enc.low_channels, 56, 56)
    (features.sum() + low.sum()).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in enc.parameters())


def test_small_encoder_features_depend_on_the_image():
    torch.manual_seed(0)
    enc = SmallConvEncoder(input_size=64).eval()
    a, b = enc(torch.rand(2, 3, 224, 224))[0]
    assert not torch.allclose(a, b)


def test_resize_input_and_low_grid():
    images = torch.rand(1, 3, 224, 224)
    assert resize_input(images, None) is images
    assert resize_input(images, 224) is images
    assert resize_input(images, 128).shape == (1, 3, 128, 128)
    low = torch.rand(1, 8, 32, 32)
    assert low_to_input_grid(low, images).shape == (1, 8, 56, 56)
    same = torch.rand(1, 8, 56, 56)
    assert low_to_input_grid(same, images) is same


def test_efficientnet_input_size_keeps_the_56_grid():
    torch.manual_seed(0)
    features, low = Encoder(input_size=96).eval()(torch.rand(1, 3, 224, 224))
    assert features.shape == (1, 1536) and low.shape == (1, 32, 56, 56)


def test_build_model_with_small_cnn(mano_sized_hand):
    torch.manual_seed(0)
    model = build_model(["joints", "verts", "textures", "lights"], hand_model=mano_sized_hand,
                        renderer=None, encoder="small-cnn", encoder_input_size=96)
    assert isinstance(model.encoder, SmallConvEncoder)
    assert model.hand_decoder.hand_decode.base_layers[0].in_features == 256
    out = model(torch.rand(2, 3, 224, 224), torch.eye(3).expand(2, 3, 3) * 300,
                ["joints", "verts", "textures", "lights"])
    assert out.joints.shape == (2, 21, 3)
    assert out.texture_logits.shape == (2, 1538, 3) and out.lights.shape == (2, 11)


def test_build_model_rejects_bad_encoder_choices(mano_sized_hand, tmp_path):
    with pytest.raises(ModelConfigError, match="encoder must be one of"):
        build_model(["joints"], hand_model=mano_sized_hand, encoder="resnet50")
    with pytest.raises(ModelConfigError, match="ImageNet weights"):
        build_model(["joints"], hand_model=mano_sized_hand, encoder="small-cnn",
                    encoder_weights=tmp_path / "w.pth")


def test_encoder_config_keys():
    cfg = config_from_dict({"encoder": "small-cnn", "encoder_input_size": 128})
    assert (cfg.encoder, cfg.encoder_input_size) == ("small-cnn", 128)
    assert config_from_dict({}).encoder == "efficientnet-b3"
    with pytest.raises(ConfigError, match="encoder"):
        config_from_dict({"encoder": "vgg"})
    with pytest.raises(ConfigError, match="encoder_input_size"):
        config_from_dict({"encoder_input_size": 8})


def _parts():
    from s2hand.models import S2HandNet

    return S2HandNet.FILE_KEYS


def test_checkpoint_of_one_encoder_does_not_load_into_the_other(mano_sized_hand, tmp_path):
    from s2hand.engine.checkpoint import CheckpointError, CheckpointManager, load_parts

    small = build_model(["joints"], hand_model=mano_sized_hand, renderer=None,
                        encoder="small-cnn")
    path = CheckpointManager(tmp_path).save({"model": small.state_dict(), "epoch": 1}, True)
    again = build_model(["joints"], hand_model=mano_sized_hand, renderer=None,
                        encoder="small-cnn")
    assert "encoder" in load_parts(again, path, _parts())["loaded"]
    for name, p in small.encoder.state_dict().items():
        assert torch.equal(again.encoder.state_dict()[name], p)
    b3 = build_model(["joints"], hand_model=mano_sized_hand, renderer=None)
    with pytest.raises(CheckpointError, match='Encoder; a checkpoint trained with another config '
                                              'key "encoder"'):
        load_parts(b3, path, _parts())


def test_no_encoder_hint_when_the_model_has_no_encoder(tmp_path):
    from s2hand.engine.checkpoint import CheckpointError, load_parts

    hm_only = build_model(["heatmaps"])
    path = tmp_path / "encoder_only.t7"
    torch.save({"encoder": {}, "epoch": 1}, path)
    with pytest.raises(CheckpointError, match="holds none of the sub-networks") as err:
        load_parts(hm_only, path, {"encoder": "encoder"})
    assert "config key" not in str(err.value)
