"""s2hand.render: differentiable mesh renderer in pure PyTorch with neural_renderer's conventions.

Stages (each a pure function on tensors): :func:`project_to_ndc` -> :func:`rasterize`
(:class:`Fragments`) -> :func:`face_light` / :func:`shade_fragments` -> compositing
(:func:`composite_rgb`, :func:`composite_depth`) with soft edge gradients from
:func:`soft_edges`. :class:`Renderer` chains them.
"""

from .backends import BACKENDS, make_renderer
from .compositing import (
    add_edge_gradient,
    composite_depth,
    composite_rgb,
    coverage,
    output_pixel_ids,
    to_image,
)
from .errors import RenderInputError
from .nr_backend import NeuralRendererBackend
from .planes import evaluate_planes, face_planes
from .projection import ndc_to_pixel, project_points, project_to_ndc
from .rasterize import Fragments, rasterize
from .renderer import OUTPUT_NAMES, Renderer, RenderOutput
from .shading import NR_DEFAULT_LIGHTS, Lights, face_light, face_normals, shade_fragments
from .soft import SoftEdges, soft_edges

__all__ = [
    "NR_DEFAULT_LIGHTS",
    "BACKENDS",
    "NeuralRendererBackend",
    "make_renderer",
    "OUTPUT_NAMES",
    "Fragments",
    "Lights",
    "RenderInputError",
    "RenderOutput",
    "Renderer",
    "SoftEdges",
    "add_edge_gradient",
    "composite_depth",
    "composite_rgb",
    "coverage",
    "evaluate_planes",
    "face_light",
    "face_normals",
    "face_planes",
    "ndc_to_pixel",
    "output_pixel_ids",
    "project_points",
    "project_to_ndc",
    "rasterize",
    "shade_fragments",
    "soft_edges",
    "to_image",
]
