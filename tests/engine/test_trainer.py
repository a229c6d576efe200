import csv
import json

import pytest
import torch
from toy import ToyNet, make_trainer, mse_step

from s2hand.engine import StepOutput, TrainingAborted, build_optimizer, freeze_module
from s2hand.engine.checkpoint import load_checkpoint


def _weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_resume_mid_epoch_matches_uninterrupted(tmp_path):
    full = make_trainer(tmp_path / "full")
    full.fit()
    reference = _weights(full.model)

    def stop_at_7(trainer, batch, output):
        if trainer.iteration == 7:  # 5 batches per epoch: mid-epoch 2
            trainer.request_stop()

    first = make_trainer(tmp_path / "cut")
    first.on_iteration = stop_at_7
    summary = first.fit()
    assert summary["interrupted"] and summary["iterations"] == 7
    state = load_checkpoint(tmp_path / "cut" / "model" / "latest.t7")
    assert (state["epochs_done"], state["batch_in_epoch"]) == (1, 2)

    torch.manual_seed(999)  # a fresh process would not share the RNG state of the first run
    second = make_trainer(tmp_path / "cut")
    second.resume(str(tmp_path / "cut" / "model" / "latest.t7"))
    second.fit()
    assert second.iteration == full.iteration == 15
    _assert_same(_weights(second.model), reference)
    assert second.optimizer.param_groups[0]["lr"] == full.optimizer.param_groups[0]["lr"] == 5e-3


def test_epoch_checkpoints_and_scheduler(tmp_path):
    trainer = make_trainer(tmp_path, epochs=4)
    summary = trainer.fit()
    names = sorted(p.name for p in (tmp_path / "model").iterdir())
    assert names == ["latest.t7", "toy_3.t7", "toy_4.t7"]  # keep_last=2
    state = load_checkpoint(tmp_path / "model" / "toy_4.t7")
    assert state["epoch"] == 4 and state["iteration"] == 20 and state["config"] == {"name": "toy"}
    assert state["scheduler"]["last_epoch"] == 4
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(5e-3)  # milestone at 2
    assert summary["iterations"] == 20 and summary["bad_batches"] == 0


def test_nan_guard_skips_then_aborts_keeping_checkpoint(tmp_path):
    def sometimes_nan(model, batch):
        out = mse_step(model, batch)
        if trainer.iteration in (3, 4):
            out.loss = out.loss * float("nan")
        return out

    trainer = make_trainer(tmp_path, epochs=2, step=sometimes_nan)
    summary = trainer.fit()
    assert summary["bad_batches"] == 2
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())

    def always_nan_after_epoch_1(model, batch):
        out = mse_step(model, batch)
        if trainer.epochs_done >= 1:
            out.loss = out.loss + float("inf")
        return out

    out = tmp_path / "abort"
    trainer = make_trainer(out, epochs=3, step=always_nan_after_epoch_1, max_bad_batches=2)
    with pytest.raises(TrainingAborted, match="last good checkpoint is .*toy_1.t7"):
        trainer.fit()
    state = load_checkpoint(out / "model" / "latest.t7")
    assert state["epochs_done"] == 1 and state["iteration"] == 5


def test_none_loss_skips_without_counting_bad(tmp_path):
    trainer = make_trainer(tmp_path, epochs=1, step=lambda m, b: StepOutput(loss=None))
    before = _weights(trainer.model)
    summary = trainer.fit()
    assert summary["skipped_batches"] == 5 and summary["bad_batches"] == 0
    _assert_same(_weights(trainer.model), before)


def test_frozen_subnet_keeps_weights_and_bn_statistics(tmp_path):
    model = ToyNet()
    freeze_module(model.body)
    trainer = make_trainer(tmp_path, epochs=1, model=model)
    body_before = {k: v.clone() for k, v in model.body.state_dict().items()}
    head_before = model.head.weight.clone()
    trainer.fit()
    for key, value in model.body.state_dict().items():
        assert torch.equal(value, body_before[key]), key  # includes BN running stats
    assert not torch.equal(model.head.weight, head_before)
    assert model.body[1].training is False


def test_optimizer_choices():
    model = ToyNet()
    assert type(build_optimizer(model.parameters(), "AdamW", 1e-3)) is torch.optim.AdamW
    adam = build_optimizer(model.parameters(), "Adam", 1e-3)
    assert type(adam) is torch.optim.Adam and adam.param_groups[0]["weight_decay"] == 0
    with pytest.raises(ValueError, match="unknown name"):
        build_optimizer(model.parameters(), "Adagrad", 1e-3)


def test_logs_csv_jsonl_and_tensorboard(tmp_path):
    trainer = make_trainer(tmp_path, epochs=2, tb=True)
    trainer.fit()
    with (tmp_path / "logs" / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    steps = sorted({int(r["iteration"]) for r in rows if r["name"] == "loss"})
    assert steps == list(range(1, 11))
    assert {r["name"] for r in rows} >= {"loss", "mse", "lr"}
    records = [json.loads(line) for line in (tmp_path / "logs" / "metrics.jsonl").open()]
    assert records[-1]["iteration"] == 10 and records[-1]["epoch"] == 2
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))
