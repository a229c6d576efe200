"""Batched rendering of generated hands with :class:`s2hand.render.Renderer`.

The renderer runs without 2x supersampling and without soft-edge gradients (4x and ~5x
cheaper); :func:`~s2hand.data.synthetic.appearance.composite` softens the edges afterwards.

Pixel convention: the datasets (like OpenCV, FreiHAND's K and OpenPose) put pixel centres on
integer coordinates, while the renderer follows neural_renderer, whose pixel ``i`` is centred on
``i + 0.5``. Rendering with the principal point shifted by +0.5 px makes the written images agree
with the written K in the OpenCV convention.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from s2hand.hand.hand_model import HandModel, load_hand_model
from s2hand.hand.layer import ManoLayer
from s2hand.render import Renderer

PIXEL_CENTRE_SHIFT = 0.5


class HandRenderer:
    """The hand model (full-pose layer, ``flat_hand_mean=False``) and a renderer per size."""

    def __init__(self, hand_model: HandModel | str | Path | None = None):
        model = hand_model if isinstance(hand_model, HandModel) else load_hand_model(hand_model)
        self.model = model
        self.layer = ManoLayer(model, use_pca=False, flat_hand_mean=False)
        with torch.no_grad():
            rest = self.layer(torch.zeros(1, 3), torch.zeros(1, 45)).vertices[0]
        self.rest_verts = rest.double().numpy()
        self._renderers: dict[int, Renderer] = {}

    def render(self, verts: np.ndarray, K: np.ndarray, colors: np.ndarray, lights: np.ndarray,
               size: int) -> tuple[np.ndarray, np.ndarray]:
        """Render ``verts (B,V,3)`` (camera frame) with ``K (B,3,3)`` into ``size``² images.

        Returns ``rgb (B,size,size,3)`` float32 and hard coverage ``alpha (B,size,size)``.
        """
        if size not in self._renderers:
            self._renderers[size] = Renderer(size, anti_aliasing=False, soft_sigma=0.0)
        renderer = self._renderers[size]
        K = K.copy()
        K[:, :2, 2] += PIXEL_CENTRE_SHIFT
        with torch.no_grad():
            out = renderer(torch.as_tensor(verts, dtype=torch.float32), self.layer.faces,
                           torch.as_tensor(K, dtype=torch.float32),
                           textures=torch.as_tensor(colors, dtype=torch.float32),
                           lights=torch.as_tensor(lights, dtype=torch.float32),
                           outputs=("rgb", "silhouette"))
        rgb = out.rgb.permute(0, 2, 3, 1).clamp(0, 1).numpy()
        alpha = (out.silhouette > 0.5).float().numpy()
        return rgb, alpha
