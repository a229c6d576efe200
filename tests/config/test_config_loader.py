"""load_config: every problem at once, one line each, with the JSON path and a fix."""

import json

import pytest

from s2hand.config import ConfigError, config_from_dict, load_config, read_json, save_config
from s2hand.config.overrides import parse_override


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data/FreiHAND_pub_v2").mkdir(parents=True)
    return tmp_path


def write(path, data):
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def problems(path, overrides=(), **kw):
    with pytest.raises(ConfigError) as err:
        load_config(path, overrides, **kw)
    return err.value.lines


BASE = {"freihand_base_path": "data/FreiHAND_pub_v2"}


def test_valid_config_loads(in_tmp):
    cfg = load_config(write(in_tmp / "c.json", {**BASE, "init_lr": 2e-4}))
    assert cfg.init_lr == 2e-4
    assert cfg.freihand_base_path == in_tmp / "data/FreiHAND_pub_v2"


def test_misspelled_key_suggests_the_valid_one(in_tmp):
    path = write(in_tmp / "c.json", {**BASE, "init_lrr": 0.1})
    lines = problems(path)
    assert lines == [f'{path}: key "init_lrr" is not a valid key (did you mean "init_lr"?)']


def test_all_problems_reported_at_once(in_tmp):
    path = write(
        in_tmp / "c.json",
        {
            "init_lrr": 0.1,
            "train_batch": "32",
            "freihand_base_path": "data/missing",
            "losses": ["mscale", "msclae"],
            "augmentation": {"rotaton_deg": 10},
        },
    )
    lines = problems(path)
    assert len(lines) == 5, lines
    joined = "\n".join(lines)
    assert 'key "init_lrr" is not a valid key (did you mean "init_lr"?)' in joined
    assert 'key "train_batch" must be an integer, got "32" (string)' in joined
    assert 'key "freihand_base_path" points to a missing folder' in joined
    assert 'key "losses[1]" unknown loss "msclae" (did you mean "mscale"?)' in joined
    assert 'key "augmentation.rotaton_deg" is not a valid key (did you mean "rotation_deg"?)' in (
        joined
    )
    assert all(line.startswith(f"{path}: ") for line in lines)


def test_cross_key_problems_reported_alongside_type_problems(in_tmp):
    lines = problems(
        write(in_tmp / "c.json", {**BASE, "seed": "1", "init_lr": 0, "losses": []}),
    )
    joined = "\n".join(lines)
    assert '"seed" must be an integer' in joined
    assert '"init_lr" must be > 0 in training' in joined
    assert '"losses" must name at least one loss term' in joined


def test_invalid_structural_key_does_not_cause_false_problems(in_tmp):
    # With "mode" broken, training-only rules must not fire on an evaluation config.
    lines = problems(write(in_tmp / "c.json", {**BASE, "mode": ["evalution"], "init_lr": 0}))
    assert len(lines) == 1 and '"mode[0]"' in lines[0] and "evaluation" in lines[0]


def test_unknown_dataset_suggests_spelling(in_tmp):
    lines = problems(write(in_tmp / "c.json", {**BASE, "train_datasets": ["FreiHAND"]}))
    assert 'key "train_datasets[0]" unknown dataset "FreiHAND" (did you mean "FreiHand"?)' in (
        lines[0]
    )


def test_original_ho3d_e2e_bug_q2_is_reported(in_tmp):
    (in_tmp / "data/HO3D").mkdir()
    lines = problems(
        write(
            in_tmp / "c.json",
            {
                "train_datasets": ["HO3D"],
                "val_datasets": ["HO3D"],
                "freihand_base_path": "data/HO3D",
                "train_queries": ["trans_images", "trans_Ks", "trans_open_2dj"],
                "val_queries": ["images", "Ks"],
                "losses": ["tsa_poses", "open_2dj"],
            },
        )
    )
    joined = "\n".join(lines)
    assert 'key "val_queries" must contain "trans_images" and "trans_Ks" for HO3D' in joined
    assert 'key "ho3d_base_path" must be set' in joined and '"freihand_base_path" is set' in joined


@pytest.mark.parametrize(
    "text, message",
    [
        ("{", "invalid JSON at line 1, column 2"),
        ("[1, 2]", "must contain a JSON object"),
        ('{"seed": 1, "seed": 2}', 'key "seed" appears more than once'),
    ],
)
def test_malformed_files(in_tmp, text, message):
    lines = problems(write(in_tmp / "c.json", text))
    assert len(lines) == 1 and message in lines[0]


def test_missing_file(in_tmp):
    assert problems(in_tmp / "nope.json") == [f"{in_tmp / 'nope.json'}: config file not found"]


def test_overrides_are_json_typed_and_nested(in_tmp):
    cfg = load_config(
        write(in_tmp / "c.json", BASE),
        [
            "init_lr=1e-4",
            "is_write_tb=true",
            'losses=["mscale","tsa_poses"]',
            "mode=evaluation",
            "pretrain_model=null",
            "synthetic_data.num_train=4",
            "augmentation.rotation_deg=30",
            'writer_topic="7"',
        ],
    )
    assert cfg.init_lr == 1e-4 and cfg.is_write_tb is True
    assert cfg.losses == ["mscale", "tsa_poses"] and cfg.run_mode == "evaluation"
    assert cfg.synthetic_data.num_train == 4 and cfg.synthetic_data.layout == "freihand"
    assert cfg.augmentation.rotation_deg == 30 and cfg.writer_topic == "7"


def test_override_problems_name_the_override(in_tmp):
    path = write(in_tmp / "c.json", {**BASE, "seed": 1})
    lines = problems(path, ["init_lrr=1", "train_batch=abc", "oops", "seed.x=1"])
    assert '--set init_lrr=1: key "init_lrr" is not a valid key (did you mean "init_lr"?)' in lines
    assert '--set train_batch=abc: key "train_batch" must be an integer, got "abc" (string)' in (
        lines
    )
    assert any(line.startswith("--set: ") and "key=value" in line for line in lines)
    assert '--set seed.x=1: key "seed" is not an object' in lines


@pytest.mark.parametrize(
    "text, keys, value",
    [
        ("a=1", ["a"], 1),
        ("a.b=x y", ["a", "b"], "x y"),
        ("a=[1, 2]", ["a"], [1, 2]),
        ("a=", ["a"], ""),
        ("a=b=c", ["a"], "b=c"),
    ],
)
def test_parse_override(text, keys, value):
    assert parse_override(text) == (keys, value)


def test_path_checks(in_tmp):
    path = write(
        in_tmp / "c.json",
        {
            **BASE,
            "val_datasets": ["HO3D"],
            "ho3d_base_path": "data/HO3D_v2",
            "train_queries": ["images", "Ks", "open_2dj"],
            "val_queries": ["trans_images", "trans_Ks"],
            "pretrain_model": "ck/model.t7",
            "hand_model": "data/MANO_RIGHT.pkl",
            "encoder_weights": "data/efficientnet-b3.pth",
            "resume": "ck",
        },
    )
    (in_tmp / "ck").mkdir()
    joined = "\n".join(problems(path))
    assert 'key "encoder_weights" points to a missing file' in joined
    assert 'key "ho3d_base_path" points to a missing folder' in joined
    assert 'key "pretrain_model" points to a missing file' in joined
    assert 'key "hand_model" points to a missing file' in joined
    assert 'key "resume" must be a file' in joined
    assert load_config(path, check_paths=False).pretrain_model == in_tmp / "ck/model.t7"


def test_dataset_root_must_be_set(in_tmp):
    lines = problems(write(in_tmp / "c.json", {}))
    assert lines == [
        f'{in_tmp / "c.json"}: key "freihand_base_path" must be set: FreiHand is used by '
        "train_datasets/val_datasets"
    ]


def test_synthetic_data_allows_missing_root_of_its_layout(in_tmp):
    data = {"freihand_base_path": "data/synth", "synthetic_data": {"num_train": 8}}
    assert load_config(write(in_tmp / "c.json", data)).synthetic_data.num_train == 8
    data["synthetic_data"]["layout"] = "ho3d"
    assert any("data/synth" in line for line in problems(write(in_tmp / "c.json", data)))


def test_evaluation_checks_only_val_dataset_roots(in_tmp):
    data = {"mode": ["evaluation"], "train_datasets": ["HO3D"], **BASE}
    assert load_config(write(in_tmp / "c.json", data)).run_mode == "evaluation"


def test_saved_config_reloads_identically(in_tmp):
    cfg = load_config(write(in_tmp / "c.json", {**BASE, "synthetic_data": {"seed": 3}}))
    saved = save_config(cfg, in_tmp / "out")
    assert saved == in_tmp / "out/config.json"
    again = load_config(saved)
    assert again == cfg
    assert read_json(saved)["lambda_j2d"] == 1e-3


def test_config_from_dict_without_path_checks():
    cfg = config_from_dict({"freihand_base_path": "/nowhere"}, overrides=["seed=5"])
    assert cfg.seed == 5
