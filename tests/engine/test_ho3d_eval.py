"""HO3D evaluation with released GT: the engine finds evaluation_xyz/verts.json, queries GT
joints/verts and scores in HO3D's convention (joint order, OpenGL frame, HO3D keys).
Also covers img_wise_save in the test pass."""

import json

import numpy as np
import pytest

from s2hand.config import config_from_dict
from s2hand.evaluation import HO3D_KEYS, evaluate_predictions
from s2hand.experiment import run_experiment
from s2hand.experiment.data import has_eval_gt

pytestmark = pytest.mark.slow


def test_ho3d_evaluation_scores_in_ho3d_convention(tmp_path):
    cfg = config_from_dict({
        "mode": ["evaluation"], "train_datasets": ["HO3D"], "val_datasets": ["HO3D"],
        "ho3d_base_path": str(tmp_path / "ho3d"),
        "synthetic_data": {"num_train": 1, "num_eval": 3, "seed": 2, "layout": "ho3d"},
        "base_out_path": str(tmp_path / "out"), "device": "cpu", "num_workers": 0,
        "val_batch": 2, "demo_freq_evaluation": 2, "img_wise_save": True, "export_obj": False,
        "val_queries": ["trans_images", "trans_Ks", "trans_open_2dj"], "losses": ["open_2dj"],
        "train_requires": ["joints", "verts"], "test_requires": ["joints", "verts"],
    })
    summary = run_experiment(cfg)
    assert has_eval_gt(cfg, "HO3D")
    scores = summary["scores"]
    assert set(HO3D_KEYS) <= set(scores)
    # pred.json is written in HO3D order / OpenGL, like the released GT files: scoring those
    # files directly must give the engine's numbers.
    xyz, verts = json.loads((tmp_path / "out/json/test/0/pred.json").read_text())
    root = tmp_path / "ho3d"
    gt_xyz = json.loads((root / "evaluation_xyz.json").read_text())
    gt_verts = json.loads((root / "evaluation_verts.json").read_text())
    direct = evaluate_predictions(np.array(xyz), np.array(verts), np.array(gt_xyz),
                                  np.array(gt_verts), dataset="ho3d")
    for key in ("xyz_scale_trans_al_mean3d", "xyz_procrustes_al_mean3d", "mesh_al_mean3d"):
        assert scores[key] == pytest.approx(float(dict(direct)[key]), rel=1e-4)
    assert (tmp_path / "out/pic/test/per_images/0000_0000000_proj_kp.png").is_file()
