import json

import numpy as np
import pytest
import torch

from s2hand.cli.evaluate import main
from s2hand.evaluation.evaluate import EvaluationInputError
from s2hand.evaluation.io import (
    from_submission_frame,
    read_gt,
    read_pred_json,
    read_scores,
    write_pred_json,
)
from s2hand.hand.joint_orders import FREI_TO_HO3D


def _case(n=6, seed=0):
    rng = np.random.default_rng(seed)
    gx = rng.normal(scale=0.03, size=(n, 21, 3)) + [0, 0, 0.7]
    gv = rng.normal(scale=0.03, size=(n, 778, 3)) + [0, 0, 0.7]
    return gx, gv, gx + rng.normal(scale=0.01, size=gx.shape), gv + rng.normal(
        scale=0.005, size=gv.shape)


def test_freihand_pred_json_roundtrip(tmp_path):
    _, _, px, pv = _case()
    path = write_pred_json(tmp_path / "pred.json", torch.from_numpy(px), pv, decimals=None)
    xyz, verts = read_pred_json(path)
    np.testing.assert_array_equal(xyz, px)
    np.testing.assert_array_equal(verts, pv)
    write_pred_json(tmp_path / "r.json", px, pv)  # default rounding to 0.1 um
    np.testing.assert_allclose(read_pred_json(tmp_path / "r.json")[1], pv, atol=5.1e-8)


def test_ho3d_pred_json_uses_ho3d_order_and_opengl_for_joints_and_vertices(tmp_path):
    _, _, px, pv = _case()
    path = write_pred_json(tmp_path / "pred.json", px, pv, dataset="ho3d", decimals=None)
    raw = json.loads(path.read_text())
    xyz, verts = np.array(raw[0]), np.array(raw[1])
    flip = np.array([1.0, -1.0, -1.0])
    np.testing.assert_array_equal(xyz, px[:, list(FREI_TO_HO3D)] * flip)
    np.testing.assert_array_equal(verts, pv * flip)
    assert np.all(xyz[..., 2] < 0) and np.all(verts[..., 2] < 0)  # HO3D pred.py check
    # HO3D joint 16 is the thumb tip = FreiHAND joint 4; joint 4 is the middle MCP (Frei 9).
    np.testing.assert_array_equal(xyz[:, 16], px[:, 4] * flip)
    np.testing.assert_array_equal(xyz[:, 4], px[:, 9] * flip)
    back_x, back_v = from_submission_frame(xyz, verts, "ho3d")
    np.testing.assert_allclose(back_x, px)
    np.testing.assert_allclose(back_v, pv)


@pytest.mark.parametrize("content,match", [
    ('{"a": 1}', "2 entries"), ("[[], []]", r"\(N,21,3\)"), ("[1, 2", "not valid JSON"),
    ("[[[[0,0,0]]], [[[0,0,0]]]]", r"\(N,21,3\)")])
def test_read_pred_json_errors(tmp_path, content, match):
    path = tmp_path / "pred.json"
    path.write_text(content)
    with pytest.raises(EvaluationInputError, match=match):
        read_pred_json(path)


def _write_gt(folder, gx, gv):
    folder.mkdir(parents=True)
    (folder / "evaluation_xyz.json").write_text(json.dumps(gx.tolist()))
    (folder / "evaluation_verts.json").write_text(json.dumps(gv.tolist()))


def test_cli_end_to_end(tmp_path, capsys):
    gx, gv, px, pv = _case()
    _write_gt(tmp_path / "gt" / "ref", gx, gv)  # official Codalab layout
    write_pred_json(tmp_path / "pred.json", px, pv)
    out = tmp_path / "out"
    rc = main(["--pred", str(tmp_path / "pred.json"), "--gt", str(tmp_path / "gt"),
               "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "Evaluation 3D KP ALIGNED results:" in printed and "F_aligned@15.0mm" in printed
    lines = (out / "scores.txt").read_text().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "xyz_mean3d", "xyz_auc3d", "xyz_al_mean3d", "xyz_al_auc3d", "mesh_mean3d",
        "mesh_auc3d", "mesh_al_mean3d", "mesh_al_auc3d", "f_score_5", "f_al_score_5",
        "f_score_15", "f_al_score_15"]
    txt, js = read_scores(out / "scores.txt"), read_scores(out)
    assert txt.keys() == js.keys()
    for k in txt:
        assert txt[k] == pytest.approx(js[k], abs=1e-6)
    assert (out / "pck.png").read_bytes()[:4] == b"\x89PNG"
    html = (out / "scores.html").read_text()
    assert "data:image/png;base64," in html and "xyz_al_mean3d" in html
    curves = json.loads((out / "pck_data.json").read_text())
    assert set(curves) == {"xyz", "xyz_al", "mesh", "mesh_al"}


def test_cli_ho3d(tmp_path, capsys):
    gx, gv, px, pv = _case(seed=1)
    gt_x, gt_v = gx[:, list(FREI_TO_HO3D)] * [1, -1, -1], gv * [1, -1, -1]
    _write_gt(tmp_path / "gt", gt_x, gt_v)
    write_pred_json(tmp_path / "pred.json", px, pv, dataset="ho3d")
    rc = main(["--pred", str(tmp_path / "pred.json"), "--gt", str(tmp_path / "gt"), "--out",
               str(tmp_path / "out"), "--dataset", "ho3d", "--version", "v3", "--no-report"])
    assert rc == 0
    captured = capsys.readouterr()
    assert "SCALE-TRANSLATION ALIGNED" in captured.out
    assert "20137" in captured.err  # size note: not the official split
    scores = read_scores(tmp_path / "out" / "scores.txt")
    assert "xyz_scale_trans_al_mean3d" in scores and scores["mesh_al_mean3d"] < 1.0
    assert not (tmp_path / "out" / "scores.html").exists()


def test_cli_reports_bad_input(tmp_path, capsys):
    gx, gv, px, pv = _case()
    _write_gt(tmp_path / "gt", gx, gv)
    write_pred_json(tmp_path / "pred.json", px[:4], pv[:4])
    rc = main(["--pred", str(tmp_path / "pred.json"), "--gt", str(tmp_path / "gt"),
               "--out", str(tmp_path / "out")])
    assert rc == 1                                      # bad data
    assert "4 predictions but the GT" in capsys.readouterr().err
    assert main(["--pred", str(tmp_path / "pred.json"), "--gt", str(tmp_path / "nowhere"),
                 "--out", str(tmp_path / "out")]) == 1
    assert "evaluation_xyz.json" in capsys.readouterr().err
    assert main(["--pred", str(tmp_path / "pred.json"), "--out", str(tmp_path / "out")]) == 2
    assert "missing required argument(s): --gt" in capsys.readouterr().err   # bad usage
    assert main(["--pred", str(tmp_path / "pred.json"), "--gt", str(tmp_path / "gt"),
                 "--out", str(tmp_path / "out"), "--version", "v2"]) == 2


def test_read_gt_single_file(tmp_path):
    gx, gv, _, _ = _case(n=2)
    (tmp_path / "gt.json").write_text(json.dumps([gx.tolist(), gv.tolist()]))
    x, v = read_gt(tmp_path / "gt.json")
    np.testing.assert_array_equal(x, gx)


def test_evaluate_internal_converts_both_sides_for_ho3d():
    from s2hand.evaluation import evaluate_internal, evaluate_predictions

    gx, gv, px, pv = _case(n=3, seed=4)
    flip = np.array([1.0, -1.0, -1.0])
    order = list(FREI_TO_HO3D)
    direct = evaluate_predictions(px[:, order] * flip, pv * flip, gx[:, order] * flip,
                                  gv * flip, dataset="ho3d")
    assert evaluate_internal(px, pv, gx, gv, dataset="ho3d") == direct
    # The scale-translation alignment differs when the joint order is wrong.
    wrong = evaluate_predictions(px, pv, gx, gv, dataset="ho3d")
    assert wrong["xyz_scale_trans_al_mean3d"] != direct["xyz_scale_trans_al_mean3d"]


def test_fast_reader_matches_json_and_falls_back(tmp_path):
    from s2hand.evaluation.point_json import parse_point_lists as _fast_point_lists

    _, _, px, pv = _case(n=3, seed=5)
    text = json.dumps([px.tolist(), pv.tolist()], indent=2)  # whitespace and newlines
    fast = _fast_point_lists(text.encode())
    assert fast is not None
    np.testing.assert_array_equal(fast[0], px)  # same floats as json.loads
    np.testing.assert_array_equal(fast[1], pv)
    for odd in ("[[[1,2],[3,4,5,6]]]", "[[[1,null,3]]]", '[[[1,2,"3"]]]', "[[[1,2,3]], []]"):
        assert _fast_point_lists(odd.encode()) is None
    ragged = [px.tolist(), [pv[0].tolist(), pv[1, :5].tolist(), pv[2].tolist()]]
    (tmp_path / "ragged.json").write_text(json.dumps(ragged))
    with pytest.raises(EvaluationInputError, match="rectangular"):
        read_pred_json(tmp_path / "ragged.json")
