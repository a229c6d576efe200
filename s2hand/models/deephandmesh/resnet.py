"""ResNet-50 feature extractor with torchvision's parameter names (torchvision is not needed).

``conv1``/``bn1``/``relu``/``maxpool``, ``layer1``..``layer4`` of ``Bottleneck`` blocks (stride
on the 3x3 conv, ``downsample.0``/``.1``), no ``fc``: a torchvision ``resnet50`` state dict
loads after dropping ``fc.*`` (:func:`load_torchvision_resnet`). Output ``(B, 2048, H/32,
W/32)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
from torch import Tensor, nn

LAYERS = {50: (3, 4, 6, 3)}
EXPANSION = 4


class Bottleneck(nn.Module):
    def __init__(self, in_channels: int, width: int, stride: int = 1) -> None:
        super().__init__()
        out = width * EXPANSION
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_channels != out:
            self.downsample = nn.Sequential(nn.Conv2d(in_channels, out, 1, stride=stride,
                                                      bias=False), nn.BatchNorm2d(out))

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        return self.relu(self.bn3(self.conv3(y)) + identity)


class ResNetBackbone(nn.Module):
    """ResNet trunk without pooling or ``fc``: ``(B, 3, H, W) -> (B, 2048, H/32, W/32)``.

    Initialised as the original (deephandmesh.md §4, §5.7): convs N(0, 0.001), BN (1, 0).
    """

    def __init__(self, depth: int = 50) -> None:
        super().__init__()
        if depth not in LAYERS:
            raise ValueError(f"ResNet depth {depth} is not supported (only {sorted(LAYERS)})")
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        channels = 64
        for i, (blocks, width) in enumerate(zip(LAYERS[depth], (64, 128, 256, 512),
                                                strict=True)):
            layer = []
            for b in range(blocks):
                layer.append(Bottleneck(channels, width, stride=2 if b == 0 and i > 0 else 1))
                channels = width * EXPANSION
            setattr(self, f"layer{i + 1}", nn.Sequential(*layer))
        self.out_channels = channels
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.001)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


def load_torchvision_resnet(backbone: ResNetBackbone,
                            state: Mapping[str, Tensor] | str | Path) -> list[str]:
    """Load a torchvision ``resnet50`` state dict (or a local ``.pth`` file of one, read with
    ``weights_only=True``) into ``backbone``; ``fc.*`` is dropped. Returns the dropped keys.

    Raises ``ValueError`` naming missing/unexpected keys and mismatched shapes.
    """
    source = "state dict"
    if isinstance(state, (str, Path)):
        source = str(state)
        state = torch.load(state, map_location="cpu", weights_only=True)
    dropped = [k for k in state if k.startswith("fc.")]
    state = {k: v for k, v in state.items() if not k.startswith("fc.")}
    own = backbone.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = [f"{k} {tuple(state[k].shape)} (expected {tuple(own[k].shape)})"
              for k in own if k in state and state[k].shape != own[k].shape]
    if missing or unexpected or shapes:
        raise ValueError(f"{source} is not a torchvision ResNet-50 state dict: "
                         f"missing {missing[:6]}, unexpected {unexpected[:6]}, "
                         f"wrong shapes {shapes[:6]}")
    backbone.load_state_dict(state)
    return dropped
