"""The methods the experiment layer can assemble, by config name (key ``method``). No torch.

A method turns a validated config into the parts of a run (:class:`Method` in
:mod:`s2hand.experiment.method`): its network, its task (training step and test pass), its
checkpoint name and how its pretrained weights are loaded. To add one: implement those in a
module of :mod:`s2hand.experiment` and add a row here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: config name -> ``"module:callable"`` returning the method for a config.
METHODS: Mapping[str, str] = MappingProxyType({
    "s2hand": "s2hand.experiment.s2hand_method:S2HandMethod",
    "deephandmesh": "s2hand.experiment.deephandmesh_method:DeepHandMeshMethod",
})
METHOD_NAMES: frozenset[str] = frozenset(METHODS)
