"""Assemble OpenHand, the project's open, procedurally generated MANO-format hand."""

from __future__ import annotations

import numpy as np

from openhand.geometry import HandShapeParams, build_geometry
from openhand.pose_space import fit_pose_pca, sample_hand_poses
from openhand.rig import joint_regressor, pose_correctives, skinning_weights
from openhand.shape_space import fit_shape_space
from s2hand.hand.hand_model import HandModel, validate
from s2hand.hand.joint_orders import MANO_PARENTS

NUM_POSE_SAMPLES = 20000
NUM_SHAPE_SAMPLES = 200
NUM_BETAS = 10


def build_open_hand(seed: int = 0, num_betas: int = NUM_BETAS) -> HandModel:
    """Generate OpenHand (right hand) deterministically from ``seed``."""
    rng = np.random.default_rng(seed)
    params = HandShapeParams()
    geo = build_geometry(params)
    weights = skinning_weights(geo)
    components, mean = fit_pose_pca(sample_hand_poses(NUM_POSE_SAMPLES, rng))
    model = HandModel(
        v_template=geo.vertices,
        faces=geo.faces,
        shapedirs=fit_shape_space(rng, num_betas, NUM_SHAPE_SAMPLES, params),
        posedirs=pose_correctives(geo, weights),
        J_regressor=joint_regressor(geo.vertices, geo.joints),
        weights=weights,
        parents=np.asarray(MANO_PARENTS, dtype=np.int64),
        hands_components=components,
        hands_mean=mean,
        tip_ids=geo.tip_ids.astype(np.int64),
        side="right",
        name=f"OpenHand (seed {seed})",
    )
    return validate(model, source="OpenHand generator")
