"""The names a config may use (s2hand.md §1.2, §3.2-3.3, §4), gathered from their tables.

Loss names and weight keys come from the loss table (:mod:`s2hand.losses.terms`), dataset
names and queries from the dataset catalog (:mod:`s2hand.data.catalog`); both are torch-free.
The one set that only the configuration and the S2HAND network share lives here.
"""

from __future__ import annotations

from s2hand.data.catalog import DATASET_NAMES, DATASETS, QUERY_NAMES
from s2hand.losses.terms import LOSS_NAMES, TERM_SPECS

__all__ = ["DATASETS", "DATASET_NAMES", "ENCODER_NAMES", "LOSS_NAMES", "LOSS_WEIGHT_KEYS",
           "QUERY_NAMES", "REQUIRE_NAMES", "TERM_SPECS"]

#: Loss name -> its ``lambda_*`` weight key.
LOSS_WEIGHT_KEYS: dict[str, str] = {name: t.weight_key for name, t in TERM_SPECS.items()}

# Sub-networks / outputs of ``train_requires`` / ``test_requires`` (§1.3); the S2HAND network
# accepts exactly these.
REQUIRE_NAMES = frozenset({"heatmaps", "joints", "verts", "textures", "lights"})
# Image encoders of the 3D branch (config key ``encoder``; built in s2hand/models/build.py).
ENCODER_NAMES = ("efficientnet-b3", "small-cnn")
