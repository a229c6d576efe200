"""Test-time refinement: fit S2HAND's MANO parameters to the 2D-branch keypoints.

The original's ``mano_fitting`` (s2hand.md §5.7) with its bugs fixed (§6 Q5):

* one Adam optimiser for the whole fit (the original built a new Adam every iteration, so the
  moments were reset and every step was a sign-like move of ~lr);
* the refined **vertices** are returned (the original saved the unrefined ones);
* joints are returned in FreiHAND order (the original fed MANO-order HO3D joints to the
  FreiHAND-order losses and to ``Frei2HO3D``); :func:`s2hand.evaluation.io.write_pred_json`
  then converts to the HO3D order and frame;
* the Laplacian term, computed but never added originally, is part of the objective
  (``use_laplacian=False`` gives the original objective);
* the number of steps and the learning-rate schedule are parameters.

Objective (confidence 1 everywhere, target ``h`` = last-stack 2D-branch keypoints):
``λ_j2d·mean‖h − π(J)‖ + 0.2·λ_bone_direc·bone_dir(π(J), h) + 3·λ_pose·tsa(θ)
+ λ_shape·mean β² + λ_mscale·|‖J9 − J10‖ − 0.0282| (+ λ_laplacian·triangle(V))``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from s2hand.hand import ManoLayer, s2hand_mano
from s2hand.losses import (
    bone_direction_loss,
    hm_integral_loss,
    mscale_loss,
    project_points,
    shape_loss,
    triangle_loss,
    tsa_pose_loss,
)
from s2hand.losses.terms import DEFAULT_WEIGHTS

# The weights the refinement reads, with the original's defaults (s2hand.md §3.2).
DEFAULT_REFINE_WEIGHTS: dict[str, float] = {
    key: DEFAULT_WEIGHTS[key] for key in ("lambda_j2d", "lambda_bone_direc", "lambda_pose",
                                          "lambda_shape", "lambda_mscale", "lambda_laplacian")
}
# Multipliers the original applies on top of the training weights inside mano_fitting.
BONE_FACTOR, POSE_FACTOR = 0.2, 3.0
DEFAULT_STEPS = 151
DEFAULT_MILESTONES = (51, 101)
DEFAULT_LRS = (0.01, 0.005, 0.0025)


@dataclass
class RefineResult:
    """Refined MANO parameters and their hand.

    joints (B,21,3) FreiHAND order, vertices (B,V,3), j2d (B,21,2) projected joints, camera
    frame metres / pixels; rot (B,3), theta (B,P), beta (B,S), scale (B,1), trans (B,3);
    ``losses``: total objective per step (float list, length = steps). All detached.
    """

    joints: Tensor
    vertices: Tensor
    j2d: Tensor
    rot: Tensor
    theta: Tensor
    beta: Tensor
    scale: Tensor
    trans: Tensor
    losses: list[float]


def refinement_objective(layer: ManoLayer, params: Mapping[str, Tensor], K: Tensor,
                         keypoints_2d: Tensor, weights: Mapping[str, float],
                         faces: Tensor | None = None,
                         keypoint_conf: Tensor | None = None) -> tuple[Tensor, object]:
    """The fitting objective for parameters ``rot, theta, beta, scale, trans``.

    K: (B,3,3); keypoints_2d: (B,21,2) FreiHAND order, pixels. ``faces`` (F,3) enables the
    Laplacian term. ``keypoint_conf`` (B,21) weights the keypoints as the training losses weight
    detections (``None``: confidence 1 everywhere, the original's refinement; 0 drops a joint).
    Returns ``(loss, hand)`` with ``hand`` the :class:`S2HandMano` output.
    """
    hand = s2hand_mano(layer, params["rot"], params["theta"], params["beta"], params["scale"],
                       params["trans"])
    j2d = project_points(hand.joints, K)
    # hm_integral_loss with one "stack" and no confidences is the plain mean L2 distance.
    loss = weights["lambda_j2d"] * hm_integral_loss([j2d], keypoints_2d, keypoint_conf)
    loss = loss + BONE_FACTOR * weights["lambda_bone_direc"] * bone_direction_loss(
        j2d, keypoints_2d, keypoint_conf)
    loss = loss + POSE_FACTOR * weights["lambda_pose"] * tsa_pose_loss(hand.tsa_poses)
    loss = loss + weights["lambda_shape"] * shape_loss(params["beta"])
    loss = loss + weights["lambda_mscale"] * mscale_loss(hand.joints)
    if faces is not None:
        loss = loss + weights["lambda_laplacian"] * triangle_loss(hand.vertices, faces)
    return loss, hand


def refine(layer: ManoLayer, rot: Tensor, theta: Tensor, beta: Tensor, scale: Tensor,
           trans: Tensor, K: Tensor, keypoints_2d: Tensor,
           weights: Mapping[str, float] | None = None, steps: int = DEFAULT_STEPS,
           milestones: Sequence[int] = DEFAULT_MILESTONES,
           lrs: Sequence[float] = DEFAULT_LRS, use_laplacian: bool = True,
           refine_shape: bool = True, keypoint_conf: Tensor | None = None) -> RefineResult:
    """Fit the MANO parameters to 2D keypoints with one Adam over ``steps`` iterations.

    Args:
        layer: the model's PCA :class:`ManoLayer` (S2HAND: 30 components).
        rot (B,3), theta (B,P), beta (B,S), scale (B,1), trans (B,3): initial parameters (the
            network's prediction; they are copied, not modified).
        K: (B,3,3) intrinsics of the image the keypoints live in.
        keypoints_2d: (B,21,2) 2D-branch keypoints (``heatmap_joints_2d[-1]``), FreiHAND order,
            pixels.
        weights: ``lambda_*`` weights (the run's loss weights); missing keys take
            :data:`DEFAULT_REFINE_WEIGHTS`.
        steps, milestones, lrs: learning rate ``lrs[i]`` from step ``milestones[i-1]`` on
            (default: 0.01, then 0.005 from step 51, 0.0025 from step 101, 151 steps).
        use_laplacian: add the Laplacian term (the original computed but dropped it).
        refine_shape: optimise ``beta`` too (the original does); False keeps it fixed (e.g.
            for models trained with ``use_mean_shape``).
        keypoint_conf: (B,21) per-keypoint confidences (0 = not found), e.g. a detector's;
            ``None`` = all 1, as the original.
    Returns:
        :class:`RefineResult` with the refined hand (joints FreiHAND order) and parameters.
    """
    if len(lrs) != len(milestones) + 1:
        raise ValueError(f"refine: need len(lrs) == len(milestones) + 1, got {len(lrs)} lrs "
                         f"and {len(milestones)} milestones")
    if steps < 0:
        raise ValueError(f"refine: steps must be >= 0, got {steps}")
    w = {**DEFAULT_REFINE_WEIGHTS, **(weights or {})}
    init = {"rot": rot, "theta": theta, "beta": beta, "scale": scale, "trans": trans}
    params = {k: v.detach().clone().requires_grad_(k != "beta" or refine_shape)
              for k, v in init.items()}
    K, target = K.detach(), keypoints_2d.detach()
    conf = None if keypoint_conf is None else keypoint_conf.detach().to(target.dtype)
    faces = layer.faces if use_laplacian else None
    optimiser = torch.optim.Adam([p for p in params.values() if p.requires_grad], lr=lrs[0])
    history: list[float] = []
    with torch.enable_grad():
        for step in range(steps):
            lr = lrs[sum(step >= m for m in milestones)]
            for group in optimiser.param_groups:
                group["lr"] = lr
            optimiser.zero_grad(set_to_none=True)
            loss, _ = refinement_objective(layer, params, K, target, w, faces, conf)
            loss.backward()
            optimiser.step()
            history.append(float(loss.detach()))
    with torch.no_grad():
        hand = s2hand_mano(layer, params["rot"], params["theta"], params["beta"],
                           params["scale"], params["trans"])
        j2d = project_points(hand.joints, K)
    return RefineResult(joints=hand.joints, vertices=hand.vertices, j2d=j2d,
                        losses=history, **{k: v.detach() for k, v in params.items()})
