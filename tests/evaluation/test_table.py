import json

import pytest

from s2hand.cli.make_table import main
from s2hand.evaluation.published import PUBLISHED, published_for
from s2hand.evaluation.table import build_rows, render_csv, render_markdown, row_from_scores

FREI_SCORES = {"xyz_mean3d": 3.0, "xyz_auc3d": 0.4, "xyz_al_mean3d": 1.23, "xyz_al_auc3d": 0.756,
               "mesh_mean3d": 3.1, "mesh_auc3d": 0.39, "mesh_al_mean3d": 1.25,
               "mesh_al_auc3d": 0.751, "f_score_5": 0.1, "f_al_score_5": 0.45,
               "f_score_15": 0.3, "f_al_score_15": 0.91}


def test_row_from_scores_converts_cm_to_mm_and_drops_sentinels():
    row = row_from_scores("run", FREI_SCORES)
    assert row.values["pa_mpjpe"] == pytest.approx(12.3)
    assert row.values["auc_j"] == 0.756 and row.values["f15"] == 0.91
    ho3d = {k.replace("xyz_al", "xyz_procrustes_al"): v for k, v in FREI_SCORES.items()}
    ho3d.update(mesh_al_mean3d=-100.0, mesh_al_auc3d=-1.0)
    row = row_from_scores("h", ho3d)
    assert "pa_mpvpe" not in row.values and "auc_v" not in row.values


def test_published_s2hand_numbers_are_marked_unconfirmed():
    s2 = [r for r in PUBLISHED if r.method.startswith("S2HAND")]
    assert {r.dataset for r in s2} == {"freihand", "ho3d_v2", "ho3d_v3"}
    frei = next(r for r in s2 if r.dataset == "freihand")
    assert frei.values["pa_mpjpe"] == 11.8 and frei.unconfirmed
    assert all(r.dataset.startswith("ho3d") for r in published_for("ho3d"))


def test_markdown_and_csv_render():
    rows = build_rows([row_from_scores("mine", FREI_SCORES)], "freihand")
    md = render_markdown(rows, "freihand")
    assert "| **mine** | ours | 0.756 | 12.3 | 0.751 | 12.5 | 0.450 | 0.910 |" in md
    assert "11.8†" in md and "METRO" in md
    assert "| 1.23 |" in render_markdown(rows, "freihand", units="cm")
    csv_text = render_csv(rows)
    assert csv_text.splitlines()[0].startswith("method,supervision,auc_j,pa_mpjpe_mm")
    assert "mine,ours,0.756,12.3" in csv_text


def test_cli(tmp_path, capsys):
    run = tmp_path / "run1"
    run.mkdir()
    (run / "scores.json").write_text(json.dumps({"dataset": "freihand", "scores": FREI_SCORES}))
    assert main([str(run), "--out", str(tmp_path / "t.md")]) == 0
    assert "**run1**" in (tmp_path / "t.md").read_text()
    assert main([str(run), "--dataset", "ho3d"]) == 2
    assert "mix datasets" in capsys.readouterr().err
    assert main([]) == 2
    (run / "scores.json").write_text("{not json")
    assert main([str(run)]) == 1  # a bad scores file is bad data
    assert str(run / "scores.json") in capsys.readouterr().err


def test_ablation_rows(capsys):
    assert main(["--dataset", "freihand", "--ablation", "--units", "cm"]) == 0
    out = capsys.readouterr().out
    assert "| 1.54† |" in out and "+ photometric (full)" in out and "METRO" not in out
