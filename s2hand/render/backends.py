"""Choosing a renderer backend by name (config key ``renderer``)."""

from __future__ import annotations

from torch import nn

from .errors import RenderInputError
from .renderer import Renderer

BACKENDS = ("torch", "nr")


def make_renderer(backend: str = "torch", **kwargs) -> nn.Module:
    """Build a renderer by backend name: ``"torch"`` (:class:`Renderer`) or ``"nr"``
    (:class:`~s2hand.render.nr_backend.NeuralRendererBackend`, optional, CUDA only); keyword
    arguments as :class:`Renderer`."""
    if backend == "torch":
        return Renderer(**kwargs)
    if backend == "nr":
        from .nr_backend import NeuralRendererBackend

        return NeuralRendererBackend(**kwargs)
    raise RenderInputError(f"renderer backend must be one of {BACKENDS}; got {backend!r}.")
