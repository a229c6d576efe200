"""What a resumed run may change: the one table of config keys left out of the settings that
every training checkpoint records, and the refusal when a resume changes any other.

Every key of the resolved config is recorded except those below, rather than a list of the keys
that matter: a key added to the schema later is then checked without anyone remembering to add
it, and a key wrongly left checked costs a clear refusal, where one wrongly left out would cost
a silently shifted result. A key belongs here only when it cannot change what the remaining
epochs compute or how their scores compare with the recorded ones (``initial`` in
``scores.json``). The trainer adds its own facts (ranks, training set sizes, mixed precision
in effect), see :meth:`s2hand.engine.Trainer.continuation_settings`.

There is deliberately no override to accept a change: on resume the optimiser and scheduler
state come from the checkpoint, so a changed ``init_lr``, ``lr_steps``, ``lr_gamma``,
``optimizer`` or ``weight_decay`` would not even take effect, and any other change makes the
folder's records (``config.json``, the metrics log, ``scores.json``) describe two experiments as
one. A fresh ``base_out_path`` with ``pretrain_model`` set to the checkpoint keeps them apart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from s2hand.config import RESOLVED_CONFIG_NAME
from s2hand.config.errors import ConfigError, show
from s2hand.engine.checkpoint import load_checkpoint
from s2hand.engine.resume_check import SettingsChanged
from s2hand.outputs import atomic_write_text

#: Top-level config keys a resume may change, and why that changes no result.
RESUME_FREE_KEYS: Mapping[str, str] = MappingProxyType({
    "resume": "how this run starts",
    "base_out_path": "where the outputs go (a copied run folder may be resumed)",
    "device": "where it runs (bit for bit only on the same kind of device; whether amp takes "
              "effect there is one of the trainer's facts)",
    "num_workers": "each sample is drawn from its own seed, and loading it never touches the "
                   "training process's generators",
    "total_epochs": "where the run stops, not the way there: each epoch's order is a function "
                    "of (seed, epoch) and the lr milestones are epoch numbers",
    "save_interval": "when test passes and numbered checkpoints happen; the test pass leaves the "
                     "generators as it found them and the last epoch is always tested",
    "keep_last_checkpoints": "how many old checkpoints are kept",
    "max_bad_batches": "when a run gives up (bad batches are skipped either way); raising it "
                       "to resume an aborted run is what its message suggests",
    "fail_on_bad_image": "whether an unreadable image stops the run or is replaced by the next "
                         "sample, as it would have been all along",
    "print_freq": "console and metrics-log period",
    "demo_freq": "training figures (drawn with the generators put back)",
    "demo_freq_evaluation": "test-pass figures",
    "img_wise_save": "extra figures",
    "export_obj": "extra test outputs",
    "save_2d": "extra test outputs",
    "is_write_tb": "TensorBoard logging",
    "writer_topic": "TensorBoard folder",
    "mode_0": "ignored key of the original's configs",
})


def resume_settings(resolved: Mapping[str, Any]) -> dict[str, Any]:
    """The resolved config (``config_to_dict``, JSON values) without :data:`RESUME_FREE_KEYS`:
    what a training checkpoint records and a resume must match."""
    return {k: v for k, v in resolved.items() if k not in RESUME_FREE_KEYS}


# What the trainer's own facts mean, for the message.
_FACTS = {"world_size": "the number of processes torchrun starts",
          "dataset_sizes": "samples per training dataset, e.g. images added to a folder",
          "amp_in_use": "mixed precision, which amp gives on a CUDA device only"}


def resume_refusal(err: SettingsChanged) -> ConfigError:
    """The one-paragraph config error (exit status 2) for a resume under changed settings."""
    listed = "; ".join(f'"{name}" was {show(old)}, now {show(new)}'
                       for name, old, new in err.changes)
    facts = [f"{name}: {_FACTS[name]}" for name, _, _ in err.changes if name in _FACTS]
    facts_note = f" ({'; '.join(facts)})" if facts else ""
    return ConfigError([
        f'key "resume": checkpoint {err.path} continues a run with other settings: {listed}'
        f"{facts_note}. A resumed run continues that run's sample order and optimisation "
        "exactly, so these must stay as they were (what may change is listed in "
        "docs/reliability.md). Undo the change to resume; or start a fresh run in another "
        f'base_out_path, with "pretrain_model": "{err.path}" to start from its weights (the '
        "optimiser state then starts afresh). Nothing was trained and the checkpoint is "
        "untouched."])


def put_back_config(checkpoint: Path, out_dir: Path) -> None:
    """After a refused resume of ``out_dir``'s own checkpoint: ``config.json``, rewritten at
    start-up with the refused config, again holds the config of the run the checkpoint
    continues (recorded in it), so the folder still describes its run."""
    if checkpoint.resolve().parent != (out_dir / "model").resolve():
        return
    recorded = load_checkpoint(checkpoint).get("config")
    if recorded:
        atomic_write_text(out_dir / RESOLVED_CONFIG_NAME, json.dumps(recorded, indent=2) + "\n")
