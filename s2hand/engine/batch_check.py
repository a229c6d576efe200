"""Start-up check of ``train_batch`` against the training set and the model's BatchNorm layers,
so that a batch size that cannot work is refused by name before anything runs."""

from __future__ import annotations

from torch import nn

from s2hand.config.errors import ConfigError

from .optim import is_frozen


def trainable_batchnorm(model: nn.Module) -> list[str]:
    """Names of BatchNorm layers that normalise with batch statistics while training (those not
    inside a frozen sub-network)."""
    frozen: list[str] = []
    names = []
    for name, module in model.named_modules():
        if is_frozen(module):
            frozen.append(f"{name}.")
        elif (isinstance(module, nn.modules.batchnorm._BatchNorm)
              and not any(f"{name}.".startswith(f) for f in frozen)):
            names.append(name)
    return names


def check_train_batch(train_batch: int, num_samples: int, world_size: int,
                      model: nn.Module) -> None:
    """Raise :class:`ConfigError` naming ``train_batch`` when no full batch fits in the training
    set (batches are drop-last) or when a batch of 1 meets BatchNorm layers in training."""
    per_rank = num_samples // max(world_size, 1)
    ranks = f" per process ({world_size} processes)" if world_size > 1 else ""
    if train_batch > per_rank:
        raise ConfigError([
            f'key "train_batch": {train_batch} is larger than the training set ({num_samples} '
            f"samples, {per_rank}{ranks}); incomplete batches are dropped, so not one batch "
            f"would run. Use train_batch <= {max(per_rank, 1)} or a larger training set."])
    bn = trainable_batchnorm(model) if train_batch == 1 else []
    if bn:
        shown = ", ".join(bn[:3]) + (f" and {len(bn) - 3} more" if len(bn) > 3 else "")
        raise ConfigError([
            f'key "train_batch": 1, but the model has BatchNorm layers in training ({shown}): '
            "they normalise with statistics over the batch, which one sample does not give "
            "(and fails on 1x1 feature maps). Use train_batch >= 2, or freeze the sub-networks "
            "holding them."])
