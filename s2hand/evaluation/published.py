"""Published numbers for FreiHAND and HO3D (evaluation.md §4, s2hand.md §7).

All values use the official protocols, Procrustes-aligned; lengths in mm, AUCs and F-scores
in [0,1]. A metric listed in ``unconfirmed`` has not been confirmed against the original
paper (a secondary source, an aggregator, or a conflict between sources); tables mark it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Paper-table columns: (key, header, higher is better).
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("auc_j", "AUC_J", True),
    ("pa_mpjpe", "PA-MPJPE", False),
    ("auc_v", "AUC_V", True),
    ("pa_mpvpe", "PA-MPVPE", False),
    ("f5", "F@5", True),
    ("f15", "F@15", True),
)
ALL_METRICS = frozenset(key for key, _, _ in COLUMNS)


@dataclass(frozen=True)
class PublishedResult:
    """One published row. ``values`` maps column keys (see ``COLUMNS``) to numbers."""

    method: str
    dataset: str  # "freihand", "ho3d_v2", "ho3d_v3" or "ho3d" (version unconfirmed)
    supervision: str
    values: dict[str, float]
    source: str
    unconfirmed: frozenset[str] = field(default_factory=frozenset)


_S2HAND_SUMMARY = ("SeanChenxy/Hand3DResearch summary of the S2HAND paper (single secondary "
                   "source; s2hand.md §7: confirm against arXiv 2103.11703)")
_HMP = "HMP supplementary (arxiv.org/html/2312.16737v1, Table 1); HO3D version unconfirmed"

PUBLISHED: tuple[PublishedResult, ...] = (
    # FreiHAND -------------------------------------------------------------------------------
    PublishedResult("S2HAND (Chen et al. CVPR21)", "freihand", "self (2D detections)",
                    {"auc_j": 0.77, "pa_mpjpe": 11.8, "auc_v": 0.77, "pa_mpvpe": 11.9,
                     "f5": 0.48, "f15": 0.92}, _S2HAND_SUMMARY, ALL_METRICS),
    PublishedResult("MANO CNN (FreiHAND baseline)", "freihand", "full 3D",
                    {"auc_j": 0.783, "pa_mpjpe": 11.0, "auc_v": 0.783, "pa_mpvpe": 10.9},
                    "S2HAND summary (labels swapped there) + freihand_results.py",
                    frozenset({"pa_mpjpe", "pa_mpvpe"})),
    PublishedResult("Boukhayma et al. CVPR19", "freihand", "3D + 2D",
                    {"auc_j": 0.351, "pa_mpjpe": 35.0, "auc_v": 0.738, "pa_mpvpe": 13.2,
                     "f5": 0.427, "f15": 0.894},
                    "S2HAND summary (label swap corrected) + freihand_results.py", ALL_METRICS),
    PublishedResult("Hasson et al. CVPR19 (ObMan)", "freihand", "full 3D",
                    {"auc_j": 0.737, "pa_mpjpe": 13.3, "auc_v": 0.736, "pa_mpvpe": 13.3},
                    "S2HAND summary + freihand_results.py", frozenset({"pa_mpjpe", "pa_mpvpe"})),
    PublishedResult("Spurr et al. ECCV20", "freihand", "2D + synthetic 3D",
                    {"pa_mpjpe": 11.3}, "S2HAND summary", frozenset({"pa_mpjpe"})),
    PublishedResult("Qian et al. ECCV20", "freihand", "-",
                    {"pa_mpjpe": 11.1, "pa_mpvpe": 11.0}, "S2HAND summary",
                    frozenset({"pa_mpjpe", "pa_mpvpe"})),
    PublishedResult("Kulon et al. CVPR20", "freihand", "3D + in-the-wild 2D",
                    {"auc_j": 0.834, "pa_mpjpe": 8.4, "auc_v": 0.830, "pa_mpvpe": 8.6},
                    "EAST-J/Youtubehand README + freihand_results.py"),
    PublishedResult("METRO (single-scale)", "freihand", "full 3D",
                    {"auc_j": 0.869, "pa_mpjpe": 6.6, "auc_v": 0.866, "pa_mpvpe": 6.7,
                     "f5": 0.721, "f15": 0.981}, "microsoft/MeshTransformer docs/EXP.md"),
    PublishedResult("HaMeR", "freihand", "full 3D + 2D",
                    {"pa_mpjpe": 6.0, "pa_mpvpe": 5.7, "f5": 0.785, "f15": 0.990},
                    "geopavlakos/hamer#120 (6.0); others unconfirmed",
                    frozenset({"pa_mpvpe", "f5", "f15"})),
    # HO3D -----------------------------------------------------------------------------------
    PublishedResult("S2HAND (Chen et al. CVPR21)", "ho3d_v2", "self (2D detections)",
                    {"auc_j": 0.773, "pa_mpjpe": 11.4, "auc_v": 0.777, "pa_mpvpe": 11.2,
                     "f5": 0.45, "f15": 0.93},
                    _S2HAND_SUMMARY + "; PA-MPJPE also on wizwand/sotaverified; F@5 0.44 there",
                    ALL_METRICS),
    PublishedResult("S2HAND (Chen et al. CVPR21)", "ho3d_v3", "self (2D detections)",
                    {"pa_mpjpe": 11.5}, "wizwand.com / sotaverified.org (aggregators)",
                    ALL_METRICS),
    PublishedResult("Hasson et al. [4]", "ho3d", "full 3D",
                    {"pa_mpjpe": 11.4, "pa_mpvpe": 11.4, "f5": 0.428, "f15": 0.932}, _HMP),
    PublishedResult("Hasson et al. [5]", "ho3d", "full 3D",
                    {"pa_mpjpe": 11.1, "pa_mpvpe": 11.0, "f5": 0.460, "f15": 0.930}, _HMP),
    PublishedResult("Hampali et al.", "ho3d", "full 3D",
                    {"pa_mpjpe": 10.7, "pa_mpvpe": 10.6, "f5": 0.506, "f15": 0.942}, _HMP),
    PublishedResult("HandOccNet", "ho3d", "full 3D",
                    {"pa_mpjpe": 9.1, "pa_mpvpe": 8.8, "f5": 0.564, "f15": 0.963}, _HMP),
    PublishedResult("HOnnotate (multi-frame)", "ho3d", "mesh",
                    {"pa_mpvpe": 10.6}, "S2HAND summary", frozenset({"pa_mpvpe"})),
    PublishedResult("HaMeR", "ho3d_v2", "full 3D + 2D",
                    {"auc_j": 0.846, "pa_mpjpe": 7.7, "auc_v": 0.841, "pa_mpvpe": 7.9,
                     "f5": 0.635, "f15": 0.980}, "unconfirmed", ALL_METRICS),
)


# S2HAND's ablations (same secondary summary; cm in the source, mm here).
_ABLATION = "S2HAND paper ablation via " + _S2HAND_SUMMARY
ABLATIONS: tuple[PublishedResult, ...] = (
    PublishedResult("S2HAND ablation: base (first row)", "freihand", "self",
                    {"pa_mpjpe": 15.4, "pa_mpvpe": 15.8}, _ABLATION, ALL_METRICS),
    PublishedResult("S2HAND ablation: + bone orientation", "freihand", "self",
                    {"pa_mpjpe": 12.4, "pa_mpvpe": 12.6}, _ABLATION, ALL_METRICS),
    PublishedResult("S2HAND ablation: + 2D-3D consistency", "freihand", "self",
                    {"pa_mpjpe": 11.9, "pa_mpvpe": 12.0}, _ABLATION, ALL_METRICS),
    PublishedResult("S2HAND ablation: + photometric (full)", "freihand", "self",
                    {"pa_mpjpe": 11.8, "pa_mpvpe": 11.9}, _ABLATION, ALL_METRICS),
    PublishedResult("S2HAND, self-supervised", "freihand", "self (2D detections)",
                    {"auc_j": 0.766}, _ABLATION, ALL_METRICS),
    PublishedResult("S2HAND, weakly supervised", "freihand", "GT 2D",
                    {"auc_j": 0.730}, _ABLATION, ALL_METRICS),
    PublishedResult("S2HAND, self-supervised", "ho3d_v2", "self (2D detections)",
                    {"auc_j": 0.773}, _ABLATION, ALL_METRICS),
    PublishedResult("S2HAND, weakly supervised", "ho3d_v2", "GT 2D",
                    {"auc_j": 0.765}, _ABLATION, ALL_METRICS),
)


def published_for(dataset: str, ablation: bool = False) -> list[PublishedResult]:
    """Rows for ``"freihand"`` or ``"ho3d"`` (all HO3D versions, the version in the name);
    ``ablation=True`` gives S2HAND's ablation rows instead of the method comparison."""
    rows = ABLATIONS if ablation else PUBLISHED
    if dataset == "freihand":
        return [r for r in rows if r.dataset == "freihand"]
    if dataset == "ho3d":
        return [r for r in rows if r.dataset.startswith("ho3d")]
    raise ValueError(f"published_for: dataset must be 'freihand' or 'ho3d', got {dataset!r}")
