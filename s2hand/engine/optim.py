"""Optimiser, learning-rate schedule and sub-network freezing.

Deviation from the original (§1.5, Q15): ``"AdamW"`` builds a real ``torch.optim.AdamW``
(decoupled weight decay) instead of Adam with L2 penalty; ``"Adam"`` keeps the original
``weight_decay=0`` default. Frozen sub-networks are put in eval mode so that their BatchNorm
running statistics stay frozen *and* are used for normalisation (the original only set the BN
momentum to 0 and kept normalising with batch statistics, §5.3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import nn

OPTIMIZERS = ("Adam", "AdamW", "SGD")


def build_optimizer(params: Iterable[nn.Parameter], name: str = "Adam", lr: float = 1e-3,
                    weight_decay: float | None = None) -> torch.optim.Optimizer:
    """Adam (weight decay 0 by default), AdamW (decoupled, 0.01 by default) or SGD (momentum 0.9).

    Only parameters with ``requires_grad`` are handed to the optimiser.
    """
    trainable = [p for p in params if p.requires_grad]
    if not trainable:
        raise ValueError("optimizer: no trainable parameters (every sub-network is frozen); "
                         "unfreeze one, e.g. set freeze_hm_estimator to false")
    if name == "Adam":
        return torch.optim.Adam(trainable, lr=lr, betas=(0.9, 0.999),
                                weight_decay=weight_decay or 0.0)
    if name == "AdamW":
        return torch.optim.AdamW(trainable, lr=lr, betas=(0.9, 0.999),
                                 weight_decay=0.01 if weight_decay is None else weight_decay)
    if name == "SGD":
        return torch.optim.SGD(trainable, lr=lr, momentum=0.9, weight_decay=weight_decay or 0.0)
    raise ValueError(f"optimizer: unknown name {name!r}; expected one of {', '.join(OPTIMIZERS)}")


def build_scheduler(optimizer: torch.optim.Optimizer, lr_steps: Sequence[int],
                    lr_gamma: float) -> torch.optim.lr_scheduler.MultiStepLR:
    """MultiStepLR stepped once per epoch; milestones count epochs of this run (§1.5)."""
    return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=list(lr_steps),
                                                gamma=lr_gamma)


def freeze_module(module: nn.Module) -> None:
    """Stop training ``module``: no gradients, and (see :func:`apply_frozen_modes`) eval mode."""
    for param in module.parameters():
        param.requires_grad_(False)
    module._s2hand_frozen = True  # read by apply_frozen_modes after every .train() call


def is_frozen(module: nn.Module) -> bool:
    return bool(getattr(module, "_s2hand_frozen", False))


def apply_frozen_modes(model: nn.Module) -> None:
    """Put every frozen sub-module in eval mode (call after ``model.train()``).

    ``nn.Module.train()`` recurses into children, so a frozen BatchNorm would otherwise update
    its running statistics again on the next forward.
    """
    for module in model.modules():
        if is_frozen(module):
            module.eval()
