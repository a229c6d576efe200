"""Stopping the trainer by signals: a second signal stops at once with its own number and never
cuts a checkpoint short; a signal during the evaluation pass ends it before its next batch,
records none of it, and the resumed run evaluates again and ends as an uninterrupted one."""

import csv
import os
import signal

import pytest
import torch
from toy import make_trainer, mse_step

from s2hand.engine.checkpoint import load_checkpoint
from s2hand.stopping import StopSignal


def test_second_sigterm_during_the_stop_save_waits_for_it_then_stops_with_143(tmp_path):
    def step(model, batch):
        if trainer.iteration == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # first: stop after this iteration
        return mse_step(model, batch)

    trainer = make_trainer(tmp_path, epochs=3, step=step)
    real_save = trainer.checkpoints.save

    def save_with_second_signal(state, numbered):
        os.kill(os.getpid(), signal.SIGTERM)  # second, while the stop state is being written
        return real_save(state, numbered)

    trainer.checkpoints.save = save_with_second_signal
    with pytest.raises(StopSignal) as stop:
        trainer.fit()
    assert stop.value.signum == signal.SIGTERM
    latest = tmp_path / "model" / "latest.t7"
    assert stop.value.note == f"the last checkpoint written, {latest}, is complete"
    assert load_checkpoint(latest)["iteration"] == 2  # written whole before stopping
    assert not list((tmp_path / "model").glob(".*.tmp"))
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_second_signal_outside_a_write_stops_at_once_with_its_own_number(tmp_path):
    def step(model, batch):
        if trainer.iteration == 2:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGTERM)  # raises here, before the iteration ends
        return mse_step(model, batch)

    trainer = make_trainer(tmp_path, epochs=3, step=step)
    with pytest.raises(StopSignal) as stop:
        trainer.fit()
    assert stop.value.signum == signal.SIGTERM
    assert stop.value.note == "no checkpoint was written by this run"
    assert not (tmp_path / "model" / "latest.t7").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def _evaluating_trainer(out, seen, stop_at=None):
    """Toy trainer whose evaluation takes 5 batches through ``stoppable`` and draws from the
    global RNG (as augmentation or dropout would), sending SIGTERM at ``stop_at``."""
    trainer = make_trainer(out, epochs=3)

    def on_evaluate(trainer, label):
        total = 0.0
        for b in trainer.stoppable(range(5)):
            seen.append((label, b))
            total += float(torch.rand(()))
            if (label, b) == stop_at:
                os.kill(os.getpid(), signal.SIGTERM)
        return {"score": total}

    trainer.on_evaluate = on_evaluate
    return trainer


def _test_rows(out):
    with (out / "logs" / "metrics.csv").open() as handle:
        return [(r["epoch"], r["value"]) for r in csv.DictReader(handle) if r["phase"] == "test"]


def test_signal_during_evaluation_stops_before_the_next_batch_and_resume_evaluates_again(
        tmp_path):
    full_seen = []
    full = _evaluating_trainer(tmp_path / "full", full_seen)
    full.fit()

    seen = []
    cut = _evaluating_trainer(tmp_path / "cut", seen, stop_at=(2, 1))
    summary = cut.fit()
    assert summary["interrupted"] and summary["stop_signal"] == signal.SIGTERM
    assert seen == full_seen[:7]  # epoch 1's pass, then epoch 2's batches 0 and 1 only
    assert summary["iterations"] == 10  # no training batch after the stop
    state = load_checkpoint(tmp_path / "cut" / "model" / "latest.t7")
    assert (state["epochs_done"], state["batch_in_epoch"]) == (1, 5)  # before the pass
    assert [epoch for epoch, _ in _test_rows(tmp_path / "cut")] == ["1"]  # nothing of epoch 2

    torch.manual_seed(999)  # a fresh process would not share the RNG state of the first run
    resumed = _evaluating_trainer(tmp_path / "cut", seen)
    resumed.resume(str(tmp_path / "cut" / "model" / "latest.t7"))
    resumed.fit()
    assert seen[7:] == full_seen[5:]  # epoch 2 evaluated again, whole, then epoch 3
    assert _test_rows(tmp_path / "cut") == _test_rows(tmp_path / "full")
    for key, value in full.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[key], value), key
