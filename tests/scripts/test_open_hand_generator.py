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


@pytest.mark.slow
def test_generator_is_deterministic_and_matches_shipped_file(open_hand: HandModel) -> None:
    sys.path.insert(0, str(SCRIPTS))
    try:
        from openhand import build_open_hand
    finally:
        sys.path.remove(str(SCRIPTS))

    built = build_open_hand(seed=0)
    for key in ("v_template", "faces", "weights", "J_regressor", "hands_components",
                "shapedirs", "posedirs", "tip_ids"):
        np.testing.assert_allclose(getattr(built, key), getattr(open_hand, key), atol=1e-9,
                                   err_msg=key)
