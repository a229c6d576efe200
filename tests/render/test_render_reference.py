"""Cross-check against an independent brute-force rasteriser on a closed, curved mesh."""

from __future__ import annotations

import numpy as np
import torch
from render_helpers import icosphere, intrinsics, reference_raster

from s2hand.render import Renderer


def _mesh():
    """A posed hand when the hand package provides one, else a bumpy icosphere."""
    try:
        from s2hand.hand import ManoLayer, load_hand_model

        layer = ManoLayer(load_hand_model(), use_pca=True).double()
        gen = torch.Generator().manual_seed(3)
        pose = 0.8 * torch.randn(1, 30, generator=gen, dtype=torch.float64)
        out = layer(torch.tensor([[2.8, 0.2, 0.1]], dtype=torch.float64), pose,
                    torch.zeros(1, 10, dtype=torch.float64),
                    torch.tensor([[0.0, 0.0, 0.45]], dtype=torch.float64))
        verts = out.vertices[0] - out.vertices[0].mean(0) + torch.tensor([0, 0, 0.45]).double()
        return verts, layer.faces.long()
    except ImportError:
        verts, faces = icosphere(subdivisions=3, radius=0.06, center=(0.0, 0.0, 0.0))
        bump = 1 + 0.15 * torch.sin(9 * verts[:, :1]) * torch.cos(7 * verts[:, 1:2])
        return verts * bump + torch.tensor([0.01, -0.02, 0.45], dtype=torch.float64), faces


def test_silhouette_and_depth_match_reference_rasteriser():
    verts, faces = _mesh()
    size = 96
    K = intrinsics(300.0, 112.0)
    out = Renderer(image_size=size, orig_size=224, anti_aliasing=False)(
        verts[None], faces, K, outputs=("depth", "silhouette"))
    ref_sil, ref_depth = reference_raster(verts.numpy(), faces.numpy(), K[0].numpy(), size, 224)
    sil = out.silhouette[0].numpy() > 0
    iou = (sil & ref_sil).sum() / (sil | ref_sil).sum()
    assert ref_sil.sum() > 300
    assert iou >= 0.99
    both = sil & ref_sil
    assert np.abs(out.depth[0].numpy()[both] - ref_depth[both]).max() < 1e-4
