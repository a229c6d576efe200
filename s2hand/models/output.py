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
        heatmap_joints_2d: one ``(B,21,2)`` integral 2D keypoint tensor per stack, input-image
            pixels, FreiHAND order; the last entry is the 2D branch's prediction.
        joints: ``(B,21,3)`` camera-frame metres, FreiHAND order.
        joints_2d: ``(B,21,2)`` projection of ``joints`` with the intrinsics (pixels).
        vertices: ``(B,V,3)`` camera-frame metres.
        faces: ``(F,3)`` long, the hand model's triangles (shared by the batch).
        pose_coeffs: ``(B,30)`` PCA pose coefficients.
        betas: ``(B,10)`` shape coefficients as fed to the hand model (zeros with
            ``use_mean_shape``).
        scale: ``(B,1)`` raw scale head output (the hand model uses ``|scale|``).
        translation: ``(B,3)`` translation, metres.
        global_rotation: ``(B,3)`` global axis-angle rotation.
        tsa_poses: ``(B,16,3)`` local axis-angle pose including the fixed root (pi,0,0).
        texture_logits: ``(B,F,3)`` per-face colours **before** ``tanh`` (the renderer gets
            ``tanh(texture_logits)``, display range).
        lights: ``(B,11)`` raw light vector ``[Ia, Id, Ca(3), Cd(3), dir(3)]``.
        rendered_rgb: ``(B,3,H,W)`` rendered RGB (the original's ``re_img``).
        rendered_depth: ``(B,H,W)`` rendered depth, 0 on background and wherever depth >= 1 m.
        rendered_silhouette: ``(B,H,W)`` rendered soft silhouette in [0,1].
        masked_images: ``(B,3,H,W)`` input image multiplied by ``rendered_silhouette > 0``.
    """

    heatmaps: list[Tensor] | None = None
    heatmap_joints_2d: list[Tensor] | None = None
    joints: Tensor | None = None
    joints_2d: Tensor | None = None
    vertices: Tensor | None = None
    faces: Tensor | None = None
    pose_coeffs: Tensor | None = None
    betas: Tensor | None = None
    scale: Tensor | None = None
    translation: Tensor | None = None
    global_rotation: Tensor | None = None
    tsa_poses: Tensor | None = None
    texture_logits: Tensor | None = None
    lights: Tensor | None = None
    rendered_rgb: Tensor | None = None
    rendered_depth: Tensor | None = None
    rendered_silhouette: Tensor | None = None
    masked_images: Tensor | None = None

    def present(self) -> list[str]:
        """Names of the fields that are set (not ``None``)."""
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]

    def to_dict(self) -> dict[str, Tensor | list[Tensor]]:
        """The set fields as a plain dict (e.g. for ``nn.DataParallel``-style gathering)."""
        return {name: getattr(self, name) for name in self.present()}
