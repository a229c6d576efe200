"""A small plain CNN encoder for CPU-sized runs (not in the original; ``encoder: "small-cnn"``).

Five stride-2 stages of two 3x3 convolution-BatchNorm-ReLU layers (32, 64, 128, 256, 256
channels) and a global average pool. At 128 px a whole training step of the 3D branch costs a
ninth of one with EfficientNet-b3 at 224 px on a CPU, and from a random initialisation it learns
the demo's articulation within minutes where b3 did not (docs/training.md); the README demo uses
it. Same interface as :class:`s2hand.models.encoder.Encoder`.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from .encoder import low_to_input_grid, resize_input

STAGE_CHANNELS = (32, 64, 128, 256, 256)
# The output of stage 2 (stride 4) is the low-level feature for the texture head.
LOW_FEATURE_STAGE = 1


def _stage(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class SmallConvEncoder(nn.Module):
    """``images (B,3,H,W)`` -> ``(features (B,256), low_features (B,64,H/4,W/4))``.

    Args:
        input_size: side the images are resized to before the convolutions (None: as given).
            The low-level feature is resized back to the stride-4 grid of the input images, so
            the texture head sees the same 56x56 grid as with EfficientNet-b3 at 224.
    """

    out_features = STAGE_CHANNELS[-1]
    low_channels = STAGE_CHANNELS[LOW_FEATURE_STAGE]

    def __init__(self, input_size: int | None = None):
        super().__init__()
        self.input_size = input_size
        channels = (3, *STAGE_CHANNELS)
        self.stages = nn.ModuleList(
            _stage(a, b) for a, b in zip(channels[:-1], channels[1:], strict=True))

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        x = resize_input(images, self.input_size)
        low_features = None
        for idx, stage in enumerate(self.stages):
            x = stage(x)
            if idx == LOW_FEATURE_STAGE:
                low_features = low_to_input_grid(x, images)
        return F.adaptive_avg_pool2d(x, 1).flatten(1), low_features
