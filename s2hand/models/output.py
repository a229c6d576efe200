"""Typed output of :class:`s2hand.models.network.S2HandNet` (the original's output dict, §2.11).

Every field is a tensor, a list of tensors, or ``None`` when the branch that produces it did not
run. No modules or other objects are stored (the original put the renderer module into its output
dict, which breaks multi-GPU gathering, §6 Q17), so DistributedDataParallel can walk the output
to find the autograd graph.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from torch import Tensor


@dataclass
class S2HandOutput:
    """Network outputs; shapes use B = batch, V/F = hand-model vertices/faces.

    Attributes:
        heatmaps: one ``(B,21,64,64)`` heat-map logit tensor per hourglass stack.
        hm_j2d: one ``(B,21,2)`` integral 2D keypoint tensor per stack, input-image pixels,
            FreiHAND order; the last entry is the 2D branch's prediction.
        joints: ``(B,21,3)`` camera-frame metres, FreiHAND order.
        j2d: ``(B,21,2)`` projection of ``joints`` with ``Ks`` (pixels).
        vertices: ``(B,V,3)`` camera-frame metres.
        faces: ``(F,3)`` long, the hand model's triangles (shared by the batch).
        pose: ``(B,30)`` PCA pose coefficients.
        shape: ``(B,10)`` betas as fed to the hand model (zeros with ``use_mean_shape``).
        scale: ``(B,1)`` raw scale head output (the hand model uses ``|scale|``).
        trans: ``(B,3)`` translation, metres.
        rot: ``(B,3)`` global axis-angle rotation.
        tsa_poses: ``(B,16,3)`` local axis-angle pose including the fixed root (pi,0,0).
        textures: ``(B,F,3)`` per-face colours before ``tanh``.
        lights: ``(B,11)`` raw light vector ``[Ia, Id, Ca(3), Cd(3), dir(3)]``.
        re_img: ``(B,3,H,W)`` rendered RGB.
        re_depth: ``(B,H,W)`` rendered depth, 0 on background and wherever depth >= 1 m.
        re_sil: ``(B,H,W)`` rendered soft silhouette in [0,1].
        mask_rgbs: ``(B,3,H,W)`` input image multiplied by ``re_sil > 0``.
    """

    heatmaps: list[Tensor] | None = None
    hm_j2d: list[Tensor] | None = None
    joints: Tensor | None = None
    j2d: Tensor | None = None
    vertices: Tensor | None = None
    faces: Tensor | None = None
    pose: Tensor | None = None
    shape: Tensor | None = None
    scale: Tensor | None = None
    trans: Tensor | None = None
    rot: Tensor | None = None
    tsa_poses: Tensor | None = None
    textures: Tensor | None = None
    lights: Tensor | None = None
    re_img: Tensor | None = None
    re_depth: Tensor | None = None
    re_sil: Tensor | None = None
    mask_rgbs: Tensor | None = None

    def present(self) -> list[str]:
        """Names of the fields that are set (not ``None``)."""
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]

    def to_dict(self) -> dict[str, Tensor | list[Tensor]]:
        """The set fields as a plain dict (e.g. for ``nn.DataParallel``-style gathering)."""
        return {name: getattr(self, name) for name in self.present()}
