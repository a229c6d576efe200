"""Single source of truth for the names a config may use (s2hand.md §1.2, §3.2-3.3, §4).

Other packages import these sets instead of spelling names themselves: the loss registry must
equal ``LOSS_NAMES``, the dataset factory must accept every ``DATASET_NAMES`` entry, and so on.
"""

from __future__ import annotations

# Loss terms summed into the objective when listed in ``losses`` (§3.2 used by the shipped
# configs, §3.3 computed-but-unused in the original). ``loss_percep`` is left out on purpose:
# the original never produces its input.
SHIPPED_LOSS_NAMES = frozenset(
    {
        "tsa_poses",
        "open_2dj",
        "mscale",
        "open_bone_direc",
        "hm_integral",
        "kp_cons",
        "triangle",
        "mshape",
        "texture",
        "mtex",
        "mrgb",
    }
)
EXTRA_LOSS_NAMES = frozenset(
    {
        "hm_integral_gt",
        "joint_2d",
        "open_2dj_de",
        "joint_3d",
        "joint_3d_norm",
        "bone_direc",
        "scale",
        "sil",
        "ssim_tex",
        "ssim_tex_depth",
        "ssim_inrgb_depth",
    }
)
LOSS_NAMES = SHIPPED_LOSS_NAMES | EXTRA_LOSS_NAMES

# Weight option of each loss (§3.2-3.3). ``sil`` is unweighted in the original; ``lambda_sil``
# (default 1) is our addition so that every term has a weight key.
LOSS_WEIGHT_KEYS: dict[str, str] = {
    "tsa_poses": "lambda_pose",
    "open_2dj": "lambda_j2d",
    "mscale": "lambda_mscale",
    "open_bone_direc": "lambda_bone_direc",
    "hm_integral": "lambda_hm",
    "kp_cons": "lambda_kp_cons",
    "triangle": "lambda_laplacian",
    "mshape": "lambda_shape",
    "texture": "lambda_texture",
    "mtex": "lambda_tex_reg",
    "mrgb": "lambda_mrgb",
    "hm_integral_gt": "lambda_hm",
    "joint_2d": "lambda_j2d_gt",
    "open_2dj_de": "lambda_j2d_de",
    "joint_3d": "lambda_j3d",
    "joint_3d_norm": "lambda_j3d_norm",
    "bone_direc": "lambda_bone_direc",
    "scale": "lambda_scale",
    "sil": "lambda_sil",
    "ssim_tex": "lambda_ssim_tex",
    "ssim_tex_depth": "lambda_ssim_tex",
    "ssim_inrgb_depth": "lambda_ssim_tex",
}

# Dataset names of ``train_datasets`` / ``val_datasets`` (RHD, Obman and FHB are dead paths in
# the original, §4.6).
DATASET_NAMES = frozenset({"FreiHand", "HO3D"})

# Sub-networks / outputs of ``train_requires`` / ``test_requires`` (§1.3).
REQUIRE_NAMES = frozenset({"heatmaps", "joints", "verts", "textures", "lights"})

# Per-dataset query names (§4.2 FreiHAND, §4.3 HO3D).
FREIHAND_QUERY_NAMES = frozenset(
    {
        "images",
        "Ks",
        "scales",
        "manos",
        "joints",
        "verts",
        "open_2dj",
        "masks",
        "CRFmasks",
        "trans_images",
        "trans_Ks",
        "trans_open_2dj",
        "trans_joints",
        "trans_verts",
        "trans_masks",
        "trans_CRFmasks",
    }
)
# ``images``, ``Ks`` and ``joints`` are accepted for HO3D because the shipped configs list them
# (no-ops there: HO3D is always cropped, and GT joints come with every training sample). The
# original's unused ``base_masks``, ``base_depths``, ``trans_masks`` and ``trans_depth`` are
# not supported.
HO3D_QUERY_NAMES = frozenset(
    {
        "images",
        "Ks",
        "joints",
        "trans_images",
        "trans_Ks",
        "open_2dj",
        "trans_open_2dj",
        "trans_joints2d",
        "base_images",
    }
)
QUERY_NAMES = FREIHAND_QUERY_NAMES | HO3D_QUERY_NAMES
DATASET_QUERY_NAMES: dict[str, frozenset[str]] = {
    "FreiHand": FREIHAND_QUERY_NAMES,
    "HO3D": HO3D_QUERY_NAMES,
}

MODE_NAMES = frozenset({"training", "evaluation"})
# ``segm_train`` and ``2Dto3D`` exist only in the original's dead checkpoint code.
TASK_NAMES = frozenset({"train", "hm_train"})

# Model outputs each loss reads, as "all of" groups of ``train_requires`` entries; a group with
# several names means "any one of them". Used to reject configs whose loss could never be
# computed (the original silently drops such terms, §3.1).
_THREE_D = ("joints", "verts")
LOSS_REQUIRES: dict[str, tuple[tuple[str, ...], ...]] = {
    **{name: (_THREE_D,) for name in LOSS_NAMES},
    "hm_integral": (("heatmaps",),),
    "hm_integral_gt": (("heatmaps",),),
    "kp_cons": (("heatmaps",), _THREE_D),
    "mtex": (_THREE_D, ("textures",)),
}

# Losses that need OpenPose detections (a ``open_2dj`` or ``trans_open_2dj`` query).
DETECTION_LOSSES = frozenset({"open_2dj", "open_bone_direc", "hm_integral", "open_2dj_de"})
