"""The S2HAND network (§2.1): 2D heat-map branch, 3D MANO branch, texture/light head, renderer.

The two branches share no features; they are coupled only by losses. Sub-modules carry the
original names (``encoder``, ``hand_decoder``, ``rgb2hm``, ``texture_light_from_low``) so the
original checkpoints map one to one (:data:`S2HandNet.FILE_KEYS`, read by
:func:`s2hand.engine.checkpoint.load_parts`). The module is built
by :func:`s2hand.models.build_model`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from s2hand.config.names import REQUIRE_NAMES
from s2hand.render.projection import project_points

from .encoder import Encoder
from .hand_decoder import HandDecoder
from .hourglass import RGB2HM
from .integral import integral_uv
from .output import S2HandOutput
from .small_encoder import SmallConvEncoder
from .texture_light import TextureLightHead

TASKS = ("train", "hm_train")
# Depth at or beyond this is zeroed after rendering, as the original (§2.9, §6 Q7).
MAX_RENDER_DEPTH = 1.0


class ModelInputError(ValueError):
    """Bad input to the network or a request for a branch that was not built."""


def heatmap_frame_size(image_size: int) -> int:
    """Side of the zero-padded square the hourglass sees: 256 for the 224 input (§2.2).

    The hourglass needs a multiple of 64 (stride 4 stem, four 2x poolings).
    """
    return -(-image_size // 64) * 64


class S2HandNet(nn.Module):
    """S2HAND: ``forward(images, intrinsics, requires, task)`` -> :class:`S2HandOutput`.

    Args:
        encoder, hand_decoder, texture_light_from_low: the 3D branch (all three or none).
        rgb2hm: the 2D branch, or ``None``.
        renderer: an :class:`s2hand.render.Renderer`-like module, or ``None`` to skip rendering.
        image_size: network input side in pixels (224).
    """

    def __init__(self, encoder: Encoder | SmallConvEncoder | None = None,
                 hand_decoder: HandDecoder | None = None,
                 rgb2hm: RGB2HM | None = None,
                 texture_light_from_low: TextureLightHead | None = None,
                 renderer: nn.Module | None = None, image_size: int = 224):
        super().__init__()
        parts = (encoder, hand_decoder, texture_light_from_low)
        if any(p is None for p in parts) and any(p is not None for p in parts):
            raise ModelInputError("encoder, hand_decoder and texture_light_from_low are built "
                                  "together (the 3D branch, §1.3); got only some of them")
        self.rgb2hm = rgb2hm
        self.encoder = encoder
        self.hand_decoder = hand_decoder
        self.texture_light_from_low = texture_light_from_low
        self.renderer = renderer
        self.image_size = image_size

    #: Sub-network -> its key in an original ``.t7`` (§5.2-5.3).
    FILE_KEYS = {"encoder": "encoder", "hand_decoder": "decoder", "rgb2hm": "rgb2hm",
                 "texture_light_from_low": "texture_light_from_low"}
    #: State-dict prefixes of fixed hand-model data (not in original files, never trained).
    CONSTANT_PREFIXES = {"hand_decoder": ("mano_layer.",)}

    def checkpoint_hints(self, part: str, given: Mapping[str, Tensor]) -> list[str]:
        """Why a sub-network's weights from a file may not fit (called on a mismatch)."""
        if part == "encoder":
            return [f"(the model's encoder is {type(self.encoder).__name__}; a checkpoint "
                    'trained with another config key "encoder" does not fit it)']
        if part != "texture_light_from_low":
            return []
        mine = self.texture_light_from_low.state_dict()
        for key in ("texture_reg.2.bias", "texture_reg.2.weight"):
            theirs = given.get(key)
            if isinstance(theirs, Tensor) and theirs.dim() > 0 and key in mine \
                    and theirs.shape != mine[key].shape:
                return [f"[{part}] the texture head predicts one colour per face: the file was "
                        f"trained with a {theirs.shape[0] // 3}-face hand model, this model's "
                        f"hand has {self.texture_light_from_low.num_faces} faces; build the "
                        "model with the same hand model (MANO for the released checkpoints)"]
        return []

    @property
    def has_3d_branch(self) -> bool:
        return self.encoder is not None

    def forward(self, images: Tensor, intrinsics: Tensor, requires: Iterable[str],
                task: str = "train") -> S2HandOutput:
        """Run the branches that ``requires`` asks for.

        Args:
            images: ``(B,3,H,W)`` RGB in [0,1], H = W = ``image_size``.
            intrinsics: ``(B,3,3)`` intrinsics in pixels of ``images``.
            requires: subset of heatmaps, joints, verts, textures, lights.
            task: "train" (everything requested) or "hm_train" (2D branch only).
        """
        if isinstance(requires, str):
            raise ModelInputError(f"requires must be a list of names, got the string {requires!r}")
        requires = set(requires)
        self._check_inputs(images, intrinsics, requires, task)
        out = S2HandOutput()
        if task == "hm_train" or "heatmaps" in requires:
            out.heatmaps, out.heatmap_joints_2d = self.predict_heatmaps(images)
            if task == "hm_train":
                return out
        if not requires & {"joints", "verts", "textures", "lights"}:
            return out
        intrinsics = intrinsics.to(images.dtype)
        features, low_features = self.encoder(images)
        hand = self.hand_decoder(features)
        out.joints, out.vertices, out.faces = hand.joints, hand.vertices, hand.faces
        out.pose_coeffs, out.betas, out.scale = hand.pose_coeffs, hand.betas, hand.scale
        out.translation, out.global_rotation = hand.translation, hand.global_rotation
        out.tsa_poses = hand.tsa_poses
        out.joints_2d = project_points(hand.joints, intrinsics)
        if requires & {"textures", "lights"}:
            out.texture_logits, out.lights = self.texture_light_from_low(low_features)
        if self.renderer is not None:
            # As the original: without the texture branch the textures are all ones, and
            # through the same tanh the mesh renders tanh(1) grey, not white.
            textures = (out.texture_logits if "textures" in requires
                        else hand.vertices.new_ones(len(hand.vertices), len(hand.faces), 3))
            colours = torch.tanh(textures)
            lights = out.lights if "lights" in requires else None
            rendered = self.render(hand.vertices, hand.faces, intrinsics, colours, lights)
            out.rendered_rgb, out.rendered_depth, out.rendered_silhouette = rendered
            out.masked_images = images * (out.rendered_silhouette > 0).unsqueeze(1).to(images.dtype)
        return out

    def predict_heatmaps(self, images: Tensor) -> tuple[list[Tensor], list[Tensor]]:
        """2D branch: ``images (B,3,H,W)`` -> (heat maps per stack ``(B,21,64,64)``,
        integral keypoints per stack ``(B,21,2)`` in ``images`` pixels)."""
        height, width = images.shape[-2:]
        frame = heatmap_frame_size(self.image_size)
        # Right/bottom zero padding keeps heat-map coordinates equal to image pixels (§2.2).
        padded = F.pad(images, (0, frame - width, 0, frame - height))
        heatmaps, _ = self.rgb2hm(padded)
        return heatmaps, [integral_uv(h, (frame, frame)) for h in heatmaps]

    def render(self, vertices: Tensor, faces: Tensor, intrinsics: Tensor,
               colours: Tensor | None = None,
               lights: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Render a mesh as the original: ``(rgb (B,3,H,W), depth (B,H,W), silhouette (B,H,W))``.

        ``colours (B,F,3)`` are display-range face colours (``tanh`` of the textures) or ``None``
        for white; ``lights (B,11)`` or ``None`` for NR's default lights. Depth is zeroed on the
        background and wherever it is >= 1 m.
        """
        if self.renderer is None:
            raise ModelInputError("this model was built with renderer=None; rebuild it with "
                                  "renderer='torch' to render")
        result = self.renderer(vertices, faces, intrinsics, textures=colours, lights=lights,
                               outputs=("rgb", "depth", "silhouette"))
        depth = result.depth * (result.depth < MAX_RENDER_DEPTH).to(result.depth.dtype)
        return result.rgb, depth, result.silhouette

    def _check_inputs(self, images: Tensor, intrinsics: Tensor, requires: set[str],
                      task: str) -> None:
        if task not in TASKS:
            raise ModelInputError(f"task must be one of {TASKS}; got {task!r}")
        unknown = requires - REQUIRE_NAMES
        if unknown:
            raise ModelInputError(f"unknown requires {sorted(unknown)}; expected a subset of "
                                  f"{sorted(REQUIRE_NAMES)}")
        size = self.image_size
        if images.dim() != 4 or tuple(images.shape[1:]) != (3, size, size):
            raise ModelInputError(f"images must have shape (B,3,{size},{size}); got "
                                  f"{tuple(images.shape)}")
        if tuple(intrinsics.shape) != (images.shape[0], 3, 3):
            raise ModelInputError(f"intrinsics must have shape ({images.shape[0]},3,3) to match "
                                  f"the images; got {tuple(intrinsics.shape)}")
        if (task == "hm_train" or "heatmaps" in requires) and self.rgb2hm is None:
            raise ModelInputError("heatmaps were requested but the 2D branch (rgb2hm) was not "
                                  "built; add 'heatmaps' to the requires given to build_model")
        wants_3d = requires & {"joints", "verts", "textures", "lights"}
        if task == "train" and wants_3d and not self.has_3d_branch:
            raise ModelInputError(f"{sorted(wants_3d)} were requested but the 3D branch "
                                  "(encoder, hand_decoder) was not built; add 'joints' or "
                                  "'verts' to the requires given to build_model")
