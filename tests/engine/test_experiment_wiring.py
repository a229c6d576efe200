"""run_experiment hands the model keys of the config to build_model (no data is loaded)."""

import pytest

from s2hand.config import config_from_dict
from s2hand.experiment import run_experiment, s2hand_method


class _Stop(Exception):
    pass


def test_model_keys_reach_build_model(tmp_path, monkeypatch):
    seen = {}

    def fake_build_model(requires, **kwargs):
        seen.update(kwargs, requires=requires)
        raise _Stop

    monkeypatch.setattr(s2hand_method, "build_model", fake_build_model)
    weights = tmp_path / "efficientnet-b3.pth"
    cfg = config_from_dict({"freihand_base_path": str(tmp_path / "data"),
                            "base_out_path": str(tmp_path / "out"), "device": "cpu",
                            "encoder_weights": str(weights), "renderer": "nr"})
    with pytest.raises(_Stop):
        run_experiment(cfg)
    assert seen["encoder_weights"] == weights
    assert seen["renderer"] == "nr"
    assert seen["requires"] == ["joints", "verts"]
