"""S2HAND loss terms (spec §3): one pure function per term, the torch-free table of terms
(:mod:`s2hand.losses.terms`) and the registry that evaluates them by config name.

See docs/losses.md for every formula, weight and deviation from the original. Names are
imported on first use, so that the configuration can read :mod:`s2hand.losses.terms` without
importing torch.
"""

from __future__ import annotations

from s2hand.lazy_exports import lazy_exports

_EXPORTS = {
    "_checks": ("LossInputError", "weighted_mean"),
    "appearance": ("mean_rgb_loss", "photometric_loss", "silhouette_loss",
                   "texture_outlier_loss"),
    "bones": ("bone_direction_loss",),
    "geometry": ("project_points",),
    "joints3d": ("MEAN_SCALE_M", "joint_3d_loss", "joint_3d_norm_loss", "mscale_loss",
                 "reference_bone_length", "scale_loss", "shape_loss"),
    "keypoints": ("OPEN_2DJ_JOINT_WEIGHTS", "hm_integral_loss", "joint_2d_loss", "kp_cons_loss",
                  "open_2dj_de_loss", "open_2dj_loss", "robust_rho"),
    "laplacian": ("apply_laplacian", "cotangent_laplacian", "cotangent_weights",
                  "triangle_loss"),
    "pose_prior": ("TSA_AXIS_WEIGHTS", "TSA_POSE_BOUNDS", "tsa_pose_bounds", "tsa_pose_loss"),
    "registry": ("LOSS_TERMS", "LossTerm", "computable_losses", "compute_losses", "total_loss"),
    "similarity": ("gaussian_window", "ssim", "ssim_inrgb_depth_loss", "ssim_tex_depth_loss",
             "ssim_tex_loss"),
    "terms": ("DEFAULT_WEIGHTS", "LOSS_NAMES", "TERMS", "TermSpec"),
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
