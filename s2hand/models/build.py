"""Assemble :class:`S2HandNet` from the ``requires`` names, as the original ``Model.__init__``
(§1.3): ``heatmaps`` builds the 2D branch; ``joints`` or ``verts`` build the encoder, the hand
decoder, the texture/light head (always, even when textures are not used) and the renderer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from torch import nn

from s2hand.config.names import ENCODER_NAMES
from s2hand.hand import HandModel, ManoLayer
from s2hand.render import RenderInputError, make_renderer

from .encoder import Encoder
from .hand_decoder import NUM_POSE_PCA, HandDecoder
from .hourglass import RGB2HM
from .network import REQUIRE_NAMES, S2HandNet
from .small_encoder import SmallConvEncoder
from .texture_light import TextureLightHead

RENDERERS = ("torch", "nr", None)
ENCODERS = ENCODER_NAMES
# The texture head's fully connected layer expects the 56x56 stride-4 feature of a 224 input.
TEXTURE_IMAGE_SIZE = 224
WHITE = (1.0, 1.0, 1.0)
BLACK = (0.0, 0.0, 0.0)


class ModelConfigError(ValueError):
    """``build_model`` was asked for something it cannot build."""


def build_model(requires: Iterable[str], hand_model: str | Path | HandModel | None = None,
                use_mean_shape: bool = True, image_size: int = 224, renderer: str | None = "torch",
                encoder_weights: str | Path | None = None, side: str = "right",
                encoder: str = "efficientnet-b3", encoder_input_size: int | None = None
                ) -> S2HandNet:
    """Build the S2HAND network for ``requires`` (``train_requires ∪ test_requires``).

    Args:
        requires: names among heatmaps, joints, verts, textures, lights.
        hand_model: a loaded :class:`HandModel`, a MANO ``.pkl``/``.npz`` path, or ``None`` for
            the shipped OpenHand. The texture head predicts one colour per face of this model.
        use_mean_shape: fix betas to 0 as the released code (§6 Q1); ``False`` for the paper's
            shape estimation.
        image_size: input side in pixels; the 3D branch needs 224 (texture head, §2.8).
        renderer: ``"torch"`` (:class:`s2hand.render.Renderer`), ``"nr"`` (the optional
            neural_renderer backend; needs the package and CUDA) or ``None`` (no rendering; the
            render outputs stay ``None``).
        encoder_weights: optional local EfficientNet-b3 ImageNet weight file (§6 Q21: the
            original trains from random initialisation, the default).
        side: hand side when ``hand_model`` is a path or ``None``.
        encoder: ``"efficientnet-b3"`` (the original) or ``"small-cnn"``
            (:class:`SmallConvEncoder`, for CPU-sized runs).
        encoder_input_size: side the encoder resizes its input to (None: as given).
    """
    if isinstance(requires, str):
        raise ModelConfigError(f"build_model: requires must be a list of names, got the string "
                               f"{requires!r}")
    requires = set(requires)
    unknown = requires - REQUIRE_NAMES
    if unknown:
        raise ModelConfigError(f"build_model: unknown requires {sorted(unknown)}; expected names "
                               f"among {sorted(REQUIRE_NAMES)}")
    build_3d = bool(requires & {"joints", "verts"})
    if not build_3d and not requires & {"heatmaps"}:
        raise ModelConfigError(f"build_model: requires {sorted(requires)} builds nothing; "
                               "include 'heatmaps' (2D branch) and/or 'joints'/'verts' (3D)")
    if requires & {"textures", "lights"} and not build_3d:
        raise ModelConfigError("build_model: textures/lights come from the 3D branch; add "
                               "'joints' or 'verts' to requires")
    if encoder not in ENCODERS:
        raise ModelConfigError(f"build_model: encoder must be one of {ENCODERS}; got {encoder!r}")
    if encoder_weights is not None and encoder != "efficientnet-b3":
        raise ModelConfigError(f"build_model: encoder_weights ({encoder_weights}) are ImageNet "
                               f'weights for "efficientnet-b3"; the encoder is {encoder!r}')
    if renderer not in RENDERERS:
        raise ModelConfigError(f"build_model: renderer must be one of {RENDERERS}; got "
                               f"{renderer!r}")
    if build_3d and image_size != TEXTURE_IMAGE_SIZE:
        raise ModelConfigError(f"build_model: the 3D branch needs image_size "
                               f"{TEXTURE_IMAGE_SIZE} (its texture head is sized for the 56x56 "
                               f"feature of a 224 input); got {image_size}")

    rgb2hm = RGB2HM() if "heatmaps" in requires else None
    encoder_module = hand_decoder = texture_light = render_module = None
    if build_3d:
        # First, so that an unavailable backend fails before the costlier sub-networks are built.
        if renderer is not None:
            render_module = _make_renderer(renderer, image_size,
                                           learned_lights="lights" in requires)
        mano = ManoLayer(hand_model, use_pca=True, num_pca_comps=NUM_POSE_PCA,
                         flat_hand_mean=False, joint_order="freihand", side=side)
        if encoder == "small-cnn":
            encoder_module = SmallConvEncoder(input_size=encoder_input_size)
        else:
            encoder_module = Encoder(pretrained_path=encoder_weights,
                                     input_size=encoder_input_size)
        hand_decoder = HandDecoder(mano, in_features=encoder_module.out_features,
                                   use_mean_shape=use_mean_shape)
        texture_light = TextureLightHead(mano.num_faces, in_channels=encoder_module.low_channels)
    return S2HandNet(encoder=encoder_module, hand_decoder=hand_decoder, rgb2hm=rgb2hm,
                     texture_light_from_low=texture_light, renderer=render_module,
                     image_size=image_size)


def _make_renderer(backend: str, image_size: int, learned_lights: bool) -> nn.Module:
    # The original renders on white when it learns lights and on NR's black otherwise (§2.9).
    background = WHITE if learned_lights else BLACK
    try:
        return make_renderer(backend, image_size=image_size, background_color=background,
                             anti_aliasing=True, fill_back=True, near=0.1, far=100.0,
                             orig_size=image_size)
    except RenderInputError as err:
        raise ModelConfigError(f'build_model: renderer "{backend}" cannot be used here: {err} '
                               '(config key "renderer")') from err
