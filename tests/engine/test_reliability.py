"""Engine faults: a signal is reported in the summary, a resume with another model and a .t7 of
random bytes give short messages naming the file, train_batch is checked at start, skipped
training images are counted."""

import logging
import os
import signal
import types

import pytest
import torch
from torch import nn
from toy import ToyNet, make_trainer, mse_step

from s2hand.config import ConfigError
from s2hand.engine import CheckpointError, StepOutput, load_checkpoint
from s2hand.engine.batch_check import check_train_batch
from s2hand.engine.hand_task import HandTask
from s2hand.models.checkpoint import read_original_checkpoint


def test_sigterm_stops_saves_and_is_reported(tmp_path):
    def step(model, batch):
        if trainer.iteration == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return mse_step(model, batch)

    trainer = make_trainer(tmp_path, epochs=3, step=step)
    summary = trainer.fit()
    assert summary["interrupted"] and summary["stop_signal"] == signal.SIGTERM
    assert summary["last_checkpoint"] == str(tmp_path / "model" / "latest.t7")
    assert load_checkpoint(summary["last_checkpoint"])["iteration"] == 2
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored


class WiderNet(ToyNet):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU())
        self.head = nn.Linear(16, 1)


def test_resume_with_another_model_is_a_short_message_naming_file_and_config(tmp_path):
    first = make_trainer(tmp_path, epochs=1)
    first.resolved_config = {"name": "toy", "body": "narrow", "lr": 1}
    first.fit()
    second = make_trainer(tmp_path / "b", epochs=2, model=WiderNet())
    second.resolved_config = {"name": "toy", "body": "wide", "lr": 1}
    path = tmp_path / "model" / "latest.t7"
    with pytest.raises(CheckpointError) as caught:
        second.resume(str(path))
    message = str(caught.value)
    assert message.startswith(f"checkpoint {path} does not fit this run's model")
    assert "keys of another shape" in message and "body ('narrow' there, 'wide' here)" in message
    assert len(message) < 800


def test_random_bytes_as_a_t7_never_suggest_an_unsafe_retry(tmp_path):
    path = tmp_path / "texturehand_3.t7"
    path.write_bytes(bytes(range(256)) * 20)
    for load in (load_checkpoint, read_original_checkpoint):
        with pytest.raises(ValueError) as caught:
            load(path)
        message = str(caught.value)
        assert str(path) in message and "not a PyTorch checkpoint" in message
        assert "weights_only" not in message and "Re-running" not in message


def test_train_batch_checked_against_dataset_and_batchnorm():
    model = ToyNet()
    with pytest.raises(ConfigError, match=r'key "train_batch": 8 is larger than the training '
                                          r"set \(6 samples"):
        check_train_batch(8, 6, 1, model)
    with pytest.raises(ConfigError, match=r"4 per process \(2 processes\)"):
        check_train_batch(5, 8, 2, model)
    with pytest.raises(ConfigError, match=r'"train_batch": 1, but .*BatchNorm.*\(body\.1\)'):
        check_train_batch(1, 6, 1, model)
    model.body._s2hand_frozen = True  # what freeze_module marks: its BatchNorm is in eval mode
    check_train_batch(1, 6, 1, model)
    check_train_batch(6, 6, 1, ToyNet())


def test_skipped_training_images_are_counted_and_logged(monkeypatch, caplog, tmp_path):
    import s2hand.engine.hand_task as hand_task

    config = types.SimpleNamespace(train_requires=["joints"], test_requires=["joints"],
                                   task="train", losses=["open_2dj"],
                                   losses_for=lambda name: ["open_2dj"])
    monkeypatch.setattr(hand_task, "compute_losses",
                        lambda names, output, batch, cfg: {"open_2dj": torch.tensor(1.0)})
    task = HandTask(config, tmp_path)
    model = lambda images, Ks, requires, task: None  # noqa: E731 - a stand-in forward
    batch = {"images": None, "Ks": None, "dataset": ["FreiHand"] * 2,
             "skipped_files": ["/d/training/rgb/00000001.jpg"]}
    caplog.set_level(logging.WARNING, logger="s2hand.engine.hand_task")
    assert isinstance(task.train_step(model, batch), StepOutput)
    task.train_step(model, {**batch, "skipped_files": []})
    task.train_step(model, batch)
    assert task.skipped_images == ["/d/training/rgb/00000001.jpg"] * 2
    assert "00000001.jpg (2 skipped so far)" in caplog.records[-1].getMessage()
