"""``ManoLayer``: a batched, differentiable MANO-format hand layer (thin module over lbs.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from s2hand.hand.hand_model import HandModel, load_hand_model
from s2hand.hand.joint_orders import FROM_HO3D, JOINT_ORDERS, MANO_LEVELS
from s2hand.hand.lbs import axis_angle_lbs

NUM_HAND_POSE = 45
LEVEL_SIZES = tuple(len(level) for level in MANO_LEVELS)


def factor_low_rank(matrix: np.ndarray, rel_tol: float = 1e-10,
                    max_fraction: float = 0.5) -> tuple[np.ndarray | None, np.ndarray]:
    """Exact factorisation ``matrix = basis @ factor`` when its rank is low.

    Returns ``(basis (M, R), factor (R, N))`` if the numerical rank R (singular values above
    ``rel_tol`` times the largest) is at most ``max_fraction * M``, else ``(None, matrix)``.
    OpenHand's pose correctives have rank 15 of 135; MANO's are full rank.
    """
    u, sing, vt = np.linalg.svd(matrix, full_matrices=False)
    rank = int((sing > rel_tol * max(sing[0], 1e-300)).sum()) if sing.size else 0
    if rank > max_fraction * matrix.shape[0]:
        return None, matrix
    rank = max(rank, 1)
    return u[:, :rank] * sing[:rank], vt[:rank]


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
        # Internally joints are in level order (root, then the 5 finger bases, ...), so that
        # forward kinematics works on contiguous slices; ``_joint_index[order]`` picks the 16
        # joints + 5 tips of a public order from (level-ordered joints, tips).
        level = [j for lev in MANO_LEVELS for j in lev]
        self._level = level
        position = {joint: k for k, joint in enumerate(level)}
        ho3d = [position[j] for j in range(16)] + list(range(16, 21))
        self._joint_index = {name: [ho3d[i] for i in FROM_HO3D[name]] for name in JOINT_ORDERS}

        def buf(name: str, array: np.ndarray) -> None:
            self.register_buffer(name, torch.as_tensor(np.asarray(array), dtype=dtype))

        n, num_betas = model.num_vertices, model.num_betas
        jreg = model.J_regressor[level]
        # Vertex arrays component-major: (..., 3, V) flattened.
        posedirs = model.posedirs[:, :, :].reshape(n, 3, 15, 9)[:, :, [j - 1 for j in level[1:]]]
        posedirs = posedirs.transpose(2, 3, 1, 0).reshape(135, 3 * n)
        pose_basis, posedirs = factor_low_rank(posedirs)
        buf("v_template", model.v_template.T.reshape(-1))
        buf("shapedirs", model.shapedirs.transpose(2, 1, 0).reshape(num_betas, 3 * n))
        buf("posedirs", posedirs)
        if pose_basis is not None:
            buf("pose_basis", pose_basis)
        else:
            self.pose_basis = None
        buf("j_template", jreg @ model.v_template)
        buf("j_shapedirs", np.einsum("jv,vcs->sjc", jreg, model.shapedirs)
            .reshape(num_betas, -1))
        buf("weights_t", model.weights[:, level].T)
        buf("hand_components", model.hands_components[: self.num_pca_comps])
        hand_mean = np.zeros(NUM_HAND_POSE) if flat_hand_mean else model.hands_mean
        buf("hand_mean", hand_mean)
        self.register_buffer("faces", torch.as_tensor(model.faces, dtype=torch.long))
        self.register_buffer("tip_ids", torch.as_tensor(model.tip_ids, dtype=torch.long))

    @property
    def num_vertices(self) -> int:
        return int(self.weights_t.shape[1])

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

    pose_basis: torch.Tensor | None

    def pose_hand(self, full_pose: torch.Tensor, betas: torch.Tensor,
                  joint_order: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Pose from a full local pose (no translation).

        Args:
            full_pose: ``(B, 16, 3)`` in MANO joint order; betas: ``(B, S')`` with
                ``S' <= S`` (missing betas are zero).
            joint_order: order of the returned joints (default: the layer's).
        Returns:
            ``(vertices (B, V, 3), joints (B, 21, 3))``.
        """
        if betas.ndim != 2 or betas.shape[1] > self.num_betas:
            raise ValueError(f"ManoLayer: betas must have shape (B, <={self.num_betas}), got "
                             f"{tuple(betas.shape)}")
        num = betas.shape[1]
        vertices, joints = axis_angle_lbs(
            full_pose[:, self._level], betas, self.v_template, self.shapedirs[:num],
            self.posedirs, self.pose_basis, self.j_template, self.j_shapedirs[:num],
            self.weights_t, LEVEL_SIZES)
        joints = torch.cat([joints, vertices[:, :, self.tip_ids].transpose(1, 2)], dim=1)
        joints = joints[:, self._joint_index[joint_order or self.joint_order]]
        return vertices.transpose(1, 2), joints

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
        if transl is not None:
            vertices = vertices + transl.unsqueeze(1)
            joints = joints + transl.unsqueeze(1)
        return ManoOutput(vertices=vertices, joints=joints, full_pose=full_pose)

    def extra_repr(self) -> str:
        return (f"model={self.model_name!r}, side={self.side}, use_pca={self.use_pca}, "
                f"num_pca_comps={self.num_pca_comps}, flat_hand_mean={self.flat_hand_mean}, "
                f"joint_order={self.joint_order!r}, V={self.num_vertices}, F={self.num_faces}")
