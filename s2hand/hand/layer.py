"""``ManoLayer``: a batched, differentiable MANO-format hand layer (thin module over lbs.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from s2hand.hand.hand_model import HandModel, load_hand_model
from s2hand.hand.joint_orders import FROM_HO3D, JOINT_ORDERS, MANO_LEVELS
from s2hand.hand.lbs import LBSBuffers, level_parents, mano_lbs, parent_difference
from s2hand.hand.lbs_grad import FusedManoLBS

NUM_HAND_POSE = 45
LEVEL_SIZES = tuple(len(level) for level in MANO_LEVELS)
# MANO joint index of each position in level order (root, finger bases, middles, ends).
LEVEL_ORDER = tuple(j for level in MANO_LEVELS for j in level)


def factor_low_rank(matrix: np.ndarray, rel_tol: float = 1e-16,
                    max_fraction: float = 0.5) -> tuple[np.ndarray | None, np.ndarray]:
    """Factorisation ``matrix ~= basis @ factor`` (to ~1e-8 relative) when its rank is low.

    Returns ``(basis (M, R), factor (R, N))`` if the rank R (eigenvalues of ``matrix @
    matrix.T`` above ``rel_tol`` times the largest) is at most ``max_fraction * M``, else
    ``(None, matrix)``. OpenHand's pose correctives have rank 15 of 135; MANO's are full rank.
    """
    eigval, eigvec = np.linalg.eigh(matrix @ matrix.T)
    keep = eigval > rel_tol * max(float(eigval[-1]), 1e-300)
    if keep.sum() > max_fraction * matrix.shape[0]:
        return None, matrix
    basis = eigvec[:, keep] if keep.any() else eigvec[:, -1:]
    return basis, basis.T @ matrix


def _joint_index(order: str) -> list[int]:
    """Indices into (16 level-ordered joints, 5 tips) giving the 21 joints of ``order``."""
    position = {joint: k for k, joint in enumerate(LEVEL_ORDER)}
    ho3d = [position[j] for j in range(16)] + list(range(16, 21))
    return [ho3d[i] for i in FROM_HO3D[order]]


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
        fused: compute the layer as one autograd node with a hand-written backward (fast,
            first-order gradients only); False builds a plain autograd graph.
    """

    faces: torch.Tensor
    pose_basis: torch.Tensor | None

    def __init__(self, model: HandModel | str | Path | None = None, use_pca: bool = True,
                 num_pca_comps: int = 30, flat_hand_mean: bool = False,
                 joint_order: str = "freihand", side: str = "right",
                 dtype: torch.dtype = torch.float32, fused: bool = True) -> None:
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
        self.num_betas, self.fused = model.num_betas, fused

        def buf(name: str, array: np.ndarray | list[int], kind: torch.dtype = dtype) -> None:
            self.register_buffer(name, torch.as_tensor(np.asarray(array), dtype=kind),
                                 persistent=False)

        # Internally joints are in level order (root, the 5 finger bases, ...) so that forward
        # kinematics works on contiguous slices, and vertex arrays are component-major.
        level = list(LEVEL_ORDER)
        n, num_betas = model.num_vertices, model.num_betas
        jreg = model.J_regressor[level]
        posedirs = model.posedirs.reshape(n, 3, 15, 9)[:, :, [j - 1 for j in level[1:]]]
        pose_basis, posedirs = factor_low_rank(posedirs.transpose(2, 3, 1, 0).reshape(135, -1))
        buf("v_template", model.v_template.T.reshape(-1))
        buf("shapedirs", model.shapedirs.transpose(2, 1, 0).reshape(num_betas, 3 * n))
        buf("posedirs", posedirs)
        if pose_basis is None:
            self.pose_basis = None
        else:
            buf("pose_basis", pose_basis)
        buf("j_template", jreg @ model.v_template)
        buf("j_shapedirs", np.einsum("jv,vcs->sjc", jreg, model.shapedirs).reshape(num_betas, -1))
        buf("weights_t", model.weights[:, level].T)
        buf("hand_components", model.hands_components[: self.num_pca_comps])
        buf("hand_mean", np.zeros(NUM_HAND_POSE) if flat_hand_mean else model.hands_mean)
        buf("level_index", level, torch.long)
        buf("level_inverse", np.argsort(level), torch.long)
        buf("parent_diff", parent_difference(LEVEL_SIZES).numpy())
        buf("parent_index", level_parents(LEVEL_SIZES), torch.long)
        for order in JOINT_ORDERS:
            index = _joint_index(order)
            buf(f"joint_index_{order}", index, torch.long)
            buf(f"joint_inverse_{order}", np.argsort(index), torch.long)
        buf("tip_ids", model.tip_ids, torch.long)
        self.register_buffer("faces", torch.as_tensor(model.faces, dtype=torch.long),
                             persistent=False)

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

    def pose_hand(self, full_pose: torch.Tensor, betas: torch.Tensor,
                  joint_order: str | None = None,
                  transl: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Pose from a full local pose.

        Args:
            full_pose: ``(B, 16, 3)`` in MANO joint order; betas: ``(B, S')`` with
                ``S' <= S`` (missing betas are zero).
            joint_order: order of the returned joints (default: the layer's).
            transl: ``(B, 3)`` added to vertices and joints, or ``None``.
        Returns:
            ``(vertices (B, V, 3), joints (B, 21, 3))``.
        """
        if betas.ndim != 2 or betas.shape[1] > self.num_betas:
            raise ValueError(f"ManoLayer: betas must have shape (B, <={self.num_betas}), got "
                             f"{tuple(betas.shape)}")
        if transl is not None and transl.shape != (full_pose.shape[0], 3):
            raise ValueError(f"ManoLayer: transl must have shape (B, 3), got "
                             f"{tuple(transl.shape)}")
        num = betas.shape[1]
        order = joint_order or self.joint_order
        bufs = LBSBuffers(
            self.v_template, self.shapedirs[:num], self.posedirs, self.pose_basis,
            self.j_template, self.j_shapedirs[:num], self.weights_t, self.tip_ids,
            getattr(self, f"joint_index_{order}"), getattr(self, f"joint_inverse_{order}"),
            self.parent_diff, self.parent_index, self.level_index, self.level_inverse,
            LEVEL_SIZES)
        if self.fused:
            return FusedManoLBS.apply(full_pose, betas, transl, bufs)
        return mano_lbs(full_pose, betas, transl, bufs)

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
        vertices, joints = self.pose_hand(full_pose, betas, transl=transl)
        return ManoOutput(vertices=vertices, joints=joints, full_pose=full_pose)

    def extra_repr(self) -> str:
        return (f"model={self.model_name!r}, side={self.side}, use_pca={self.use_pca}, "
                f"num_pca_comps={self.num_pca_comps}, flat_hand_mean={self.flat_hand_mean}, "
                f"joint_order={self.joint_order!r}, V={self.num_vertices}, F={self.num_faces}, "
                f"fused={self.fused}")
