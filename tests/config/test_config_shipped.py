"""The shipped configs (original S2HAND stages, bugs fixed) parse and match s2hand.md §1.4."""

import json
from pathlib import Path

import pytest

from s2hand.config import ExperimentConfig, load_config
from s2hand.config.loader import valid_keys

REPO = Path(__file__).resolve().parents[2]
ORIGINAL_STAGES = [
    "HO3D/SSL-shape",
    "HO3D/SSL-kp",
    "HO3D/SSL-finetune",
    "HO3D/SSL-e2e",
    "HO3D/evaluation",
    "FreiHAND/SSL-shape",
    "FreiHAND/SSL-kp",
    "FreiHAND/SSL-finetune",
    "FreiHAND/SSL-e2e",
    "FreiHAND/evaluation",
]


def _make_inputs(root: Path, data: dict) -> None:
    """Create every folder/file the config points to, under ``root`` (the CWD)."""
    for key in ("freihand_base_path", "ho3d_base_path"):
        if data.get(key):
            (root / data[key]).mkdir(parents=True, exist_ok=True)
    for key in ("pretrain_model", "pretrain_rgb2hm", "pretrain_texture_model", "hand_model"):
        if data.get(key):
            (root / data[key]).parent.mkdir(parents=True, exist_ok=True)
            (root / data[key]).write_bytes(b"")


@pytest.mark.parametrize("stage", ORIGINAL_STAGES)
def test_shipped_config_parses_with_existing_paths(stage, tmp_path, monkeypatch):
    path = REPO / "configs" / f"{stage}.json"
    data = json.loads(path.read_text())
    monkeypatch.chdir(tmp_path)
    _make_inputs(tmp_path, data)
    cfg = load_config(path)
    assert cfg.hand_model == tmp_path / "data/MANO_RIGHT.pkl"
    for key in ("freihand_base_path", "ho3d_base_path", "base_out_path", "pretrain_model"):
        value = getattr(cfg, key)
        assert value is None or value.is_relative_to(tmp_path), key
    assert all(not str(v).startswith("/home/") for v in data.values())


# (stage, task, epochs, init_lr, lr_steps, train_batch, val_batch, workers) from §1.4.
SCHEDULE = [
    ("SSL-shape", "train", 120, 1e-3, [30, 60, 90], 64, 32, 8),
    ("SSL-kp", "hm_train", 120, 1e-3, [30, 60, 90], 64, 32, 8),
    ("SSL-finetune", "train", 60, 2.5e-4, [20, 40], 64, 16, 8),
    ("SSL-e2e", "train", 180, 1e-3, [30, 60, 90, 120, 150], 32, 8, 4),
]


@pytest.mark.parametrize("dataset", ["HO3D", "FreiHAND"])
@pytest.mark.parametrize("row", SCHEDULE, ids=[r[0] for r in SCHEDULE])
def test_stage_hyper_parameters(dataset, row):
    stage, task, epochs, lr, steps, tb, vb, nw = row
    cfg = load_config(REPO / "configs" / dataset / f"{stage}.json", check_paths=False)
    assert (cfg.task, cfg.total_epochs, cfg.init_lr, cfg.lr_steps) == (task, epochs, lr, steps)
    assert (cfg.train_batch, cfg.val_batch, cfg.num_workers) == (tb, vb, nw)
    assert cfg.lr_gamma == 0.5 and cfg.save_interval == 10
    assert cfg.freeze_hm_estimator is (stage == "SSL-shape")
    assert len(cfg.losses) == {"SSL-shape": 4, "SSL-kp": 1, "SSL-finetune": 8, "SSL-e2e": 11}[stage]


def test_ho3d_e2e_bug_q2_fixed():
    data = json.loads((REPO / "configs/HO3D/SSL-e2e.json").read_text())
    assert "freihand_base_path" not in data and data["ho3d_base_path"]
    assert data["val_queries"] == ["trans_images", "trans_Ks"]


def test_finetune_starts_from_the_earlier_stages():
    for dataset in ("HO3D", "FreiHAND"):
        cfg = load_config(REPO / f"configs/{dataset}/SSL-finetune.json", check_paths=False)
        shape = load_config(REPO / f"configs/{dataset}/SSL-shape.json", check_paths=False)
        kp = load_config(REPO / f"configs/{dataset}/SSL-kp.json", check_paths=False)
        assert cfg.pretrain_model.is_relative_to(shape.base_out_path)
        assert cfg.pretrain_rgb2hm.is_relative_to(kp.base_out_path)


OTHER_CONFIGS = sorted(
    p.relative_to(REPO / "configs").as_posix()
    for p in (REPO / "configs").rglob("*.json")
    if p.parent.name not in ("HO3D", "FreiHAND")
)


@pytest.mark.parametrize("name", OTHER_CONFIGS)
def test_other_shipped_configs_are_valid(name, tmp_path, monkeypatch):
    """configs/demo, configs/synthetic, ...: valid; the demo also runs from a fresh checkout
    (its paths need nothing but synthetic data). Later stages' inputs come from earlier runs."""
    monkeypatch.chdir(tmp_path)
    load_config(REPO / "configs" / name, check_paths=name.startswith("demo/"))


def test_docs_describe_every_key():
    text = (REPO / "docs/configuration.md").read_text()
    missing = [
        f"{prefix}.{key}" if prefix else key
        for prefix, keys in valid_keys().items()
        for key in keys
        if f"`{key}`" not in text
    ]
    assert not missing, f"docs/configuration.md does not describe: {missing}"
    assert set(valid_keys()) == {"", "synthetic_data", "synthetic_data.scene", "augmentation",
                                 "folder", "deephandmesh", "deephandmesh.synthetic",
                                 "deephandmesh.correctives"}
    assert len(valid_keys()[""]) == len(ExperimentConfig.model_fields)
