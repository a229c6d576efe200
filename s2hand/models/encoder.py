"""Image encoder: EfficientNet-b3 trunk with a pooled feature and a stride-4 tap (§2.3).

The original vendored ``efficientnet_pytorch`` 0.5.1 and edited its ``extract_features`` to also
return the output of MBConv block 4. We use the unmodified installed library and walk its blocks
ourselves, so the parameter names (``encoder._conv_stem.weight`` ...) are the original's.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from efficientnet_pytorch import EfficientNet
from torch import Tensor, nn

# Index of the MBConv block whose output is the low-level feature: the last block of stage 2
# (32 channels at stride 4 for b3).
LOW_FEATURE_BLOCK = 4
FEATURE_DIM = 1536
LOW_FEATURE_CHANNELS = 32


class EncoderWeightsError(ValueError):
    """An ImageNet weight file for the encoder is missing or does not fit EfficientNet-b3."""


class Encoder(nn.Module):
    """EfficientNet-b3 returning ``(features (B,1536), low_features (B,32,H/4,W/4))``.

    BatchNorm uses momentum 0.01 and eps 1e-3 (the b3 global parameters). Convolutions use
    "same" padding computed from the actual input size; at 224 px this equals the original's
    static padding (computed for 300 px in every block, which matches true "same" padding as long
    as every stage's input size is even, as it is at 224). The library's newer static padding
    computes per-stage sizes for 300 px and would shift two strided stages by one pixel.

    Args:
        pretrained_path: optional local file with an ImageNet ``state_dict`` for
            ``efficientnet-b3`` (the lukemelas release); the released S2HAND code trains from a
            random initialisation (§6 Q21), which is the default here.
        input_size: side the images are resized to first (None, the original: as given); the
            low-level feature is resized back to the stride-4 grid of the input images.
    """

    out_features = FEATURE_DIM
    low_channels = LOW_FEATURE_CHANNELS

    def __init__(self, pretrained_path: str | Path | None = None, input_size: int | None = None):
        super().__init__()
        self.input_size = input_size
        self.encoder = EfficientNet.from_name("efficientnet-b3", image_size=None)
        if pretrained_path is not None:
            load_imagenet_weights(self.encoder, pretrained_path)

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        """``images (B,3,H,W)`` in [0,1] (no ImageNet normalisation, as the original)."""
        net = self.encoder
        x = net._swish(net._bn0(net._conv_stem(resize_input(images, self.input_size))))
        low_features = None
        num_blocks = len(net._blocks)
        for idx, block in enumerate(net._blocks):
            rate = net._global_params.drop_connect_rate
            if rate:
                rate *= float(idx) / num_blocks
            x = block(x, drop_connect_rate=rate)
            if idx == LOW_FEATURE_BLOCK:
                low_features = low_to_input_grid(x, images)
        x = net._swish(net._bn1(net._conv_head(x)))
        # The original uses AvgPool2d(7) on the 7x7 map of a 224 input; a global mean is the same
        # there and keeps other input sizes working.
        features = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return features, low_features


def resize_input(images: Tensor, size: int | None) -> Tensor:
    """``images (B,3,H,W)`` resized (bilinear) to ``(B,3,size,size)``; unchanged for None."""
    if size is None or images.shape[-2:] == (size, size):
        return images
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False,
                         antialias=True)


def low_to_input_grid(low: Tensor, images: Tensor) -> Tensor:
    """The stride-4 feature ``low (B,C,h,w)`` on the stride-4 grid of ``images`` (B,3,H,W), i.e.
    ``(B,C,H/4,W/4)``; unchanged when the encoder ran at the input resolution."""
    grid = (images.shape[-2] // 4, images.shape[-1] // 4)
    if low.shape[-2:] == grid:
        return low
    return F.interpolate(low, size=grid, mode="bilinear", align_corners=False)


def load_imagenet_weights(net: EfficientNet, path: str | Path) -> None:
    """Load an EfficientNet-b3 ImageNet ``state_dict`` from a local file (``weights_only``)."""
    path = Path(path)
    if not path.is_file():
        raise EncoderWeightsError(
            f"encoder weight file {path} does not exist; expected a local copy of the "
            "efficientnet-b3 ImageNet state_dict (e.g. efficientnet-b3-5fb5a3c3.pth)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is reported the same way
        raise EncoderWeightsError(f"encoder weight file {path} could not be read safely: "
                                  f"{exc}") from exc
    if not isinstance(state, dict):
        raise EncoderWeightsError(f"encoder weight file {path} holds a {type(state).__name__}, "
                                  "expected a state_dict (dict of tensors)")
    if state and all(k.startswith("encoder.") for k in state):
        state = {k[len("encoder."):]: v for k, v in state.items()}
    own = net.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = sorted(k for k in set(own) & set(state) if tuple(own[k].shape) != tuple(state[k].shape))
    if missing or unexpected or wrong:
        raise EncoderWeightsError(
            f"encoder weight file {path} does not fit efficientnet-b3: "
            f"{len(missing)} missing keys {missing[:5]}, {len(unexpected)} unexpected keys "
            f"{unexpected[:5]}, {len(wrong)} keys with wrong shapes {wrong[:5]}")
    net.load_state_dict(state)
