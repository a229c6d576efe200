"""The DeepHandMesh network (Moon et al., ECCV 2020). See docs/deephandmesh.md; its checkpoint
reader is :mod:`s2hand.methods.deephandmesh.checkpoint` (on the engine's machinery)."""

from s2hand.models.deephandmesh.model import DeepHandMesh, DHMOutput
from s2hand.models.deephandmesh.resnet import ResNetBackbone, load_torchvision_resnet

__all__ = ["DHMOutput", "DeepHandMesh", "ResNetBackbone", "load_torchvision_resnet"]
