"""The S2HAND network from a checkpoint (ours or the original ``.t7``) on hand crops.

The network's translation is learnt for the training cameras (FreiHAND: f ~ 500-650 px on a
224 crop); its 3D position on crops with other intrinsics is a guess, its root-relative shape
is what it predicts. A checkpoint of another model (other encoder, hand model) is refused with
the loader's message.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from s2hand.engine.pretrained import load_parts
from s2hand.models import build_model
from s2hand.models.checkpoint import (
    MODEL_FORMAT,
    load_model_checkpoint,
    read_original_checkpoint,
)
from s2hand.predict.fit import FitStart


class NetworkPredictor:
    """``encoder`` + ``hand_decoder`` of a checkpoint; call with crops ``(B,S,S,3)`` uint8 and
    their ``Ks (B,3,3)``; returns numpy ``joints (B,21,3)``, ``vertices (B,V,3)`` and the
    parameters ``rot, pose, shape, scale, trans``."""

    def __init__(self, checkpoint: str | Path, hand_model: str | Path | None = None,
                 encoder: str = "efficientnet-b3", encoder_input_size: int | None = None,
                 device: str = "cpu"):
        self.model = build_model(("joints", "verts"), hand_model=hand_model, renderer=None,
                                 encoder=encoder, encoder_input_size=encoder_input_size)
        parts = ("encoder", "hand_decoder")
        # Three file kinds: our model files, engine checkpoints and the original .t7.
        if read_original_checkpoint(checkpoint).get("format") == MODEL_FORMAT:
            load_model_checkpoint(self.model, checkpoint, parts, require_all=True)
        else:
            load_parts(self.model, checkpoint, parts, key="--checkpoint", require_all=True)
        self.device = torch.device(device)
        self.model.to(self.device).eval()

    @property
    def layer(self):
        """The network's PCA hand layer (for fitting from its prediction)."""
        return self.model.hand_decoder.mano_layer

    @torch.no_grad()
    def __call__(self, crops: np.ndarray, Ks: np.ndarray) -> dict[str, np.ndarray]:
        images = torch.as_tensor(crops, device=self.device).permute(0, 3, 1, 2).float() / 255
        Ks_t = torch.as_tensor(Ks, dtype=torch.float32, device=self.device)
        out = self.model(images, Ks_t, ("joints", "verts"))
        fields = {"joints": out.joints, "vertices": out.vertices, "rot": out.rot,
                  "pose": out.pose, "shape": out.shape, "scale": out.scale, "trans": out.trans}
        return {k: v.detach().double().cpu().numpy() for k, v in fields.items()}


def as_fit_start(pred: dict[str, np.ndarray], k: int) -> FitStart:
    """Hand ``k`` of a network prediction as a start of :func:`~s2hand.predict.fit.fit_hand`."""
    def t(name: str) -> torch.Tensor:
        return torch.tensor(pred[name][k:k + 1], dtype=torch.float32)
    return FitStart(rot=t("rot"), theta=t("pose"), beta=t("shape"), scale=t("scale"),
                    trans=t("trans"))
