"""``ManoLayer``: a batched, differentiable MANO-format hand layer (thin module over lbs.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from s2hand.hand.hand_model import HandModel, load_hand_model
from s2hand.hand.joint_orders import FROM_HO3D, JOINT_ORDERS, MANO_LEVELS, MANO_PARENTS
from s2hand.hand.lbs import axis_angle_lbs

NUM_HAND_POSE = 45


@dataclass
class ManoOutput:
    """Output of :class:`ManoLayer`.

    Attributes:
        vertices: ``(B, V, 3)`` metres. joints: ``(B, 21, 3)`` in the layer's ``joint_order``
            (16 kinematic joints + 5 tip vertices). full_pose: ``(B, 16, 3)`` local axis-angle
            actually applied (root first, hand mean included unless ``flat_hand_mean``).
    """

    vertices: torch.Tensor
    joints: torch.Tensor
    full_pose: torch.Tensor


class ManoLayer(nn.Module):
    """MANO-format hand layer (same maths as ``smplx.MANO``, batched by tree level).

    Args:
        model: a :class:`HandModel`, a path to a ``.pkl``/``.npz``, or ``None`` (OpenHand).
        use_pca: ``hand_pose`` holds PCA coefficients (``num_pca_comps`` of them, up to 45)
            instead of 45 axis-angle values. Unlike smplx, 45 components stay PCA coefficients.
        flat_hand_mean: if False, the model's ``hands_mean`` is added to the finger pose.
        joint_order: ``"freihand"`` (default), ``"mano"`` or ``"ho3d"``.
        side: only used when ``model`` is a path or ``None``.
        dtype: floating dtype of the buffers (the model arrays are float64; ``.to()`` also
            works but would round through float32 first).
    """

    faces: torch.Tensor

    def __init__(self, model: HandModel | str | Path | None = None, use_pca: bool = True,
                 num_pca_comps: int = 30, flat_hand_mean: bool = False,
                 joint_order: str = "freihand", side: str = "right",
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        if not isinstance(model, HandModel):
            model = load_hand_model(model, side=side)
        if joint_order not in JOINT_ORDERS:
            raise ValueError(f"ManoLayer: joint_order must be one of {JOINT_ORDERS}, "
                             f"got {joint_order!r}")
        if use_pca and not 1 <= num_pca_comps <= NUM_HAND_POSE:
            raise ValueError(f"ManoLayer: num_pca_comps must be in [1, 45], got {num_pca_comps}")
        self.model_name, self.side = model.name, model.side
        self.use_pca, self.flat_hand_mean, self.joint_order = use_pca, flat_hand_mean, joint_order
        self.num_pca_comps = num_pca_comps if use_pca else NUM_HAND_POSE
        self.num_betas = model.num_betas
        self._order = list(FROM_HO3D[joint_order])

        def buf(name: str, array: np.ndarray) -> None:
            self.register_buffer(name, torch.as_tensor(np.asarray(array), dtype=dtype))

        n = model.num_vertices
        shapedirs = model.shapedirs.transpose(2, 0, 1)                  # (S, V, 3)
        buf("v_template", model.v_template)
        buf("shapedirs", shapedirs.reshape(model.num_betas, n * 3))
        buf("posedirs", model.posedirs.reshape(n * 3, -1).T)            # (135, V*3)
        buf("j_template", model.J_regressor @ model.v_template)
        buf("j_shapedirs", np.einsum("jv,svc->sjc", model.J_regressor, shapedirs)
            .reshape(model.num_betas, -1))
        buf("weights", model.weights)
        buf("hand_components", model.hands_components[: self.num_pca_comps])
        hand_mean = np.zeros(NUM_HAND_POSE) if flat_hand_mean else model.hands_mean
        buf("hand_mean", hand_mean)
        self.register_buffer("faces", torch.as_tensor(model.faces, dtype=torch.long))
        self.register_buffer("tip_ids", torch.as_tensor(model.tip_ids, dtype=torch.long))

    @property
    def num_vertices(self) -> int:
        return int(self.v_template.shape[0])

    @property
    def num_faces(self) -> int:
        return int(self.faces.shape[0])

    def finger_pose(self, hand_pose: torch.Tensor) -> torch.Tensor:
        """Local axis-angle of the 15 finger joints: ``(B, P) -> (B, 45)`` (mean included)."""
        expected = self.num_pca_comps
        if hand_pose.ndim != 2 or hand_pose.shape[1] != expected:
            raise ValueError(f"ManoLayer: hand_pose must have shape (B, {expected}), got "
                             f"{tuple(hand_pose.shape)}")
        if self.use_pca:
            return torch.addmm(self.hand_mean.unsqueeze(0), hand_pose, self.hand_components)
        return hand_pose + self.hand_mean

    def pose_hand(self, full_pose: torch.Tensor,
                  betas: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pose from a full local pose; joints in HO3D order (16 kinematic + 5 tips).

        Args:
            full_pose: ``(B, 16, 3)``; betas: ``(B, S')`` with ``S' <= S`` (zero-padded).
        Returns:
            ``(vertices (B, V, 3), joints (B, 21, 3))``.
        """
        if betas.ndim != 2 or betas.shape[1] > self.num_betas:
            raise ValueError(f"ManoLayer: betas must have shape (B, <={self.num_betas}), got "
                             f"{tuple(betas.shape)}")
        num = betas.shape[1]
        vertices, joints = axis_angle_lbs(
            full_pose, betas, self.v_template, self.shapedirs[:num], self.posedirs,
            self.j_template, self.j_shapedirs[:num], self.weights, MANO_LEVELS, MANO_PARENTS)
        joints = torch.cat([joints, vertices[:, self.tip_ids]], dim=1)
        return vertices, joints

    def forward(self, global_orient: torch.Tensor, hand_pose: torch.Tensor,
                betas: torch.Tensor | None = None,
                transl: torch.Tensor | None = None) -> ManoOutput:
        """Pose the hand.

        Args:
            global_orient: ``(B, 3)`` root axis-angle (rotates about the wrist joint).
            hand_pose: ``(B, num_pca_comps)`` PCA coefficients, or ``(B, 45)`` axis-angle.
            betas: ``(B, S')`` shape coefficients (``None`` = mean shape).
            transl: ``(B, 3)`` translation added to everything, or ``None``.
        Returns:
            :class:`ManoOutput`.
        """
        batch = global_orient.shape[0]
        if global_orient.shape != (batch, 3):
            raise ValueError(f"ManoLayer: global_orient must have shape (B, 3), got "
                             f"{tuple(global_orient.shape)}")
        if betas is None:
            betas = global_orient.new_zeros(batch, self.num_betas)
        full_pose = torch.cat([global_orient, self.finger_pose(hand_pose)], dim=1)
        full_pose = full_pose.reshape(batch, 16, 3)
        vertices, joints = self.pose_hand(full_pose, betas)
        joints = joints[:, self._order]
        if transl is not None:
            vertices = vertices + transl.unsqueeze(1)
            joints = joints + transl.unsqueeze(1)
        return ManoOutput(vertices=vertices, joints=joints, full_pose=full_pose)

    def extra_repr(self) -> str:
        return (f"model={self.model_name!r}, side={self.side}, use_pca={self.use_pca}, "
                f"num_pca_comps={self.num_pca_comps}, flat_hand_mean={self.flat_hand_mean}, "
                f"joint_order={self.joint_order!r}, V={self.num_vertices}, F={self.num_faces}")
