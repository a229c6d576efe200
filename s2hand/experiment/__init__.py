"""The assembly layer: the only package that reads an :class:`~s2hand.config.ExperimentConfig`.

``run_experiment(config)`` picks the method (:mod:`s2hand.experiment.methods`), builds the data
(:mod:`s2hand.experiment.data`), the method's network and task, the optimiser and the generic
trainer (:mod:`s2hand.experiment.build`) and runs the config's mode
(:mod:`s2hand.experiment.run`). Imported lazily: :mod:`s2hand.experiment.methods` is read by the
torch-free configuration.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_experiment"]


def run_experiment(config: Any) -> dict:
    """See :func:`s2hand.experiment.run.run_experiment`."""
    from s2hand.experiment.run import run_experiment as run

    return run(config)
