"""The table of loss terms (spec §3.2-3.3): the one place a term is declared. No torch here.

Everything else derives from :data:`TERMS`: the config's loss names, its ``lambda_*`` keys with
their defaults and descriptions (:mod:`s2hand.config.schema`), the cross-key checks (which
``train_requires`` a term needs, whether it reads the 2D detections) and the registry that
evaluates the terms (:mod:`s2hand.losses.registry`).

To add a term: write its function (pure, on tensors) in a module of :mod:`s2hand.losses` and add
one row here naming the function and its arguments in order. An argument is ``out.<field>`` (a
network-output field; ``out.<field>[-1]`` takes the last entry of a per-stack list) or
``batch.<key>`` (a key of the normalised batch).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# train_requires groups an output field needs ("all of" groups, each "any one of"): most fields
# come from the 3D branch, built by "joints" or "verts" (§1.3).
THREE_D = ("joints", "verts")
_FIELD_REQUIRES: dict[str, tuple[tuple[str, ...], ...]] = {
    "heatmap_joints_2d": (("heatmaps",),),
    "texture_logits": (THREE_D, ("textures",)),
}
# Batch keys that only exist when the dataset is queried for its 2D detections.
_DETECTION_KEYS = frozenset({"detections"})


@dataclass(frozen=True)
class TermSpec:
    """One loss term.

    Attributes:
        name: config name (an entry of ``losses``).
        function: ``"<module>.<function>"`` in :mod:`s2hand.losses` computing the unweighted
            0-dim value.
        inputs: the function's positional arguments, ``out.<field>`` or ``batch.<key>``.
        weight_key: config key of its weight (several terms may share one).
        default_weight: the original's default for ``weight_key``.
        shipped: used by the original's shipped configs (§3.2) rather than computed-but-unused
            (§3.3).
        note: extra words for the weight key's description.
    """

    name: str
    function: str
    inputs: tuple[str, ...]
    weight_key: str
    default_weight: float
    shipped: bool = True
    note: str = ""

    @property
    def output_fields(self) -> tuple[str, ...]:
        """Network-output fields the term reads."""
        return tuple(dict.fromkeys(a[4:].removesuffix("[-1]") for a in self.inputs
                                   if a.startswith("out.")))

    @property
    def batch_fields(self) -> tuple[str, ...]:
        """Normalised-batch keys the term reads."""
        return tuple(a[6:] for a in self.inputs if a.startswith("batch."))

    @property
    def requires(self) -> tuple[tuple[str, ...], ...]:
        """``train_requires`` groups the term needs (each group: any one of its names)."""
        groups: list[tuple[str, ...]] = []
        for name in self.output_fields:
            for group in _FIELD_REQUIRES.get(name, (THREE_D,)):
                if group not in groups:
                    groups.append(group)
        return tuple(groups)

    @property
    def needs_detections(self) -> bool:
        """Whether the term reads the 2D detections (an ``open_2dj``-type query)."""
        return bool(_DETECTION_KEYS & set(self.batch_fields))


_DET = ("batch.detections", "batch.detection_conf")
_J2D = "out.joints_2d"
_HM = "out.heatmap_joints_2d"
_RGB, _MASKED = "out.rendered_rgb", "out.masked_images"

TERMS: tuple[TermSpec, ...] = (
    # Terms used by the shipped configs (§3.2).
    TermSpec("open_2dj", "keypoints.open_2dj_loss", (_J2D, *_DET), "lambda_j2d", 1e-3),
    TermSpec("open_bone_direc", "bones.bone_direction_loss", (_J2D, *_DET),
             "lambda_bone_direc", 0.1),
    TermSpec("mscale", "joints3d.mscale_loss", ("out.joints",), "lambda_mscale", 0.1),
    TermSpec("tsa_poses", "pose_prior.tsa_pose_loss", ("out.tsa_poses",), "lambda_pose", 0.1),
    TermSpec("hm_integral", "keypoints.hm_integral_loss", (_HM, *_DET), "lambda_hm", 1e-3),
    TermSpec("kp_cons", "keypoints.kp_cons_loss", (_HM + "[-1]", _J2D), "lambda_kp_cons", 2e-4),
    TermSpec("triangle", "laplacian.triangle_loss", ("out.vertices", "out.faces"),
             "lambda_laplacian", 0.1),
    TermSpec("mshape", "joints3d.shape_loss", ("out.betas",), "lambda_shape", 1e-2),
    TermSpec("texture", "appearance.photometric_loss", (_RGB, _MASKED, "batch.texture_weight"),
             "lambda_texture", 5e-3),
    TermSpec("mrgb", "appearance.mean_rgb_loss", (_RGB, _MASKED, "batch.texture_weight"),
             "lambda_mrgb", 1e-3),
    TermSpec("mtex", "appearance.texture_outlier_loss",
             ("out.texture_logits", "batch.texture_weight"), "lambda_tex_reg", 5e-3),
    # Terms the original computes but no shipped config uses (§3.3).
    TermSpec("hm_integral_gt", "keypoints.hm_integral_loss", (_HM, "batch.gt_joints_2d"),
             "lambda_hm", 1e-3, shipped=False),
    TermSpec("joint_2d", "keypoints.joint_2d_loss", (_J2D, "batch.gt_joints_2d"),
             "lambda_j2d_gt", 1e-4, shipped=False),
    TermSpec("open_2dj_de", "keypoints.open_2dj_de_loss", (_J2D, "batch.detections"),
             "lambda_j2d_de", 1e-4, shipped=False),
    TermSpec("joint_3d", "joints3d.joint_3d_loss", ("out.joints", "batch.gt_joints"),
             "lambda_j3d", 100.0, shipped=False),
    TermSpec("joint_3d_norm", "joints3d.joint_3d_norm_loss", ("out.joints", "batch.gt_joints"),
             "lambda_j3d_norm", 100.0, shipped=False),
    TermSpec("bone_direc", "bones.bone_direction_loss", (_J2D, "batch.gt_joints_2d"),
             "lambda_bone_direc", 0.1, shipped=False),
    TermSpec("scale", "joints3d.scale_loss", ("out.joints", "batch.gt_bone_scale"),
             "lambda_scale", 100.0, shipped=False),
    TermSpec("sil", "appearance.silhouette_loss", ("out.rendered_silhouette", "batch.gt_masks"),
             "lambda_sil", 1.0, shipped=False, note="unweighted originally"),
    TermSpec("ssim_tex", "similarity.ssim_tex_loss", (_RGB, _MASKED), "lambda_ssim_tex", 1e-3,
             shipped=False),
    TermSpec("ssim_tex_depth", "similarity.ssim_tex_depth_loss", (_RGB, "out.rendered_depth"),
             "lambda_ssim_tex", 1e-3, shipped=False),
    TermSpec("ssim_inrgb_depth", "similarity.ssim_inrgb_depth_loss",
             (_MASKED, "out.rendered_depth"), "lambda_ssim_tex", 1e-3, shipped=False),
    # Ours: video frames of the Folder dataset (docs/folder.md); off unless listed in losses.
    TermSpec("temporal_smooth", "temporal.temporal_smoothness_loss",
             ("out.joints", "batch.sequence_ids", "batch.frame_index"), "lambda_temporal", 1.0,
             shipped=False, note="Folder videos: pairs of nearby frames of one batch"),
)

#: name -> TermSpec, in table order (read-only).
TERM_SPECS: Mapping[str, TermSpec] = MappingProxyType({t.name: t for t in TERMS})
LOSS_NAMES: frozenset[str] = frozenset(TERM_SPECS)


def weight_keys() -> dict[str, tuple[float, str]]:
    """``{lambda key: (default, description)}`` in table order (first use of each key)."""
    users: dict[str, list[TermSpec]] = {}
    for term in TERMS:
        users.setdefault(term.weight_key, []).append(term)
    out = {}
    for key, terms in users.items():
        defaults = {t.default_weight for t in terms}
        if len(defaults) != 1:
            raise ValueError(f"loss terms sharing {key} disagree on its default: {defaults}")
        notes = "".join(f" ({t.note})" for t in terms if t.note)
        out[key] = (terms[0].default_weight,
                    f"Weight of {', '.join(t.name for t in terms)}{notes}.")
    return out


#: Default of every ``lambda_*`` key (the original's defaults).
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {k: default for k, (default, _) in weight_keys().items()})
