"""Paper-style result tables: our runs next to the published numbers (markdown or CSV)."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from s2hand.evaluation.evaluate import EvaluationInputError
from s2hand.evaluation.io import read_scores
from s2hand.evaluation.published import COLUMNS, published_for

UNCONFIRMED_MARK = "†"
# scores.txt key per paper column and dataset; means are converted from cm.
_SCORE_KEYS = {
    "freihand": {"auc_j": "xyz_al_auc3d", "pa_mpjpe": "xyz_al_mean3d", "auc_v": "mesh_al_auc3d",
                 "pa_mpvpe": "mesh_al_mean3d", "f5": "f_al_score_5", "f15": "f_al_score_15"},
    "ho3d": {"auc_j": "xyz_procrustes_al_auc3d", "pa_mpjpe": "xyz_procrustes_al_mean3d",
             "auc_v": "mesh_al_auc3d", "pa_mpvpe": "mesh_al_mean3d", "f5": "f_al_score_5",
             "f15": "f_al_score_15"},
}
_LENGTHS = ("pa_mpjpe", "pa_mpvpe")


@dataclass
class TableRow:
    """One table line; ``values`` in mm / [0,1]; ``unconfirmed`` marks published guesses."""

    method: str
    supervision: str
    values: dict[str, float]
    source: str = ""
    unconfirmed: frozenset[str] = field(default_factory=frozenset)
    ours: bool = False


def infer_dataset(scores: dict[str, float]) -> str:
    """``"ho3d"`` when HO3D's key names are present, else ``"freihand"``."""
    return "ho3d" if "xyz_procrustes_al_mean3d" in scores else "freihand"


def row_from_scores(name: str, scores: dict[str, float], dataset: str | None = None,
                    supervision: str = "ours") -> TableRow:
    """Turn official scores (cm means) into a paper row (mm); official -1 sentinels and NaN
    become missing values."""
    dataset = dataset or infer_dataset(scores)
    keys = _SCORE_KEYS[dataset]
    values = {}
    for col, key in keys.items():
        if key not in scores:
            raise EvaluationInputError(
                f"run {name!r}: score {key!r} missing; is this a {dataset} scores file?")
        v = scores[key]
        if math.isnan(v) or v < 0:
            continue
        values[col] = v * 10.0 if col in _LENGTHS else v
    return TableRow(name, supervision, values, ours=True)


def load_run(path: str | Path, name: str | None = None) -> tuple[str, TableRow]:
    """Read a run (scores.json/scores.txt or a directory holding one); returns
    ``(dataset, row)``. The name defaults to the directory name."""
    path = Path(path)
    scores = read_scores(path)
    label = name or (path.name if path.is_dir() else path.parent.name) or str(path)
    dataset = infer_dataset(scores)
    return dataset, row_from_scores(label, scores, dataset)


def _fmt(col: str, value: float | None, units: str) -> str:
    if value is None:
        return "–"
    if col in _LENGTHS:
        return f"{value / 10:.2f}" if units == "cm" else f"{value:.1f}"
    return f"{value:.3f}"


def build_rows(runs: list[TableRow], dataset: str, peers: bool = True,
               ablation: bool = False) -> list[TableRow]:
    """Published rows of ``dataset`` (S2HAND first, or S2HAND's ablations) then the runs."""
    published = []
    if peers:
        for r in published_for(dataset, ablation):
            method = r.method if r.dataset in ("freihand", "ho3d") else f"{r.method} [{r.dataset}]"
            published.append(TableRow(method, r.supervision, dict(r.values), r.source,
                                      r.unconfirmed))
    return published + runs


def render_markdown(rows: list[TableRow], dataset: str, units: str = "mm") -> str:
    """A markdown table in the paper's column layout, with a legend."""
    header = ["Method", "Supervision"] + [
        f"{h} ({units}) {'↑' if up else '↓'}" if key in _LENGTHS else f"{h} {'↑' if up else '↓'}"
        for key, h, up in COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        cells = [f"**{row.method}**" if row.ours else row.method, row.supervision]
        for key, _, _ in COLUMNS:
            text = _fmt(key, row.values.get(key), units)
            if key in row.unconfirmed and key in row.values:
                text += UNCONFIRMED_MARK
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    name = "FreiHAND" if dataset == "freihand" else "HO3D"
    lines += ["", f"{name}, official protocol, Procrustes-aligned. Bold: our runs. "
              f"{UNCONFIRMED_MARK} not confirmed against the original paper "
              "(see docs/evaluation.md). – not reported."]
    if dataset == "ho3d":
        lines.append("HO3D rows without [ho3d_v2]/[ho3d_v3]: the source does not state the "
                     "version unambiguously.")
    return "\n".join(lines) + "\n"


def render_csv(rows: list[TableRow], units: str = "mm") -> str:
    """CSV with one column per metric plus ``ours``, ``unconfirmed`` and ``source``."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["method", "supervision"]
                    + [f"{k}_{units}" if k in _LENGTHS else k for k, _, _ in COLUMNS]
                    + ["ours", "unconfirmed", "source"])
    for row in rows:
        vals = [_fmt(k, row.values.get(k), units) if k in row.values else ""
                for k, _, _ in COLUMNS]
        writer.writerow([row.method, row.supervision, *vals, int(row.ours),
                         " ".join(sorted(row.unconfirmed)), row.source])
    return buf.getvalue()
