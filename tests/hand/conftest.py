"""Shared fixtures for the hand-model tests."""

from __future__ import annotations

import numpy as np
import pytest

from s2hand.hand import HandModel, load_hand_model


@pytest.fixture(scope="session")
def open_hand() -> HandModel:
    return load_hand_model(None)


def random_mano_like(seed: int = 0, num_vertices: int = 778) -> HandModel:
    """A small random MANO-format model (random but valid arrays), for fast parity tests."""
    rng = np.random.default_rng(seed)
    v = rng.normal(0.0, 0.05, (num_vertices, 3))
    faces = rng.integers(0, num_vertices, (2 * num_vertices, 3))
    weights = rng.random((num_vertices, 16)) ** 4
    jreg = rng.random((16, num_vertices)) * (rng.random((16, num_vertices)) < 0.2)
    jreg[:, 0] += 1e-3
    comps = rng.normal(0.0, 0.3, (45, 45))
    return HandModel(
        v_template=v, faces=faces, shapedirs=rng.normal(0.0, 0.01, (num_vertices, 3, 10)),
        posedirs=rng.normal(0.0, 0.01, (num_vertices, 3, 135)),
        J_regressor=jreg / jreg.sum(axis=1, keepdims=True),
        weights=weights / weights.sum(axis=1, keepdims=True),
        parents=np.array([-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14]),
        hands_components=comps, hands_mean=np.abs(rng.normal(0.0, 0.2, 45)),
        tip_ids=np.array([744, 320, 443, 555, 672]) % num_vertices, side="right",
        name="random")
