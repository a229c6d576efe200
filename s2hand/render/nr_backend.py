"""Optional backend: the original neural_renderer (S2HAND's fork) behind the same interface.

Only usable when ``neural_renderer`` is importable and the tensors are on CUDA (NR has no CPU
kernels and does not build against current PyTorch without patches, spec renderer.md §1). It is
kept for side-by-side comparisons; nothing in s2hand requires it. The light vector is applied
the way S2HAND's fork expects: per-sample tensors assigned to the renderer's attributes.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .errors import RenderInputError
from .renderer import OUTPUT_NAMES, RenderOutput
from .shading import NR_DEFAULT_LIGHTS


class NeuralRendererBackend(nn.Module):
    """``Renderer``'s call contract on top of ``neural_renderer.Renderer`` ('projection' mode).

    Args: as :class:`Renderer`; ``soft_sigma`` and ``max_pairs`` are accepted and ignored (NR
    uses its own approximate edge gradients).
    """

    def __init__(self, image_size: int = 224, background_color: Sequence[float] = (0, 0, 0),
                 anti_aliasing: bool = True, fill_back: bool = True, near: float = 0.1,
                 far: float = 100.0, soft_sigma: float = 1e-4, orig_size: int | None = None,
                 max_pairs: int = 0) -> None:
        super().__init__()
        try:
            import neural_renderer as nr
        except ImportError as err:
            raise RenderInputError(
                "renderer backend 'nr' needs the optional package neural_renderer (CUDA only), "
                "which is not importable here; use the default backend 'torch'."
            ) from err
        if not torch.cuda.is_available():
            raise RenderInputError("renderer backend 'nr' needs CUDA; use backend 'torch'.")
        self.image_size = int(image_size)
        self.far = float(far)
        self.orig_size = int(orig_size) if orig_size is not None else self.image_size
        self._nr = nr.Renderer(image_size=self.image_size, anti_aliasing=anti_aliasing,
                               background_color=list(background_color), fill_back=fill_back,
                               camera_mode="projection", orig_size=self.orig_size, near=near,
                               far=far)

    def forward(self, vertices: Tensor, faces: Tensor, K: Tensor, textures: Tensor | None = None,
                lights: Tensor | None = None, outputs: Sequence[str] = OUTPUT_NAMES,
                texture_type: str | None = None) -> RenderOutput:
        """See :meth:`Renderer.forward`; per-face textures only."""
        if not vertices.is_cuda:
            raise RenderInputError("renderer backend 'nr' needs CUDA tensors; got CPU vertices.")
        B, F = vertices.shape[0], faces.shape[-2]
        faces = faces.expand(B, -1, -1).int() if faces.dim() == 2 else faces.int()
        if textures is None:
            textures = vertices.new_ones(B, F, 3)
        elif textures.shape[1] != F or texture_type == "vertex":
            raise RenderInputError("renderer backend 'nr' supports per-face textures (B,F,3) only.")
        vec = lights if lights is not None else vertices.new_tensor(NR_DEFAULT_LIGHTS).expand(B, 11)
        nr_r = self._nr
        nr_r.light_intensity_ambient, nr_r.light_intensity_directional = vec[:, 0], vec[:, 1]
        nr_r.light_color_ambient, nr_r.light_color_directional = vec[:, 2:5], vec[:, 5:8]
        nr_r.light_direction = vec[:, 8:11]
        eye = torch.eye(3, device=vertices.device, dtype=vertices.dtype).expand(B, 3, 3)
        zeros = vertices.new_zeros(B, 1, 3)
        rgb, depth, alpha = nr_r(vertices, faces, textures.reshape(B, F, 1, 1, 1, 3).clone(),
                                 mode=None,
                                 K=K, R=eye, t=zeros, dist_coeffs=vertices.new_zeros(B, 5),
                                 orig_size=self.orig_size)
        wanted = set(outputs)
        # Our convention: depth only where every sample is covered, 0 elsewhere.
        return RenderOutput(rgb=rgb if "rgb" in wanted else None,
                            depth=depth * (alpha >= 1) if "depth" in wanted else None,
                            silhouette=alpha if "silhouette" in wanted else None)

