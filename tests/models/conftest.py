"""Shared fixtures: a MANO-sized random hand model (778 vertices, 1538 faces) so that the tests
need neither the licensed MANO file nor the shipped OpenHand."""

from __future__ import annotations

import numpy as np
import pytest

from s2hand.hand import MANO_PARENTS, MANO_TIP_IDS, HandModel

MANO_VERTICES = 778
MANO_FACES = 1538


def random_hand_model(num_vertices: int = MANO_VERTICES, num_faces: int = MANO_FACES,
                      seed: int = 0) -> HandModel:
    """A valid MANO-format model with random arrays; vertices span about 0.15 m."""
    rng = np.random.default_rng(seed)
    v_template = rng.normal(0.0, 0.03, size=(num_vertices, 3))
    faces = np.stack([rng.choice(num_vertices, size=3, replace=False) for _ in range(num_faces)])
    regressor = rng.random((16, num_vertices)) ** 8
    weights = rng.random((num_vertices, 16)) ** 4
    components, _ = np.linalg.qr(rng.normal(size=(45, 45)))
    return HandModel(
        v_template=v_template,
        faces=faces.astype(np.int64),
        shapedirs=rng.normal(0.0, 1e-3, size=(num_vertices, 3, 10)),
        posedirs=rng.normal(0.0, 1e-3, size=(num_vertices, 3, 135)),
        J_regressor=regressor / regressor.sum(axis=1, keepdims=True),
        weights=weights / weights.sum(axis=1, keepdims=True),
        parents=np.asarray(MANO_PARENTS, dtype=np.int64),
        hands_components=components * 0.3,
        hands_mean=rng.normal(0.0, 0.1, size=45),
        tip_ids=np.asarray(MANO_TIP_IDS, dtype=np.int64),
        side="right",
        name="random-mano-sized",
    )


@pytest.fixture(scope="session")
def mano_sized_hand() -> HandModel:
    return random_hand_model()
