"""The synthetic DeepHandMesh subject: the shipped open hand with a fixed identity deformation
and pose-dependent skin deformations that plain LBS cannot produce.

* Identity: every bone's local translation is scaled by ``1 + delta_j`` (``|delta_j| <=
  BONE_SCALE_RANGE``), i.e. a known skeleton corrective ``delta_j * t_j``; and a smooth
  skin offset along the bind normals (a thickness field of Gaussian bumps, ``<= 2 mm``).
* Pose (in bind space, before skinning, functions of the Euler angles):
  knuckle bulges on the back of the MCP and PIP joints growing with flexion; palm creases
  (skin pushed in on the palm side at the base of each flexed finger); a thenar bulge with the
  thumb's CMC rotation.

The subject is posed with DeepHandMesh's own formula (FK of the corrected skeleton, LBS with
the template's inverse bind matrices), so a DeepHandMesh with the right correctives can
represent it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from s2hand.hand.deephandmesh.hand_model import DHMHandModel
from s2hand.hand.deephandmesh.kinematics import PosedHand, pose_hand, refine_local_pose
from s2hand.hand.deephandmesh.skeleton import JOINT_NAMES, MCP_JOINTS
from s2hand.hand.normals import vertex_normals

BONE_SCALE_RANGE = 0.08
SKIN_BUMPS = 6
SKIN_BUMP_SIGMA_MM = 18.0
SKIN_OFFSET_MM = 2.0
KNUCKLE_MM = 3.0          # bulge at a flexion of 1 rad
CREASE_MM = 2.5
THENAR_MM = 2.5
JOINT_SIGMA_MM = 9.0
PIP_JOINTS = tuple(JOINT_NAMES.index(f"b_r_{f}2") for f in ("index", "middle", "ring", "pinky"))
THUMB_CMC = JOINT_NAMES.index("b_r_thumb1")


@dataclass(frozen=True)
class SyntheticSubject:
    """A hand model with its subject's identity and pose deformations (float64 numpy, mm).

    skeleton_corrective ``(J, 3)`` true offsets of the local bind translations (root: 0);
    skin_offsets ``(V, 3)`` identity skin offsets in bind space; normals ``(V, 3)`` bind
    normals; ``knuckle (V, K)``, ``crease (V, 4)``, ``thenar (V,)`` the per-vertex weights of the
    pose deformations (K = MCP + PIP joints).
    """

    hand: DHMHandModel
    skeleton_corrective: np.ndarray
    skin_offsets: np.ndarray
    normals: np.ndarray
    knuckle: np.ndarray
    crease: np.ndarray
    thenar: np.ndarray

    def bone_lengths(self, corrected: bool = True) -> np.ndarray:
        """``(J,)`` length of each joint's local translation (its bone from the parent)."""
        local = self.hand.local_pose[:, :3, 3] + (self.skeleton_corrective if corrected else 0)
        return np.linalg.norm(local, axis=1)

    def pose_offsets(self, euler: Tensor) -> Tensor:
        """``(B, J, 3)`` Euler angles -> ``(B, V, 3)`` bind-space pose deformations."""
        def t(a: np.ndarray) -> Tensor:
            return torch.as_tensor(a, dtype=euler.dtype, device=euler.device)

        flex = torch.relu(euler[:, list(MCP_JOINTS + PIP_JOINTS), 2])             # (B, K)
        mcp = torch.relu(euler[:, list(MCP_JOINTS), 2])                           # (B, 4)
        cmc = torch.linalg.vector_norm(euler[:, THUMB_CMC], dim=-1)               # (B,)
        amount = (KNUCKLE_MM * flex @ t(self.knuckle).T - CREASE_MM * mcp @ t(self.crease).T
                  + THENAR_MM * cmc[:, None] * t(self.thenar))                    # (B, V)
        return amount[..., None] * t(self.normals)

    def pose(self, euler: Tensor, root: Tensor) -> PosedHand:
        """Pose the subject: ``euler (B, J, 3)``, ``root (B, 4, 4)`` the root joint's global
        transform -> :class:`PosedHand` (world mm)."""
        def t(a: np.ndarray) -> Tensor:
            return torch.as_tensor(a, dtype=euler.dtype, device=euler.device)

        local = refine_local_pose(t(self.hand.local_pose), t(self.skeleton_corrective))
        vertices = t(self.hand.vertices + self.skin_offsets) + self.pose_offsets(euler)
        return pose_hand(euler, local, root, t(self.hand.global_pose_inv), vertices,
                         t(self.hand.skinning_weights), self.hand.tree)


def _gauss(points: np.ndarray, centre: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-np.sum((points - centre) ** 2, axis=-1) / (2 * sigma ** 2))


def make_subject(hand: DHMHandModel, identity_seed: int = 0) -> SyntheticSubject:
    """The subject of ``identity_seed`` (fixed and known: everything is a function of it)."""
    rng = np.random.default_rng([identity_seed, 1604])
    scale = rng.uniform(-BONE_SCALE_RANGE, BONE_SCALE_RANGE, hand.num_joints)
    scale[hand.root] = 0.0
    skeleton = scale[:, None] * hand.local_pose[:, :3, 3]
    verts = hand.vertices
    normals = vertex_normals(verts, hand.faces)
    centres = verts[rng.choice(len(verts), SKIN_BUMPS, replace=False)]
    field = sum(rng.normal() * _gauss(verts, c, SKIN_BUMP_SIGMA_MM) for c in centres)
    skin = SKIN_OFFSET_MM * np.tanh(field)[:, None] * normals
    glob = hand.global_pose
    knuckle = []
    for j in MCP_JOINTS + PIP_JOINTS:
        rel = verts - glob[j, :3, 3]
        # The joint frame's +y points to the palm: the back of the finger is local y < 0.
        back = np.clip(-(rel @ glob[j, :3, 1]) / np.maximum(np.linalg.norm(rel, axis=1), 1e-9),
                       0, 1)
        knuckle.append(_gauss(verts, glob[j, :3, 3], JOINT_SIGMA_MM) * back)
    palm_side = np.clip(normals @ glob[hand.root, :3, 1], 0, 1)     # wrist +y: the palm
    crease = np.stack([_gauss(verts, glob[j, :3, 3], JOINT_SIGMA_MM) * palm_side
                       for j in MCP_JOINTS], axis=1)
    thenar = (hand.segmentation == THUMB_CMC) * _gauss(verts, glob[THUMB_CMC, :3, 3], 20.0)
    return SyntheticSubject(hand, skeleton, skin, normals, np.stack(knuckle, axis=1), crease,
                            thenar.astype(np.float64))
