"""build_model(renderer="nr"): the guarded neural_renderer backend fails with a clear message
where it cannot run (package missing, or no CUDA)."""

import sys
import types

import pytest
import torch

from s2hand.models import ModelConfigError, build_model


def test_nr_without_the_package_is_a_clear_config_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "neural_renderer", None)  # import raises ImportError
    with pytest.raises(ModelConfigError, match='renderer "nr".*neural_renderer.*not importable'):
        build_model(["joints"], renderer="nr")


def test_nr_without_cuda_is_a_clear_config_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "neural_renderer", types.ModuleType("neural_renderer"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ModelConfigError, match='renderer "nr".*needs CUDA'):
        build_model(["joints"], renderer="nr")


def test_unknown_renderer_and_no_renderer():
    with pytest.raises(ModelConfigError, match="renderer must be one of"):
        build_model(["joints"], renderer="opengl")
    assert build_model(["heatmaps"], renderer="nr").renderer is None  # 2D branch only
