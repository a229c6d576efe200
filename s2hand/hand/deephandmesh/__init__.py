"""DeepHandMesh's rigged hand model: the six hand-model files, the 22-joint skeleton, and the
posing maths (Euler FK + LBS) as pure functions. See docs/deephandmesh.md."""

from s2hand.hand.deephandmesh.errors import HandModelFileError
from s2hand.hand.deephandmesh.hand_model import (
    FILE_NAMES,
    DHMHandModel,
    default_dhm_hand_model_dir,
    load_dhm_hand_model,
    save_dhm_hand_model,
)
from s2hand.hand.deephandmesh.kinematics import (
    PosedHand,
    euler_to_matrix,
    forward_kinematics,
    kabsch,
    pose_hand,
    refine_local_pose,
    skin_vertices,
)
from s2hand.hand.deephandmesh.presets import PRESETS, preset_pose
from s2hand.hand.deephandmesh.skeleton import (
    ALIGN_JOINTS,
    JOINT_NAMES,
    NON_RIGID_JOINTS,
    NUM_JOINTS,
    ROOT_JOINT,
    KinematicTree,
    dof_from_name,
    dof_mask,
    kinematic_tree,
)

__all__ = [
    "ALIGN_JOINTS", "FILE_NAMES", "JOINT_NAMES", "NON_RIGID_JOINTS", "NUM_JOINTS", "PRESETS",
    "ROOT_JOINT", "DHMHandModel", "HandModelFileError", "KinematicTree", "PosedHand",
    "default_dhm_hand_model_dir", "dof_from_name", "dof_mask", "euler_to_matrix",
    "forward_kinematics", "kabsch", "kinematic_tree", "load_dhm_hand_model", "pose_hand",
    "preset_pose", "refine_local_pose", "save_dhm_hand_model", "skin_vertices",
]
