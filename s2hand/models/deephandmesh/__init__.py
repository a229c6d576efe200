"""The DeepHandMesh network (Moon et al., ECCV 2020) and its checkpoints. See
docs/deephandmesh.md."""

from s2hand.models.deephandmesh.checkpoint import (
    DHMCheckpointError,
    load_dhm_checkpoint,
    save_dhm_checkpoint,
)
from s2hand.models.deephandmesh.model import DeepHandMesh, DHMOutput
from s2hand.models.deephandmesh.resnet import ResNetBackbone, load_torchvision_resnet

__all__ = ["DHMCheckpointError", "DHMOutput", "DeepHandMesh", "ResNetBackbone",
           "load_dhm_checkpoint", "load_torchvision_resnet", "save_dhm_checkpoint"]
