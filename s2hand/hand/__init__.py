"""Hand models in MANO format (official MANO files without chumpy, OpenHand) and the MANO layer.

See docs/hand_model.md.
"""

from s2hand.hand.hand_model import (
    HandModel,
    HandModelError,
    default_hand_model_path,
    load_hand_model,
    save_hand_model,
)
from s2hand.hand.joint_orders import (
    FREI_BONES,
    FREI_PARENTS,
    FREI_TO_HO3D,
    FREI_TO_MANO,
    FREIHAND_JOINT_NAMES,
    HO3D_TO_FREI,
    HO3D_TO_MANO,
    MANO_JOINT_NAMES,
    MANO_PARENTS,
    MANO_TIP_IDS,
    MANO_TO_FREI,
    MANO_TO_HO3D,
    reorder,
)
from s2hand.hand.layer import ManoLayer, ManoOutput
from s2hand.hand.mano_pickle import UnsafePickleError
from s2hand.hand.mirror import mirror_axis_angle, mirror_model
from s2hand.hand.pose_bounds import TSA_AXIS_WEIGHTS, TSA_POSE_BOUNDS, bound_violation
from s2hand.hand.rotations import rodrigues
from s2hand.hand.s2hand_param import S2HandMano, s2hand_mano

__all__ = [
    "FREIHAND_JOINT_NAMES", "FREI_BONES", "FREI_PARENTS", "FREI_TO_HO3D", "FREI_TO_MANO",
    "HO3D_TO_FREI", "HO3D_TO_MANO", "MANO_JOINT_NAMES", "MANO_PARENTS", "MANO_TIP_IDS",
    "MANO_TO_FREI", "MANO_TO_HO3D", "TSA_AXIS_WEIGHTS", "TSA_POSE_BOUNDS",
    "HandModel", "HandModelError", "ManoLayer", "ManoOutput", "S2HandMano", "UnsafePickleError",
    "bound_violation",
    "default_hand_model_path", "load_hand_model", "mirror_axis_angle", "mirror_model",
    "reorder", "rodrigues", "s2hand_mano", "save_hand_model",
]
