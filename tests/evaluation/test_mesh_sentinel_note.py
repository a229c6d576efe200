"""Mesh errors that become the official sentinels are explained, not silent."""

import logging

import numpy as np

from s2hand.evaluation import evaluate_predictions


def test_vertex_count_mismatch_says_why_the_mesh_scores_are_sentinels(caplog):
    rng = np.random.default_rng(0)
    gx = rng.normal(scale=0.03, size=(3, 21, 3)) + [0, 0, 0.7]
    gv = rng.normal(scale=0.03, size=(3, 778, 3)) + [0, 0, 0.7]
    caplog.set_level(logging.WARNING, logger="s2hand.evaluation.evaluate")
    scores = evaluate_predictions(gx, gv[:, :500], gx, gv)
    assert scores["mesh_mean3d"] == -100.0
    (record,) = caplog.records
    assert "500 vertices, the ground truth 778" in record.getMessage()
    assert "-100" in record.getMessage()
    caplog.clear()
    evaluate_predictions(gx, gv, gx, gv)
    assert not caplog.records
