"""DeepHandMesh's sub-networks with the original's attribute names (deephandmesh.md §4-5).

Names match the released checkpoints (``backbone_net.resnet``, ``backbone_net.fc.0``,
``pose_net.fc.0/2``, ``pose_net.DoF``, ``skeleton_refine_net.fc_skeleton.0/2``,
``skin_refine_net.fc_pose.0/2`` and ``fc_id.0/2``). Linear layers are initialised N(0, 0.01),
bias 0, as the original's ``init_weights``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from s2hand.models.deephandmesh.resnet import ResNetBackbone
from s2hand.models.small_encoder import SmallConvEncoder

#: Image backbones of :class:`BackboneNet` (config key ``deephandmesh.backbone``).
BACKBONES = ("resnet50", "small-cnn")


def make_linear_layers(dims: list[int], relu_final: bool = True) -> nn.Sequential:
    """``Linear(+ReLU)`` stack; indices 0, 2, 4 ... are the Linear layers."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        linear = nn.Linear(a, b)
        nn.init.normal_(linear.weight, std=0.01)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(dims) - 2 or relu_final:
            layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class BackboneNet(nn.Module):
    """``(B, 3, H, W)`` in [0, 1] (no mean/std normalisation) -> ``(B, feat_dim)``:
    ResNet-50, global average pooling, ``Linear(2048, feat_dim) + ReLU``.

    ``kind="small-cnn"`` (not in the original; CPU-sized runs) puts s2hand's
    :class:`~s2hand.models.small_encoder.SmallConvEncoder` (optionally resizing to
    ``input_size``) in place of the ResNet, under the attribute ``encoder``.
    """

    def __init__(self, feat_dim: int = 512, depth: int = 50, kind: str = "resnet50",
                 input_size: int | None = None) -> None:
        super().__init__()
        if kind not in BACKBONES:
            raise ValueError(f"backbone must be one of {BACKBONES}, got {kind!r}")
        self.resnet = ResNetBackbone(depth) if kind == "resnet50" else None
        self.encoder = SmallConvEncoder(input_size) if kind == "small-cnn" else None
        channels = (self.resnet.out_channels if self.resnet is not None
                    else SmallConvEncoder.out_features)
        self.fc = make_linear_layers([channels, feat_dim])

    def forward(self, img: Tensor) -> Tensor:
        if self.resnet is not None:
            return self.fc(self.resnet(img).mean(dim=(2, 3)))
        return self.fc(self.encoder(img)[0])


class PoseNet(nn.Module):
    """``(B, feat_dim) -> (B, J, 3)`` Euler angles: MLP to ``sum(DoF)`` values, ``tanh * pi``,
    scattered into the DoF positions (row-major joint, then x/y/z); the others are zero."""

    def __init__(self, dof: Tensor, feat_dim: int = 512) -> None:
        super().__init__()
        self.register_buffer("DoF", dof.to(torch.float32).clone())
        self.dof_num = int(dof.sum())
        self.fc = make_linear_layers([feat_dim, feat_dim, self.dof_num], relu_final=False)

    def forward(self, feat: Tensor) -> Tensor:
        angles = torch.tanh(self.fc(feat)) * math.pi
        euler = angles.new_zeros(feat.shape[0], self.DoF.numel())
        euler[:, self.DoF.flatten() > 0] = angles
        return euler.reshape(feat.shape[0], *self.DoF.shape)


class SkeletonRefineNet(nn.Module):
    """Identity skeleton corrective: ``id_code (C,) -> (J, 3)`` translation offsets."""

    def __init__(self, num_joints: int, id_code_dim: int = 32) -> None:
        super().__init__()
        self.num_joints = num_joints
        self.fc_skeleton = make_linear_layers([id_code_dim, 64, num_joints * 3],
                                              relu_final=False)

    def forward(self, id_code: Tensor) -> Tensor:
        return self.fc_skeleton(id_code).reshape(self.num_joints, 3)


class SkinRefineNet(nn.Module):
    """Skin correctives in bind space: pose ``(B, J, 3)`` (detached by the caller) and the
    ``id_code (C,)`` -> ``(pose_corrective (B, V, 3), id_corrective (B, V, 3))``."""

    def __init__(self, num_joints: int, num_vertices: int, id_code_dim: int = 32) -> None:
        super().__init__()
        self.num_vertices = num_vertices
        self.fc_pose = make_linear_layers([num_joints * 3, 256, num_vertices * 3],
                                          relu_final=False)
        self.fc_id = make_linear_layers([id_code_dim, 256, num_vertices * 3], relu_final=False)

    def forward(self, euler: Tensor, id_code: Tensor) -> tuple[Tensor, Tensor]:
        batch = euler.shape[0]
        pose = self.fc_pose(euler.reshape(batch, -1)).reshape(batch, self.num_vertices, 3)
        ident = self.fc_id(id_code).reshape(1, self.num_vertices, 3).expand(batch, -1, -1)
        return pose, ident
