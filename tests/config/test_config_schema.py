"""Schema: original keys and defaults, strict types, derived values, cross-key rules."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from s2hand.config import ExperimentConfig
from s2hand.config.names import (
    DATASET_NAMES,
    LOSS_NAMES,
    LOSS_WEIGHT_KEYS,
    REQUIRE_NAMES,
    TERM_SPECS,
)

# s2hand.md §3.2-3.3, written out here so that a change in names.py must be deliberate.
SPEC_LOSSES = {
    "tsa_poses", "open_2dj", "mscale", "open_bone_direc", "hm_integral", "kp_cons", "triangle",
    "mshape", "texture", "mtex", "mrgb", "hm_integral_gt", "joint_2d", "open_2dj_de", "joint_3d",
    "joint_3d_norm", "bone_direc", "scale", "sil", "ssim_tex", "ssim_tex_depth",
    "ssim_inrgb_depth",
}  # fmt: skip
# Ours, beyond the original: the temporal term of Folder videos (docs/folder.md).
OUR_LOSSES = {"temporal_smooth"}

SPEC_WEIGHTS = {
    "lambda_j2d": 1e-3,
    "lambda_bone_direc": 0.1,
    "lambda_mscale": 0.1,
    "lambda_pose": 0.1,
    "lambda_hm": 1e-3,
    "lambda_kp_cons": 2e-4,
    "lambda_laplacian": 0.1,
    "lambda_shape": 1e-2,
    "lambda_texture": 5e-3,
    "lambda_mrgb": 1e-3,
    "lambda_tex_reg": 5e-3,
    "lambda_j2d_gt": 1e-4,
    "lambda_j2d_de": 1e-4,
    "lambda_j3d": 100.0,
    "lambda_j3d_norm": 100.0,
    "lambda_scale": 100.0,
    "lambda_ssim_tex": 1e-3,
}


def test_name_sets_match_spec():
    assert LOSS_NAMES == SPEC_LOSSES | OUR_LOSSES
    assert DATASET_NAMES == {"FreiHand", "HO3D", "Folder"}
    assert REQUIRE_NAMES == {"heatmaps", "joints", "verts", "textures", "lights"}
    assert set(LOSS_WEIGHT_KEYS) == LOSS_NAMES
    assert set(TERM_SPECS) == LOSS_NAMES


def test_every_loss_weight_key_is_a_config_field():
    fields = ExperimentConfig.model_fields
    assert set(LOSS_WEIGHT_KEYS.values()) <= set(fields)
    assert set(ExperimentConfig().loss_weights()) == set(LOSS_WEIGHT_KEYS.values())


def test_original_defaults():
    cfg = ExperimentConfig()
    for key, value in SPEC_WEIGHTS.items():
        assert getattr(cfg, key) == pytest.approx(value), key
    assert cfg.mode == ["training"] and cfg.task == "train"
    assert cfg.train_datasets == ["FreiHand"] and cfg.val_datasets == ["FreiHand"]
    assert (cfg.train_batch, cfg.val_batch, cfg.num_workers) == (8, 8, 8)
    assert cfg.freeze_hm_estimator is True and cfg.use_mean_shape is True
    assert cfg.lr_steps == [50] and cfg.init_lr == 1e-3 and cfg.total_epochs == 100
    assert cfg.train_requires == ["joints", "verts"] and cfg.losses == ["mscale"]
    assert cfg.train_queries == ["images", "Ks", "joints", "open_2dj"]
    assert (cfg.image_size, cfg.print_freq, cfg.demo_freq) == (224, 100, 100)
    assert cfg.test_refinement_steps == 151 and cfg.save_interval == 1
    assert cfg.optimizer == "Adam" and cfg.seed == 0 and cfg.device == "auto"


@pytest.mark.parametrize(
    "key, value",
    [
        ("init_lr", "0.001"),
        ("train_batch", 8.0),
        ("train_batch", "8"),
        ("is_write_tb", 1),
        ("is_write_tb", "false"),
        ("losses", "mscale"),
        ("lr_steps", [30, "60"]),
    ],
)
def test_types_are_strict(key, value):
    with pytest.raises(ValidationError):
        ExperimentConfig.model_validate({key: value})


def test_int_accepted_where_float_expected():
    assert ExperimentConfig(init_lr=1, mode="evaluation").init_lr == 1.0


def test_mode_accepts_plain_string_and_one_entry_only():
    assert ExperimentConfig(mode="evaluation").run_mode == "evaluation"
    with pytest.raises(ValidationError):
        ExperimentConfig(mode=["training", "evaluation"])
    with pytest.raises(ValidationError):
        ExperimentConfig(mode=["train"])


def test_mode_0_is_accepted_and_ignored():
    assert ExperimentConfig(mode_0=["evaluation"]).run_mode == "training"


@pytest.mark.parametrize(
    "data",
    [
        {"lr_steps": [30, 30]},
        {"lr_steps": [60, 30]},
        {"lr_steps": [0, 10]},
        {"train_batch": 0},
        {"val_batch": -1},
        {"init_lr": -1e-3},
        {"device": "gpu"},
        {"device": "cuda:x"},
        {"hand_model": "MANO_RIGHT.txt"},
        {"freihand_base_path": ""},
        {"image_size": 100},
        {"augmentation": {"rotation_deg": 181}},
        {"synthetic_data": {"layout": "rhd"}},
        {"train_datasets": ["RHD"]},
        {"test_requires": ["joints", "mesh"]},
        {"val_queries": ["imgs"]},
    ],
)
def test_impossible_values_rejected(data):
    with pytest.raises(ValidationError):
        ExperimentConfig.model_validate(data)


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "cuda:1"])
def test_devices(device):
    assert ExperimentConfig(device=device).device == device


def test_weight_decay_defaults_follow_optimizer():
    import torch

    from s2hand.engine import build_optimizer

    def decay(**keys):
        cfg = ExperimentConfig(**keys)
        opt = build_optimizer([torch.nn.Parameter(torch.zeros(1))], cfg.optimizer, 1e-3,
                              cfg.weight_decay)
        return opt.param_groups[0]["weight_decay"]

    assert decay() == 0.0
    assert decay(optimizer="AdamW") == 0.01
    assert decay(optimizer="AdamW", weight_decay=0.0) == 0.0
    assert decay(optimizer="SGD") == 0.0


def test_optimizer_choices_match_the_engine():
    from typing import get_args

    from s2hand.engine.optim import OPTIMIZERS

    assert set(get_args(ExperimentConfig.model_fields["optimizer"].annotation)) == set(OPTIMIZERS)


def test_save_2d_true_is_rejected_not_ignored():
    assert ExperimentConfig(save_2d=False).save_2d is False
    with pytest.raises(ValidationError, match="save_2d: true is not implemented in s2hand yet"):
        ExperimentConfig(save_2d=True)


def test_relative_paths_resolve_against_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = ExperimentConfig(freihand_base_path="data/F", base_out_path="out", resume="auto")
    assert cfg.freihand_base_path == tmp_path / "data/F"
    assert cfg.base_out_path == tmp_path / "out"
    assert cfg.resume == "auto"
    assert ExperimentConfig(resume="ck/last.pt").resume == tmp_path / "ck/last.pt"
    assert ExperimentConfig(hand_model="~/m.npz").hand_model == Path.home() / "m.npz"


def test_cross_checks_run_on_direct_construction():
    with pytest.raises(ValidationError, match="at least one loss"):
        ExperimentConfig(losses=[])
    with pytest.raises(ValidationError, match="init_lr"):
        ExperimentConfig(init_lr=0.0)


def test_evaluation_allows_zero_lr_and_no_losses():
    cfg = ExperimentConfig(mode=["evaluation"], init_lr=0, losses=[], train_datasets=[])
    assert cfg.datasets_used() == ["FreiHand"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"losses": ["hm_integral"]}, "needs \"heatmaps\" in train_requires"),
        ({"losses": ["mtex"], "train_requires": ["joints"]}, '"textures"'),
        (
            {"task": "hm_train", "losses": ["mscale"], "train_requires": ["heatmaps"]},
            "hm_train",
        ),
        ({"losses": ["mscale", "mscale"]}, "listed twice"),
        (
            {"losses": ["open_2dj"], "train_queries": ["images", "Ks"]},
            "use the 2D detections",
        ),
        ({"train_queries": ["open_2dj", "Ks"]}, '"images" or "trans_images"'),
        ({"val_datasets": ["HO3D"], "val_queries": ["images", "Ks"]}, "for HO3D"),
        (
            {"train_datasets": ["HO3D"], "train_queries_ho3d": ["images", "Ks", "open_2dj"]},
            "train_queries_ho3d",
        ),
        ({"test_refinement": True}, "test_refinement"),
        (
            {"val_datasets": ["HO3D"], "val_queries": ["trans_images", "trans_Ks", "masks"]},
            'query "masks" is not available for HO3D',
        ),
        ({"val_datasets": []}, "at least one dataset"),
    ],
)
def test_cross_key_rules(data, message):
    with pytest.raises(ValidationError) as err:
        ExperimentConfig.model_validate(data)
    assert message in str(err.value)


def test_per_dataset_queries_and_losses():
    cfg = ExperimentConfig(
        train_datasets=["FreiHand", "HO3D"],
        train_queries=["images", "Ks", "open_2dj"],
        train_queries_ho3d=["trans_images", "trans_Ks", "open_2dj"],
        losses=["mscale", "open_2dj"],
        losses_frei=["mscale"],
    )
    assert cfg.train_queries_for("FreiHand") == ["images", "Ks", "open_2dj"]
    assert cfg.train_queries_for("HO3D") == ["trans_images", "trans_Ks", "open_2dj"]
    assert cfg.losses_for("FreiHand") == ["mscale"]
    assert cfg.losses_for("HO3D") == ["mscale", "open_2dj"]
    assert cfg.datasets_used() == ["FreiHand", "HO3D"]
    assert cfg.all_requires == {"joints", "verts"}
