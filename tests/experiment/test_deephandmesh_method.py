"""DeepHandMesh through the shared experiment layer: built from a config, training reduces the
loss, exact resume, checkpoints, the test pass's .obj and metrics, config errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from s2hand.config import ConfigError, config_from_dict
from s2hand.data.synthetic.deephandmesh_layout import DHMSyntheticParams, generate_dhm_synthetic
from s2hand.engine import read_checkpoint
from s2hand.experiment.method import build_method
from s2hand.experiment.run import run_experiment
from s2hand.methods.deephandmesh.checkpoint import load_dhm_checkpoint

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def subject(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dhm") / "synth"
    generate_dhm_synthetic(root, DHMSyntheticParams(num_sequences=2, frames_per_sequence=2,
                                                    num_cameras=6, depth_dtype="float16"))
    return root


def _config(root: Path, out: Path, **top) -> dict:
    section = {"root": str(root), "num_views": 2, "backbone": "small-cnn",
               "backbone_input_size": 32, "loss_lap_weight": 0.0,
               **top.pop("section", {})}
    return {"method": "deephandmesh", "deephandmesh": section, "init_lr": 1e-3,
            "lr_steps": [10], "total_epochs": 1, "train_batch": 4, "val_batch": 4,
            "num_workers": 0, "device": "cpu", "print_freq": 1, "demo_freq": 1,
            "base_out_path": str(out), **top}


def test_builds_from_config_with_correctives_switched_off(subject, tmp_path):
    cfg = config_from_dict(_config(subject, tmp_path, section={
        "correctives": {"pose": False, "identity": False}}))
    method = build_method(cfg)
    model = method.build_model()
    assert model.backbone_net.encoder is not None and model.backbone_net.resnet is None
    assert method.freeze(model) == ["identity corrective", "pose corrective"]
    fc_pose = model.skin_refine_net.fc_pose
    assert not any(p.requires_grad for p in fc_pose.parameters())
    assert all(p.requires_grad for p in model.skeleton_refine_net.parameters())
    out = model.decode(torch.rand(2, 22, 3))
    assert out.pose_corrective.abs().max() == 0 and out.id_corrective.abs().max() == 0
    assert method.train_sequences() == ["0000_RT_synthetic"]
    assert method.test_sequences() == ["0001_RT_synthetic"]  # from synthetic.json


def test_training_steps_reduce_the_loss(subject, tmp_path):
    method = build_method(config_from_dict(_config(subject, tmp_path)))
    torch.manual_seed(0)
    model = method.build_model()
    task = method.build_task(tmp_path, None)
    batch = next(iter(torch.utils.data.DataLoader(method.train_dataset(), batch_size=4)))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(6):
        step = task.train_step(model, batch)
        losses.append(float(step.loss.detach()))
        optimizer.zero_grad()
        step.loss.backward()
        optimizer.step()
    assert set(step.scalars) == {"loss", "loss_joint", "loss_depth", "loss_penet", "loss_lap"}
    assert losses[-1] < 0.8 * losses[0], losses


def test_ground_truth_pose_trains_the_correctives_alone(subject, tmp_path):
    cfg = config_from_dict(_config(subject, tmp_path, section={"pose_source": "ground_truth"}))
    method = build_method(cfg)
    model = method.build_model()
    assert model.backbone_net is None
    task = method.build_task(tmp_path, None)
    batch = next(iter(torch.utils.data.DataLoader(method.train_dataset(), batch_size=4)))
    assert batch["gt_euler"].shape == (4, 22, 3)
    first = task.train_step(model, batch)
    # the ground-truth mesh is reached exactly: the template's joints differ from the GT by the
    # subject's bone-length changes only
    assert float(first.scalars["loss_joint"]) < 2.0
    method.freeze(model)  # nothing switched off: nothing frozen
    cfg_off = config_from_dict(_config(subject, tmp_path, section={
        "pose_source": "ground_truth",
        "correctives": {"skeleton": False, "identity": False, "pose": False}}))
    off = build_method(cfg_off)
    plain = off.build_model()
    off.freeze(plain)
    assert off.build_task(tmp_path, None).train_step(plain, batch).loss is None  # skipped


def test_run_resume_checkpoints_and_test_pass(subject, tmp_path):
    full = run_experiment(config_from_dict(_config(subject, tmp_path / "full", total_epochs=2,
                                                   keep_last_checkpoints=0)))
    assert full["epochs_done"] == 2
    run_experiment(config_from_dict(_config(subject, tmp_path / "half", total_epochs=1)))
    resumed = run_experiment(config_from_dict(_config(
        subject, tmp_path / "half", total_epochs=2, resume="auto")))
    assert resumed["epochs_done"] == 2
    a = read_checkpoint(tmp_path / "full" / "model" / "latest.t7")["model"]
    b = read_checkpoint(tmp_path / "half" / "model" / "latest.t7")["model"]
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0, msg=key)

    # the training checkpoint is a DeepHandMesh checkpoint (one format), numbered as snapshot_E
    assert (tmp_path / "full" / "model" / "snapshot_2.t7").is_file()
    cfg = config_from_dict(_config(subject, tmp_path / "x"))
    model = build_method(cfg).build_model()
    info = load_dhm_checkpoint(model, tmp_path / "full" / "model" / "latest.t7")
    assert info["kind"] == "engine"

    # the test pass: one .obj (mm, posed) per held-out sample and the metrics
    metrics = json.loads((tmp_path / "full" / "json" / "dhm_metrics_test_2.json").read_text())
    rows = metrics["samples"]
    assert len(rows) == 12 == metrics["summary"]["num_samples"]  # 2 frames x 6 cameras
    for key in ("joint_error_mm", "vertex_error_mm", "depth_error_mm",
                "vertex_error_gt_pose_mm", "bone_length_error_mm"):
        assert 0 < metrics["summary"][key] < 100, key
    obj = Path(rows[0]["obj"])
    assert obj.parent == tmp_path / "full" / "obj" / "test_2"
    verts = [line for line in obj.read_text().splitlines() if line.startswith("v ")]
    assert len(verts) == model.hand_model.num_vertices
    scores = json.loads((tmp_path / "full" / "scores.json").read_text())
    assert scores["vertex_error_mm"] == pytest.approx(metrics["summary"]["vertex_error_mm"])
    assert "initial" in scores
    assert list((tmp_path / "full" / "pic").glob("train_*.png"))

    # evaluation mode from the trained checkpoint reproduces the last test pass
    evaluated = run_experiment(config_from_dict(_config(
        subject, tmp_path / "eval", mode=["evaluation"],
        pretrain_model=str(tmp_path / "full" / "model" / "latest.t7"))))
    assert evaluated["scores"]["vertex_error_mm"] == pytest.approx(
        metrics["summary"]["vertex_error_mm"], rel=1e-6)


@pytest.mark.parametrize("change, where, says", [
    ({"deephandmesh": None}, "deephandmesh", 'must be set with "method": "deephandmesh"'),
    ({"losses": ["mscale", "open_2dj"]}, "losses", "S2HAND key that DeepHandMesh does not read"),
    ({"method": "s2hand"}, "deephandmesh", 'read only with "method": "deephandmesh"'),
    ({"deephandmesh": {"root": "x", "backbone": "vgg"}}, "deephandmesh.backbone", "resnet50"),
    ({"deephandmesh": {"root": "x", "lap_weight": 1}}, "deephandmesh.lap_weight",
     "loss_lap_weight"),
    ({"deephandmesh": {"root": "x", "backbone_input_size": 64}},
     "deephandmesh.backbone_input_size", "small-cnn"),
    ({"deephandmesh": {"root": "x", "synthetic": {"sequences": 2, "heldout": 2}}},
     "deephandmesh.synthetic.heldout", "smaller than sequences"),
])
def test_bad_configs_say_which_key(tmp_path, change, where, says):
    data = {**_config(tmp_path / "none", tmp_path / "out"), **change}
    with pytest.raises(ConfigError) as err:
        config_from_dict(data, source="dhm.json", check_paths=False)
    message = str(err.value)
    assert where in message and says in message, message


def test_missing_root_without_synthetic_is_a_path_problem(tmp_path):
    with pytest.raises(ConfigError, match=r"deephandmesh\.root.*missing folder"):
        config_from_dict(_config(tmp_path / "none", tmp_path / "out"), source="dhm.json",
                         check_paths=True)


@pytest.mark.parametrize("name", ["train.json", "cpu_demo.json", "cpu_correctives.json"])
def test_shipped_configs(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = json.loads((REPO / "configs" / "DeepHandMesh" / name).read_text())
    cfg = config_from_dict(data, check_paths=False)
    assert cfg.method == "deephandmesh"
    if name == "train.json":  # the original's schedule and weights (deephandmesh.md §10)
        assert (cfg.optimizer, cfg.init_lr, cfg.lr_steps, cfg.lr_gamma, cfg.total_epochs,
                cfg.train_batch) == ("Adam", 1e-4, [30, 32], 0.1, 35, 8)
        d = cfg.deephandmesh
        assert (d.backbone, d.num_views, d.loss_lap_weight, d.loss_penet_r_weight,
                d.loss_penet_nr_weight) == ("resnet50", 6, 5.0, 1.0, 5.0)


def test_an_unfinished_synthetic_subject_is_regenerated_or_refused(tmp_path):
    from s2hand.data.errors import DataError
    from s2hand.data.synthetic.target import MARKER, PARTIAL

    root = tmp_path / "synth"
    params = DHMSyntheticParams(num_sequences=2, frames_per_sequence=1, num_cameras=6,
                                depth_dtype="float16")
    generate_dhm_synthetic(root, params)
    (root / MARKER).unlink()                       # as a generation stopped part-way leaves it
    (root / PARTIAL).write_text("writing\n")
    bare = build_method(config_from_dict(_config(root, tmp_path / "a")))
    with pytest.raises(DataError, match="unfinished synthetic subject"):
        bare.prepare_data()
    section = {"synthetic": {"sequences": 2, "frames": 1, "cameras": 6}}
    method = build_method(config_from_dict(_config(root, tmp_path / "b", section=section)))
    assert method.prepare_data() is True
    assert (root / MARKER).is_file() and not (root / PARTIAL).exists()
    assert method.prepare_data() is False          # finished now: used as it is
