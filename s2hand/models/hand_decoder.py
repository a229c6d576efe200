"""MANO parameter regressor and hand decoder (§2.4): 1536-d feature -> hand mesh and joints.

Module and parameter names follow the original (``hand_decode.base_layers.0.weight`` ...), so the
``decoder`` sub-dict of an original checkpoint loads one to one into :class:`HandDecoder`.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from s2hand.hand import ManoLayer, s2hand_mano

NUM_POSE_PCA = 30
NUM_BETAS = 10
# Initial head biases (§2.4): the untrained network puts the hand 0.65 m in front of the camera
# at scale 0.95, so that it projects into the image from the first step.
INIT_SCALE_BIAS = 0.95
INIT_DEPTH_BIAS = 0.65
INIT_STD = 1e-3


def _normal_init(layer: nn.Linear, mean: float, std: float, bias: float) -> None:
    nn.init.normal_(layer.weight, mean, std)
    nn.init.constant_(layer.bias, bias)


def _two_layer_head(in_features: int, out_features: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_features, 128), nn.ReLU(inplace=True),
                         nn.Linear(128, out_features))


def _three_layer_head(in_features: int, out_features: int) -> nn.Sequential:
    # No activation between the last two linears, as in the original.
    return nn.Sequential(nn.Linear(in_features, 128), nn.ReLU(inplace=True),
                         nn.Linear(128, 32), nn.Linear(32, out_features))


class PoseHandRegressor(nn.Module):
    """Trunk and heads of the original ``MyPoseHand``: feature -> (pose, shape, scale, trans, rot).

    Trunk Linear(in,1024)-BN-ReLU-Linear(1024,512)-BN-ReLU; heads on the 512-d trunk output.
    ``scale_reg`` and ``trans_reg`` use N(0,1e-3) weights with biases 0.95 (scale) and
    (0,0,0.65) (translation); every other layer keeps PyTorch's default initialisation.
    """

    def __init__(self, in_features: int = 1536):
        super().__init__()
        self.base_layers = nn.Sequential(
            nn.Linear(in_features, 1024), nn.BatchNorm1d(1024), nn.ReLU(inplace=True),
            nn.Linear(1024, 512), nn.BatchNorm1d(512), nn.ReLU(inplace=True))
        self.pose_reg = _two_layer_head(512, NUM_POSE_PCA)
        self.shape_reg = _two_layer_head(512, NUM_BETAS)
        self.trans_reg = _three_layer_head(512, 3)
        self.rot_reg = _three_layer_head(512, 3)
        self.scale_reg = _three_layer_head(512, 1)
        self.reset_head_init()

    def reset_head_init(self) -> None:
        """Apply the original's initialisation of the scale and translation heads."""
        for head, last_bias in ((self.scale_reg, INIT_SCALE_BIAS), (self.trans_reg, 0.0)):
            _normal_init(head[0], 0.0, INIT_STD, 0.0)
            _normal_init(head[2], 0.0, INIT_STD, 0.0)
            _normal_init(head[3], 0.0, INIT_STD, last_bias)
        with torch.no_grad():
            self.trans_reg[3].bias[2] = INIT_DEPTH_BIAS

    def forward(self, features: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        """``features (B,C)`` -> pose (B,30), shape (B,10), scale (B,1), trans (B,3), rot (B,3)."""
        x = self.base_layers(features)
        return (self.pose_reg(x), self.shape_reg(x), self.scale_reg(x), self.trans_reg(x),
                self.rot_reg(x))


class HandDecoderOutput(NamedTuple):
    """What the original ``MyHandDecoder`` returns, in the same order, with names.

    ``joints (B,21,3)`` FreiHAND order and ``vertices (B,V,3)`` in camera-frame metres,
    ``faces (F,3)`` long, ``pose_coeffs (B,30)`` (PCA pose), ``betas (B,10)`` (as fed to the
    hand model), ``scale (B,1)``, ``translation (B,3)``, ``global_rotation (B,3)`` (axis-angle),
    ``tsa_poses (B,16,3)``.
    """

    joints: Tensor
    vertices: Tensor
    faces: Tensor
    pose_coeffs: Tensor
    betas: Tensor
    scale: Tensor
    translation: Tensor
    global_rotation: Tensor
    tsa_poses: Tensor


class HandDecoder(nn.Module):
    """Regressor plus hand model: ``features (B,C)`` -> :class:`HandDecoderOutput`.

    Args:
        mano_layer: a PCA-pose :class:`s2hand.hand.ManoLayer` (30 components, mean pose added).
        in_features: feature size (1536 for EfficientNet-b3).
        use_mean_shape: as the original's default (§6 Q1): the shape head is evaluated but betas
            fed to the hand model, and returned as ``betas``, are zeros. ``False`` uses the
            regressed betas, as the paper describes.
    """

    def __init__(self, mano_layer: ManoLayer, in_features: int = 1536, use_mean_shape: bool = True):
        super().__init__()
        self.hand_decode = PoseHandRegressor(in_features)
        self.mano_layer = mano_layer
        self.use_mean_shape = use_mean_shape

    def forward(self, features: Tensor) -> HandDecoderOutput:
        pose, shape, scale, trans, rot = self.hand_decode(features)
        if self.use_mean_shape:
            shape = torch.zeros_like(shape)
        hand = s2hand_mano(self.mano_layer, rot, pose, shape, scale, trans)
        return HandDecoderOutput(hand.joints, hand.vertices, self.mano_layer.faces, pose, shape,
                                 scale, trans, rot, hand.tsa_poses)
