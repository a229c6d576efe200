"""The OpenHand generator (scripts/openhand/) reproduces the shipped asset."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from s2hand.hand import HandModel, load_hand_model

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.fixture(scope="module")
def open_hand() -> HandModel:
    return load_hand_model(None)


@pytest.fixture(scope="module")
def openhand():
    """The generator package ``scripts/openhand`` (imported as the scripts import it)."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        import openhand.geometry
        import openhand.rig

        return openhand
    finally:
        sys.path.remove(str(SCRIPTS))


@pytest.mark.slow
def test_generator_is_deterministic_and_matches_shipped_file(open_hand: HandModel,
                                                             openhand) -> None:
    build_open_hand = openhand.build_open_hand

    built = build_open_hand(seed=0)
    for key in ("v_template", "faces", "weights", "J_regressor", "hands_components",
                "shapedirs", "posedirs", "tip_ids"):
        np.testing.assert_allclose(getattr(built, key), getattr(open_hand, key), atol=1e-9,
                                   err_msg=key)


def test_joint_regressor_is_well_posed(openhand) -> None:
    """Rounding-level changes of the mesh (another BLAS, another CPU) leave the regressor
    unchanged: tied nearest vertices are all taken, so no row depends on how ties are broken."""
    geo = openhand.geometry.build_geometry(openhand.geometry.HandShapeParams())
    reference = openhand.rig.joint_regressor(geo.vertices, geo.joints)
    rng = np.random.default_rng(1)
    for eps in (1e-15, 1e-12):
        noisy = geo.vertices * (1 + eps * rng.standard_normal(geo.vertices.shape))
        np.testing.assert_allclose(openhand.rig.joint_regressor(noisy, geo.joints), reference,
                                   atol=1e-9)
