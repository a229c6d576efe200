"""Resume through run_experiment and s2hand-train: a checkpoint written under other settings
(train_batch, seed, a loss weight, lr_steps) is refused naming each key with both values
(exit status 2), leaving the folder as it was; a harmless change (num_workers, print_freq,
total_epochs) continues bit for bit; an old checkpoint without a record resumes with a
warning. A small S2HAND run: the small CNN, 4 synthetic images, one iteration per epoch."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
import torch

from s2hand.cli.train import main as train_main
from s2hand.config import ConfigError, ExperimentConfig, config_from_dict
from s2hand.engine import load_checkpoint, read_checkpoint
from s2hand.engine.checkpoint import atomic_torch_save
from s2hand.engine.resume_check import SettingsChanged
from s2hand.experiment.resume_settings import RESUME_FREE_KEYS, resume_refusal
from s2hand.experiment.run import run_experiment


def _raw(tmp: Path, out: Path, **changes) -> dict:
    return {
        "train_datasets": ["FreiHand"], "val_datasets": ["FreiHand"],
        "freihand_base_path": str(tmp / "data"),
        "synthetic_data": {"num_train": 4, "num_eval": 2, "seed": 1, "layout": "freihand"},
        "base_out_path": str(out), "device": "cpu", "num_workers": 0,
        "encoder": "small-cnn", "encoder_input_size": 64,
        "train_batch": 2, "val_batch": 2, "total_epochs": 1, "lr_steps": [1],
        "max_iters_per_epoch": 1, "print_freq": 1, "demo_freq": 0, "demo_freq_evaluation": 0,
        "train_queries": ["trans_images", "trans_Ks", "trans_open_2dj"],
        "val_queries": ["images", "Ks", "open_2dj"], "losses": ["open_2dj", "mscale"],
        **changes}


def _run(tmp: Path, out: Path, **changes) -> dict:
    return run_experiment(config_from_dict(_raw(tmp, out, **changes)))


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """A finished 1-epoch run; tests copy its folder before changing it."""
    tmp = tmp_path_factory.mktemp("resume")
    _run(tmp, tmp / "first")
    return tmp


def _copy(tmp: Path, name: str) -> Path:
    out = tmp / name
    shutil.copytree(tmp / "first", out)
    (out / ".s2hand.lock").unlink(missing_ok=True)
    return out


def test_free_keys_are_config_keys():
    assert set(RESUME_FREE_KEYS) <= set(ExperimentConfig.model_fields)


def test_trainer_facts_are_explained_in_the_refusal(tmp_path):
    message = str(resume_refusal(SettingsChanged(tmp_path / "latest.t7",
                                                 [("world_size", 2, 1)])))
    assert '"world_size" was 2 (integer), now 1 (integer) (world_size: the number of ' in message


@pytest.mark.parametrize(("key", "value", "shown"), [
    ("train_batch", 4, '"train_batch" was 2 (integer), now 4 (integer)'),
    ("seed", 3, '"seed" was 0 (integer), now 3 (integer)'),
    ("lambda_j2d", 2.0, '"lambda_j2d" was 0.001 (number), now 2.0 (number)'),
    ("lr_steps", [2], '"lr_steps" was [1] (list), now [2] (list)'),
])
def test_changed_setting_is_refused_and_the_folder_kept(first, key, value, shown):
    out = first / "first"
    latest = out / "model" / "latest.t7"
    checkpoint, config = latest.read_bytes(), (out / "config.json").read_text()
    with pytest.raises(ConfigError) as caught:
        _run(first, out, resume="auto", total_epochs=2, **{key: value})
    message = str(caught.value)
    assert message.startswith(f'key "resume": checkpoint {latest} continues a run with other '
                              "settings: ")
    assert shown in message and "another base_out_path" in message and "\n" not in message
    assert message.count(", now ") == 1  # total_epochs may change: not named
    assert latest.read_bytes() == checkpoint
    assert (out / "config.json").read_text() == config  # put back after start-up rewrote it


def test_harmless_changes_continue_bit_for_bit(first):
    reference = _run(first, first / "full", total_epochs=2)
    out = _copy(first, "harmless")
    resumed = _run(first, out, resume="auto", total_epochs=2, num_workers=1, print_freq=2,
                   keep_last_checkpoints=1)
    assert resumed["iterations"] == reference["iterations"] == 2
    assert f"resumed from {out / 'model' / 'latest.t7'}: epoch 1 done" in (
        out / "train.log").read_text()
    a = read_checkpoint(first / "full" / "model" / "latest.t7")["model"]
    b = read_checkpoint(out / "model" / "latest.t7")["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_old_checkpoint_resumes_with_a_warning(first):
    out = _copy(first, "old")
    latest = out / "model" / "latest.t7"
    state = load_checkpoint(latest)
    del state["settings"]
    atomic_torch_save(state, latest)
    resumed = _run(first, out, resume="auto", total_epochs=2, seed=3)
    assert (resumed["epochs_done"], resumed["iterations"]) == (2, 2)
    log = (out / "train.log").read_text()
    assert f"resumed from {latest}: epoch 1 done" in log
    lines = [line for line in log.splitlines() if " WARNING " in line]
    assert len(lines) == 1 and f"checkpoint {latest} records no settings" in lines[0]


def test_cli_exits_2_and_logs_the_refusal(first, capsys, monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # the CLI's handlers go with the test
    monkeypatch.setattr(root, "level", root.level)
    out = _copy(first, "cli")
    config = first / "cli.json"
    config.write_text(json.dumps(_raw(first, out)))
    resolved = (out / "config.json").read_text()
    status = train_main(["--config_json", str(config), "--set", "resume=auto",
                         "--set", "train_batch=4"])
    assert status == 2
    assert (out / "config.json").read_text() == resolved
    logged = (out / "train.log").read_text()
    assert '"train_batch" was 2 (integer), now 4 (integer)' in logged
    assert '"train_batch" was 2' in capsys.readouterr().err
