"""A tiny model/dataset/step for the generic-trainer tests (no hands involved)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Dataset

from s2hand.engine import (
    CheckpointManager,
    StepOutput,
    Trainer,
    TrainerConfig,
    build_optimizer,
    build_scheduler,
)
from s2hand.engine.metrics_log import MetricsLogger


class ToyData(Dataset):
    """Fixed inputs; each __getitem__ adds fresh noise from the global RNG (an 'augmentation')."""

    def __init__(self, n: int = 40):
        gen = torch.Generator().manual_seed(123)
        self.x = torch.randn(n, 4, generator=gen)
        self.y = self.x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict:
        return {"x": self.x[i] + 0.01 * torch.randn(4), "y": self.y[i]}


class ToyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2))
        self.head = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def mse_step(model: nn.Module, batch: dict) -> StepOutput:
    loss = ((model(batch["x"]) - batch["y"]) ** 2).mean()
    return StepOutput(loss=loss, scalars={"mse": float(loss.detach())})


def make_trainer(out: Path, epochs: int = 3, step=mse_step, model: nn.Module | None = None,
                 tb: bool = False, **cfg_kw) -> Trainer:
    torch.manual_seed(0)
    model = model or ToyNet()
    opt = build_optimizer(model.parameters(), "Adam", lr=1e-2)
    sched = build_scheduler(opt, [2], 0.5)
    cfg = TrainerConfig(epochs=epochs, batch_size=8, seed=7, progress=False, log_freq=1, **cfg_kw)
    logger = MetricsLogger(out / "logs", tb_dir=out / "tb" if tb else None)
    return Trainer(model, step, opt, sched, ToyData(), cfg, torch.device("cpu"),
                   checkpoints=CheckpointManager(out / "model", "toy", keep_last=2),
                   logger=logger, resolved_config={"name": "toy"})
