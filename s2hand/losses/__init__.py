"""S2HAND loss terms (spec §3): one pure function per term plus a registry by config name.

See docs/losses.md for every formula, weight and deviation from the original.
"""

from s2hand.losses._checks import LossInputError, weighted_mean
from s2hand.losses.appearance import (
    mean_rgb_loss,
    photometric_loss,
    silhouette_loss,
    texture_outlier_loss,
)
from s2hand.losses.bones import bone_direction_loss
from s2hand.losses.geometry import project_points
from s2hand.losses.joints3d import (
    MEAN_SCALE_M,
    joint_3d_loss,
    joint_3d_norm_loss,
    mscale_loss,
    reference_bone_length,
    scale_loss,
    shape_loss,
)
from s2hand.losses.keypoints import (
    OPEN_2DJ_JOINT_WEIGHTS,
    hm_integral_loss,
    joint_2d_loss,
    kp_cons_loss,
    open_2dj_de_loss,
    open_2dj_loss,
    robust_rho,
)
from s2hand.losses.laplacian import (
    apply_laplacian,
    cotangent_laplacian,
    cotangent_weights,
    triangle_loss,
)
from s2hand.losses.pose_prior import (
    TSA_AXIS_WEIGHTS,
    TSA_POSE_BOUNDS,
    tsa_pose_bounds,
    tsa_pose_loss,
)
from s2hand.losses.registry import (
    DEFAULT_WEIGHTS,
    LOSS_NAMES,
    LOSS_TERMS,
    LossTerm,
    computable_losses,
    compute_losses,
    nonfinite_terms,
    total_loss,
)
from s2hand.losses.ssim import (
    gaussian_window,
    ssim,
    ssim_inrgb_depth_loss,
    ssim_tex_depth_loss,
    ssim_tex_loss,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "LOSS_NAMES",
    "LOSS_TERMS",
    "MEAN_SCALE_M",
    "OPEN_2DJ_JOINT_WEIGHTS",
    "TSA_AXIS_WEIGHTS",
    "TSA_POSE_BOUNDS",
    "LossInputError",
    "LossTerm",
    "apply_laplacian",
    "bone_direction_loss",
    "computable_losses",
    "compute_losses",
    "cotangent_laplacian",
    "cotangent_weights",
    "gaussian_window",
    "hm_integral_loss",
    "joint_2d_loss",
    "joint_3d_loss",
    "joint_3d_norm_loss",
    "kp_cons_loss",
    "mean_rgb_loss",
    "mscale_loss",
    "nonfinite_terms",
    "open_2dj_de_loss",
    "open_2dj_loss",
    "photometric_loss",
    "project_points",
    "reference_bone_length",
    "robust_rho",
    "scale_loss",
    "shape_loss",
    "silhouette_loss",
    "ssim",
    "ssim_inrgb_depth_loss",
    "ssim_tex_depth_loss",
    "ssim_tex_loss",
    "texture_outlier_loss",
    "total_loss",
    "triangle_loss",
    "tsa_pose_bounds",
    "tsa_pose_loss",
    "weighted_mean",
]
