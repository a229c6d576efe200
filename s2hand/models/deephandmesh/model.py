"""The DeepHandMesh network (deephandmesh.md §4-5, §9): image -> Euler angles -> corrected,
skinned mesh, plus ``decode(euler)`` for posing without an image (the original demo).

All hand-model arrays are non-persistent buffers (they come from the hand-model files, never
from a checkpoint); the state dict holds exactly the original's trained keys plus ``id_code``
and ``pose_net.DoF``. Device and dtype follow the module (``.to()``); inputs must match.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from s2hand.hand.deephandmesh.hand_model import DHMHandModel, load_dhm_hand_model
from s2hand.hand.deephandmesh.kinematics import (
    forward_kinematics,
    kabsch,
    pose_hand,
    refine_local_pose,
    rigid_to_homogeneous,
)
from s2hand.hand.deephandmesh.skeleton import ALIGN_JOINTS
from s2hand.models.deephandmesh.modules import (
    BackboneNet,
    PoseNet,
    SkeletonRefineNet,
    SkinRefineNet,
)

ID_CODE_DIM = 32
FEATURE_DIM = 512


@dataclass
class DHMOutput:
    """Everything the losses of training (part 2) need; mm throughout.

    joints ``(B, J, 3)``, mesh ``(B, V, 3)``: posed output (test/decode: wrist-local frame;
    train: the ground truth's frame via the Kabsch root). euler ``(B, J, 3)``.
    skeleton_corrective ``(J, 3)``; pose_corrective, id_corrective ``(B, V, 3)`` (bind space);
    local_pose_refined ``(J, 4, 4)``; root_transform ``(B, 4, 4)`` or ``(4, 4)``;
    global_transforms ``(B, J, 4, 4)`` (``G_posed``); skinning_transforms ``(B, J, 4, 4)``
    (``G_posed @ G_bind_inv``); global_pose_refined ``(J, 4, 4)`` the subject's bind skeleton
    (root from ``global_pose.txt``), computed in training mode only (else ``None``).
    """

    joints: Tensor
    mesh: Tensor
    euler: Tensor
    skeleton_corrective: Tensor
    pose_corrective: Tensor
    id_corrective: Tensor
    local_pose_refined: Tensor
    root_transform: Tensor
    global_transforms: Tensor
    skinning_transforms: Tensor
    global_pose_refined: Tensor | None = None


class DeepHandMesh(nn.Module):
    """DeepHandMesh on a hand model (a :class:`DHMHandModel`, a directory, or ``None`` for the
    shipped open model).

    Args:
        backbone: build the ResNet-50 image branch (``False`` for ``decode``-only use; such a
            model ignores ``backbone_net.*`` when loading a checkpoint).
        align_joints: joints of the Kabsch root in training (the original's palm joints).
        dtype: of the parameters and the hand-model buffers. Build with ``torch.float64`` for
            float64 work: ``.double()`` of a float32 model keeps the float32-rounded template.
        backbone_kind, backbone_input_size: see :class:`BackboneNet` (``"resnet50"``: the
            original).
    """

    def __init__(self, hand_model: DHMHandModel | str | Path | None = None,
                 backbone: bool = True, align_joints: tuple[int, ...] = ALIGN_JOINTS,
                 id_code_dim: int = ID_CODE_DIM, feat_dim: int = FEATURE_DIM,
                 dtype: torch.dtype = torch.float32, backbone_kind: str = "resnet50",
                 backbone_input_size: int | None = None) -> None:
        super().__init__()
        if not isinstance(hand_model, DHMHandModel):
            hand_model = load_dhm_hand_model(hand_model)
        self.hand_model = hand_model
        self.tree = hand_model.tree
        self.align_joints = tuple(align_joints)
        num_joints, num_vertices = hand_model.num_joints, hand_model.num_vertices
        # A fixed random input, saved in checkpoints (one per trained subject).
        self.register_buffer("id_code", torch.randn(id_code_dim))
        self.backbone_net = (BackboneNet(feat_dim, kind=backbone_kind,
                                         input_size=backbone_input_size)
                             if backbone else None)
        self.pose_net = PoseNet(torch.as_tensor(hand_model.dof), feat_dim)
        self.skeleton_refine_net = SkeletonRefineNet(num_joints, id_code_dim)
        self.skin_refine_net = SkinRefineNet(num_joints, num_vertices, id_code_dim)
        self.to(dtype)
        for name in ("vertices", "skinning_weights", "local_pose", "global_pose",
                     "global_pose_inv"):
            value = torch.as_tensor(getattr(hand_model, name), dtype=dtype)
            self.register_buffer(name, value, persistent=False)
        self.register_buffer("faces", torch.as_tensor(hand_model.faces), persistent=False)
        self.register_buffer("segmentation", torch.as_tensor(hand_model.segmentation),
                             persistent=False)

    @torch.no_grad()
    def zero_correctives_(self) -> DeepHandMesh:
        """Zero the last layer of the three corrective MLPs: plain skinning of the template."""
        for net in (self.skeleton_refine_net.fc_skeleton, self.skin_refine_net.fc_pose,
                    self.skin_refine_net.fc_id):
            net[-1].weight.zero_()
            net[-1].bias.zero_()
        return self

    def forward(self, img: Tensor, mode: str = "test",
                gt_joints: Tensor | None = None) -> DHMOutput:
        """``img (B, 3, 256, 256)`` in [0, 1] -> :class:`DHMOutput`.

        ``mode="train"`` needs ``gt_joints (B, J, 3)`` (mm; only ``align_joints`` are used):
        the root is the Kabsch fit of the refined bind joints to them. ``"test"``: identity
        root, as ``decode``.
        """
        if self.backbone_net is None:
            raise RuntimeError("this DeepHandMesh was built with backbone=False (decode only)")
        euler = self.pose_net(self.backbone_net(img))
        if mode == "test":
            return self.decode(euler)
        if mode != "train":
            raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
        if gt_joints is None or gt_joints.shape != euler.shape:
            raise ValueError(f"training mode needs gt_joints of shape {tuple(euler.shape)}, got "
                             f"{None if gt_joints is None else tuple(gt_joints.shape)}")
        return self._pose(euler, gt_joints)

    def pose_aligned(self, euler: Tensor, gt_joints: Tensor) -> DHMOutput:
        """Pose from given ``(B, J, 3)`` angles with the training root (the Kabsch fit to
        ``gt_joints (B, J, 3)``): e.g. ground-truth angles, to evaluate the hand model alone."""
        return self._pose(euler, gt_joints)

    def decode(self, euler: Tensor) -> DHMOutput:
        """Pose the model from ``(B, J, 3)`` Euler angles (radians, all 66 used, no DoF mask)
        with an identity root: outputs in the wrist-local frame, mm."""
        expected = (self.hand_model.num_joints, 3)
        if euler.dim() != 3 or tuple(euler.shape[1:]) != expected:
            raise ValueError(f"euler must have shape (B, {expected[0]}, 3), got "
                             f"{tuple(euler.shape)}")
        return self._pose(euler, None)

    def _pose(self, euler: Tensor, gt_joints: Tensor | None) -> DHMOutput:
        skeleton = self.skeleton_refine_net(self.id_code)
        local_refined = refine_local_pose(self.local_pose, skeleton)
        pose_corr, id_corr = self.skin_refine_net(euler.detach(), self.id_code)
        bind_refined = None
        if gt_joints is None:
            root = torch.eye(4, dtype=euler.dtype, device=euler.device)
        else:
            bind_refined = forward_kinematics(local_refined, self.global_pose[self.tree.root],
                                              self.tree)
            align = list(self.align_joints)
            rot, trans = kabsch(bind_refined[align, :3, 3], gt_joints[:, align])
            root = rigid_to_homogeneous(rot, trans) @ bind_refined[self.tree.root]
        vertices = self.vertices + pose_corr + id_corr
        posed = pose_hand(euler, local_refined, root, self.global_pose_inv, vertices,
                          self.skinning_weights, self.tree)
        return DHMOutput(joints=posed.joints, mesh=posed.vertices, euler=euler,
                         skeleton_corrective=skeleton, pose_corrective=pose_corr,
                         id_corrective=id_corr, local_pose_refined=local_refined,
                         root_transform=root, global_transforms=posed.global_transforms,
                         skinning_transforms=posed.skinning_transforms,
                         global_pose_refined=bind_refined)
