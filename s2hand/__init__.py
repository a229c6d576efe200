"""s2hand: self-supervised 3D hand reconstruction (S2HAND, CVPR 2021) in PyTorch."""

__version__ = "0.1.0"
