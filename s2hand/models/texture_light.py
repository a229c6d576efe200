"""Texture and light regressor on the encoder's low-level feature (§2.8, mode 'surf').

Keys match the original ``texture_light_from_low`` sub-dict (``base_layers.0.weight`` ...).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

NUM_LIGHT_PARAMS = 11
# Skin-tone offset added to the regressed per-face colours (the original's ``texture_mean``).
TEXTURE_MEAN = (200.0 / 256.0, 150.0 / 256.0, 150.0 / 256.0)
INIT_STD = 1e-3


class TextureLightHead(nn.Module):
    """``low_features (B,32,56,56)`` -> ``textures (B,F,3)`` (pre-tanh), ``lights (B,11)``.

    One RGB colour per face of the hand model (F = 1538 for MANO). The light vector is
    ``[Ia, Id, Ca(3), Cd(3), dir(3)]``, unconstrained (no sigmoid, direction not normalised),
    with the last layer's weights initialised around 1, all as the original (§6 Q8).

    Args:
        num_faces: number of faces of the hand model the textures are for.
        in_channels: channels of the low-level feature.
    """

    def __init__(self, num_faces: int, in_channels: int = 32):
        super().__init__()
        self.num_faces = int(num_faces)
        # 56 -> 13 (conv k10 s4 p1) -> 6 (pool 3 s2) -> 4 (conv k3) -> 2 (pool 2): 64*2*2 = 256.
        self.base_layers = nn.Sequential(
            nn.Conv2d(in_channels, 48, kernel_size=10, stride=4, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(48, 64, kernel_size=3), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.texture_reg = nn.Sequential(nn.Linear(256, 64), nn.ReLU(inplace=True),
                                         nn.Linear(64, self.num_faces * 3))
        self.light_reg = nn.Sequential(nn.Linear(256, 64), nn.ReLU(inplace=True),
                                       nn.Linear(64, NUM_LIGHT_PARAMS))
        # Not a checkpoint entry in the original (a plain attribute there).
        self.register_buffer("texture_mean", torch.tensor(TEXTURE_MEAN), persistent=False)
        self.reset_head_init()

    def reset_head_init(self) -> None:
        """The original's initialisation of the texture and light heads."""
        for layer, mean in ((self.texture_reg[0], 0.0), (self.texture_reg[2], 0.0),
                            (self.light_reg[0], 0.0), (self.light_reg[2], 1.0)):
            nn.init.normal_(layer.weight, mean, INIT_STD)
            nn.init.zeros_(layer.bias)

    def forward(self, low_features: Tensor) -> tuple[Tensor, Tensor]:
        x = self.base_layers(low_features).flatten(1)
        textures = self.texture_mean + self.texture_reg(x).view(-1, self.num_faces, 3)
        lights = self.light_reg(x)
        return textures, lights
