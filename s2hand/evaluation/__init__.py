"""s2hand.evaluation: official FreiHAND/HO3D metrics, submissions and reports (no model, no
optimiser; S2HAND's test-time refinement is :mod:`s2hand.methods.s2hand.refinement`).

See docs/evaluation.md.
"""

from s2hand.evaluation.evaluate import (
    FREIHAND_KEYS,
    HO3D_KEYS,
    EvaluationInputError,
    EvaluationResult,
    evaluate,
    evaluate_predictions,
)
from s2hand.evaluation.io import (
    evaluate_internal,
    from_submission_frame,
    read_gt,
    read_pred_json,
    read_scores,
    to_submission_frame,
    write_pred_json,
    write_scores,
)
from s2hand.evaluation.metrics import F_THRESHOLDS, Measures, measures, point_errors
from s2hand.evaluation.procrustes import (
    align_by_trafo,
    align_scale_translation,
    align_w_scale,
    procrustes_trafo,
)
from s2hand.evaluation.report import write_report

__all__ = [
    "FREIHAND_KEYS",
    "HO3D_KEYS",
    "F_THRESHOLDS",
    "EvaluationInputError",
    "EvaluationResult",
    "Measures",
    "align_by_trafo",
    "align_scale_translation",
    "align_w_scale",
    "evaluate",
    "evaluate_internal",
    "evaluate_predictions",
    "from_submission_frame",
    "measures",
    "point_errors",
    "procrustes_trafo",
    "read_gt",
    "read_pred_json",
    "read_scores",
    "to_submission_frame",
    "write_pred_json",
    "write_report",
    "write_scores",
]

