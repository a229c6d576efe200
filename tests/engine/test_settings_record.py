"""Every checkpoint records the settings its continuation depends on; a resume under other
settings is refused naming each, one without a record resumes with a warning; what the
trainer's own processes and hooks draw never shifts training (so those may change)."""

import logging
import random

import pytest
import torch
from toy import make_trainer, mse_step

from s2hand.engine import load_checkpoint
from s2hand.engine.checkpoint import atomic_torch_save
from s2hand.engine.resume_check import SettingsChanged

SETTINGS = {"batch": 8, "loss": {"w": 1.0, "terms": ["mse"]}}


def _weights(trainer):
    return {k: v.clone() for k, v in trainer.model.state_dict().items()}


def _first_epoch(out):
    trainer = make_trainer(out, epochs=1)
    trainer.settings = dict(SETTINGS)
    trainer.fit()
    return out / "model" / "latest.t7"


def test_checkpoint_records_settings_and_facts(tmp_path):
    state = load_checkpoint(_first_epoch(tmp_path))
    assert state["settings"] == {**SETTINGS, "world_size": 1, "dataset_sizes": [40],
                                 "amp_in_use": False}


def test_changed_settings_are_refused_naming_each(tmp_path):
    path = _first_epoch(tmp_path)
    before = path.read_bytes()
    second = make_trainer(tmp_path / "b", epochs=2)
    second.settings = {"batch": 4, "loss": {"w": 2.0, "terms": ["mse"]}}
    with pytest.raises(SettingsChanged) as caught:
        second.resume(str(path))
    assert caught.value.changes == [("batch", 8, 4), ("loss.w", 1.0, 2.0)]
    assert str(path) in str(caught.value) and "(8 there, 4 here)" in str(caught.value)
    assert second.iteration == 0 and path.read_bytes() == before

    other_data = make_trainer(tmp_path / "c", epochs=2)
    other_data.settings = dict(SETTINGS)
    other_data.sampler.sizes = [48]  # as if images were added to the training set
    with pytest.raises(SettingsChanged, match=r"dataset_sizes \(\[40\] there, \[48\] here\)"):
        other_data.resume(str(path))


def test_checkpoint_without_record_resumes_with_a_warning(tmp_path, caplog):
    path = _first_epoch(tmp_path)
    state = load_checkpoint(path)
    del state["settings"]
    atomic_torch_save(state, path)
    second = make_trainer(tmp_path, epochs=2)
    second.settings = {"batch": 4}
    with caplog.at_level(logging.WARNING, logger="s2hand.engine.resume_check"):
        second.resume(str(path))
    assert second.epochs_done == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "records no settings" in warnings[0] and str(path) in warnings[0]


def test_a_key_unknown_to_the_checkpoint_is_not_checked_but_named(tmp_path, caplog):
    path = _first_epoch(tmp_path)
    second = make_trainer(tmp_path, epochs=2)
    second.settings = {**SETTINGS, "loss": {**SETTINGS["loss"], "new_key": 1}}
    with caplog.at_level(logging.WARNING, logger="s2hand.engine.resume_check"):
        second.resume(str(path))
    assert "not checked: loss.new_key" in caplog.text


def test_workers_and_hooks_never_shift_training(tmp_path):
    """ToyNet's dropout draws from the training process's generator: loading in that process
    (num_workers=0) and hooks that draw must leave it alone, or those settings would matter."""
    plain = make_trainer(tmp_path / "a", epochs=2)
    plain.fit()

    def draw(*_):
        random.random()
        torch.rand(3)
        return {}

    busy = make_trainer(tmp_path / "b", epochs=2, num_workers=1)
    busy.on_iteration = draw
    busy.on_evaluate = draw
    busy.fit()
    assert plain.iteration == busy.iteration == 10
    a, b = _weights(plain), _weights(busy)
    assert all(torch.equal(a[k], b[k]) for k in a)

    # not vacuous: a draw inside the step itself does shift the dropout masks
    def drawing_step(model, batch):
        torch.rand(3)
        return mse_step(model, batch)

    shifted = make_trainer(tmp_path / "c", epochs=2, step=drawing_step)
    shifted.fit()
    c = _weights(shifted)
    assert not all(torch.equal(a[k], c[k]) for k in a)

