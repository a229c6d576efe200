"""2D keypoint branch: stacked hourglass producing 21 heat maps (§2.10).

Module names reproduce the original ``rgb2hm`` sub-dict (``net_hm.conv1_.weight``,
``net_hm.hourglass.0.low2.low2.low2.low2_.0.bn.weight`` ...), registered in the original order.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

NUM_JOINTS = 21


class Residual(nn.Module):
    """Pre-activation bottleneck: BN-ReLU-1x1(in->out/2)-BN-ReLU-3x3-BN-ReLU-1x1(->out) + skip.

    The skip is the identity, or a 1x1 convolution (``conv4``) of the raw input when the channel
    counts differ. ``(B,in,H,W) -> (B,out,H,W)``.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        mid = out_channels // 2
        self.bn = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, mid, kernel_size=1)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, out_channels, kernel_size=1)
        self.conv4 = (nn.Conv2d(in_channels, out_channels, kernel_size=1)
                      if in_channels != out_channels else None)

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv1(F.relu(self.bn(x)))
        out = self.conv2(F.relu(self.bn1(out)))
        out = self.conv3(F.relu(self.bn2(out)))
        skip = x if self.conv4 is None else self.conv4(x)
        return out + skip


def _residuals(num: int, channels: int) -> nn.ModuleList:
    return nn.ModuleList(Residual(channels, channels) for _ in range(num))


def _run(modules: nn.ModuleList, x: Tensor) -> Tensor:
    for module in modules:
        x = module(x)
    return x


class Hourglass(nn.Module):
    """Recursive hourglass of depth ``depth``: ``(B,C,H,W) -> (B,C,H,W)``, H and W divisible by
    ``2**depth``.

    Output = up branch (``up1_`` residuals at full resolution) + low branch (max-pool, ``low1_``,
    inner hourglass or ``low2_`` residuals at the bottom, ``low3_``, nearest x2 upsampling).
    """

    def __init__(self, depth: int, num_modules: int, channels: int):
        super().__init__()
        # Registration order (inner branch first) follows the original's state_dict order.
        if depth > 1:
            self.low2 = Hourglass(depth - 1, num_modules, channels)
        else:
            self.low2_ = _residuals(num_modules, channels)
        self.up1_ = _residuals(num_modules, channels)
        self.low1_ = _residuals(num_modules, channels)
        self.low3_ = _residuals(num_modules, channels)
        self.depth = depth

    def forward(self, x: Tensor) -> Tensor:
        up = _run(self.up1_, x)
        low = _run(self.low1_, F.max_pool2d(x, kernel_size=2, stride=2))
        low = self.low2(low) if self.depth > 1 else _run(self.low2_, low)
        low = _run(self.low3_, low)
        return up + F.interpolate(low, scale_factor=2, mode="nearest")


class HourglassNet(nn.Module):
    """Stacked hourglass network (the original ``Net_HM_HG``).

    ``(B,3,256,256) -> (heatmaps, encoding)``: ``heatmaps`` is one ``(B,J,64,64)`` logit map per
    stack; ``encoding`` is the features after each intermediate stack's merge followed by the
    last stack's ``lin_`` output, each ``(B,C,64,64)``.
    """

    def __init__(self, num_joints: int = NUM_JOINTS, num_stacks: int = 2, num_modules: int = 2,
                 num_feats: int = 256, hourglass_depth: int = 4):
        super().__init__()
        self.num_stacks = num_stacks
        self.num_modules = num_modules
        self.conv1_ = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3)
        self.bn1 = nn.BatchNorm2d(64)
        self.r1 = Residual(64, 128)
        self.r4 = Residual(128, 128)
        self.r5 = Residual(128, num_feats)
        self.hourglass = nn.ModuleList(
            Hourglass(hourglass_depth, num_modules, num_feats) for _ in range(num_stacks))
        self.Residual = _residuals(num_stacks * num_modules, num_feats)
        self.lin_ = nn.ModuleList(
            nn.Sequential(nn.Conv2d(num_feats, num_feats, kernel_size=1),
                          nn.BatchNorm2d(num_feats), nn.ReLU(inplace=True))
            for _ in range(num_stacks))
        self.tmpOut = nn.ModuleList(nn.Conv2d(num_feats, num_joints, kernel_size=1)
                                    for _ in range(num_stacks))
        self.ll_ = nn.ModuleList(nn.Conv2d(num_feats, num_feats, kernel_size=1)
                                 for _ in range(num_stacks - 1))
        self.tmpOut_ = nn.ModuleList(nn.Conv2d(num_joints, num_feats, kernel_size=1)
                                     for _ in range(num_stacks - 1))

    def forward(self, x: Tensor) -> tuple[list[Tensor], list[Tensor]]:
        x = F.relu(self.bn1(self.conv1_(x)))
        x = self.r1(x)
        x = F.max_pool2d(x, kernel_size=2, stride=2)
        x = self.r5(self.r4(x))
        heatmaps: list[Tensor] = []
        encoding: list[Tensor] = []
        for stack in range(self.num_stacks):
            ll = self.hourglass[stack](x)
            first = stack * self.num_modules
            ll = _run(self.Residual[first:first + self.num_modules], ll)
            ll = self.lin_[stack](ll)
            heatmap = self.tmpOut[stack](ll)
            heatmaps.append(heatmap)
            if stack < self.num_stacks - 1:
                x = x + self.ll_[stack](ll) + self.tmpOut_[stack](heatmap)
                encoding.append(x)
            else:
                encoding.append(ll)
        return heatmaps, encoding


class RGB2HM(nn.Module):
    """The original ``RGB2HM``: shifts the padded image by -0.5 and runs the hourglass.

    ``padded (B,3,256,256)`` in [0,1] (zero padding on the right/bottom) ->
    ``(heatmaps: 2 x (B,21,64,64), encoding)``.
    """

    def __init__(self, num_joints: int = NUM_JOINTS):
        super().__init__()
        self.net_hm = HourglassNet(num_joints, num_stacks=2, num_modules=2, num_feats=256)

    def forward(self, padded: Tensor) -> tuple[list[Tensor], list[Tensor]]:
        return self.net_hm(padded - 0.5)
