"""End-to-end wiring of run_experiment at tiny scale: synthetic data on first use, training with
an initial and a final test pass, outputs on disk, then evaluation of the checkpoint."""

import json

import pytest

from s2hand.config import ConfigError, config_from_dict
from s2hand.engine.checkpoint import load_checkpoint
from s2hand.engine.experiment import run_experiment
from s2hand.evaluation import FREIHAND_KEYS

SHAPE_LOSSES = ["tsa_poses", "open_2dj", "mscale", "open_bone_direc"]


def _config(tmp, **kw):
    base = {
        "train_datasets": ["FreiHand"], "val_datasets": ["FreiHand"],
        "freihand_base_path": str(tmp / "data"),
        "synthetic_data": {"num_train": 4, "num_eval": 3, "seed": 1, "layout": "freihand"},
        "base_out_path": str(tmp / "out"), "device": "cpu", "num_workers": 0,
        "train_batch": 2, "val_batch": 2, "total_epochs": 1, "lr_steps": [1],
        "max_iters_per_epoch": 1, "print_freq": 1, "demo_freq": 1, "demo_freq_evaluation": 1,
        "train_queries": ["trans_images", "trans_Ks", "trans_open_2dj"],
        "val_queries": ["images", "Ks", "open_2dj"],
        "losses": SHAPE_LOSSES, "train_requires": ["joints", "verts"],
        "test_requires": ["joints", "verts"], "export_obj": True,
    }
    base.update(kw)
    return config_from_dict(base)


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exp")
    summary = run_experiment(_config(tmp))
    return tmp, summary


def test_training_writes_every_output(trained):
    tmp, summary = trained
    out = tmp / "out"
    assert (tmp / "data" / "training_K.json").is_file()  # generated on first use
    assert summary["iterations"] == 1 and summary["bad_batches"] == 0
    scores = json.loads((out / "scores.json").read_text())
    assert set(FREIHAND_KEYS) <= set(scores) and set(FREIHAND_KEYS) <= set(scores["initial"])
    xyz, verts = json.loads((out / "json" / "test" / "1" / "pred.json").read_text())
    assert len(xyz) == 3 and len(xyz[0]) == 21 and len(verts[0][0]) == 3
    state = load_checkpoint(out / "model" / "texturehand_1.t7")
    assert state["epoch"] == 1 and state["config"]["losses"] == SHAPE_LOSSES
    assert (out / "model" / "latest.t7").is_file()
    assert list((out / "pic" / "train").glob("*.png"))
    assert list((out / "pic" / "test").glob("*.png"))
    assert len(list((out / "obj" / "test").glob("*.obj"))) == 3
    assert "open_2dj" in (out / "logs" / "metrics.csv").read_text()
    assert json.loads((out / "summary.json").read_text())["mode"] == "training"


def test_evaluation_of_the_checkpoint(trained):
    tmp, summary = trained
    ckpt = tmp / "out" / "model" / "latest.t7"
    cfg = _config(tmp, mode=["evaluation"], pretrain_model=str(ckpt),
                  base_out_path=str(tmp / "eval"), export_obj=False, demo_freq_evaluation=0)
    result = run_experiment(cfg)
    assert result["epoch"] == 1
    assert result["scores"]["xyz_al_mean3d"] == pytest.approx(
        summary["scores"]["xyz_al_mean3d"], rel=1e-5)
    assert (tmp / "eval" / "json" / "test" / "1" / "pred.json").is_file()


def test_fresh_run_over_the_finished_one_is_refused(trained):
    tmp, _ = trained
    before = (tmp / "out" / "scores.json").read_text()
    with pytest.raises(ConfigError, match=r'key "base_out_path": .*resume=auto'):
        run_experiment(_config(tmp))
    assert (tmp / "out" / "scores.json").read_text() == before


def test_train_batch_larger_than_the_training_set_is_refused_at_start(trained):
    tmp, _ = trained
    with pytest.raises(ConfigError, match=r'key "train_batch": 5 is larger than the training '
                                          r"set \(4 samples"):
        run_experiment(_config(tmp, train_batch=5, base_out_path=str(tmp / "big_batch")))
    assert not list((tmp / "big_batch" / "model").glob("*.t7"))
