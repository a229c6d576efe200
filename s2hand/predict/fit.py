"""Fit the hand model to 2D keypoints: no trained network needed.

Initialisation: the template hand (mean shape, mean pose, S2HAND's parameterisation with
``scale = 1``) is placed by a perspective-n-point solve of its roughly planar palm (wrist and the
five finger bases) against the keypoints; IPPE returns the two mirror-ambiguous solutions of a
plane, and both (plus any extra start, e.g. the network's prediction) are fitted. The fit is
:func:`s2hand.methods.s2hand.refinement.refine` (2D joint distance, bone directions, the pose prior
of s2hand.md §3.6, the shape regulariser, the bone-length scale term, the Laplacian); per hand
the start with the lowest final 2D error is kept. Depth comes from the hand's metric size (the
scale term), so it is as good as the mean hand size is for the person.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from s2hand.hand import ManoLayer, s2hand_mano
from s2hand.methods.s2hand.refinement import RefineResult, refine

PALM_JOINTS = (0, 1, 5, 9, 13, 17)
FIT_STEPS = 150
FIT_MILESTONES = (80, 120)
FIT_LRS = (0.03, 0.01, 0.005)


@dataclass
class FitStart:
    """Initial parameters of one hand, each ``(1,k)`` tensors."""

    rot: torch.Tensor
    theta: torch.Tensor
    beta: torch.Tensor
    scale: torch.Tensor
    trans: torch.Tensor


def template_joints(layer: ManoLayer) -> np.ndarray:
    """Joints ``(21,3)`` of the template at ``rot = trans = 0``, ``scale = 1``."""
    zero = torch.zeros(1, 3)
    with torch.no_grad():
        hand = s2hand_mano(layer, zero, torch.zeros(1, layer.num_pca_comps),
                           torch.zeros(1, layer.num_betas), torch.ones(1, 1), zero)
    return hand.joints[0].double().numpy()


def pnp_starts(layer: ManoLayer, keypoints: np.ndarray, K: np.ndarray) -> list[FitStart]:
    """Both planar-PnP placements of the template palm on ``keypoints (21,2)`` (pixels of
    the image with intrinsics ``K``)."""
    X = template_joints(layer)[list(PALM_JOINTS)]
    centre = X.mean(0)
    _, _, vt = np.linalg.svd(X - centre)
    basis = vt if np.linalg.det(vt) > 0 else vt * np.array([[1.0], [1.0], [-1.0]])
    plane = (X - centre) @ basis.T
    plane[:, 2] = 0.0                                      # IPPE needs an exactly planar object
    uv = keypoints[list(PALM_JOINTS)].astype(np.float64)
    n, rvecs, tvecs, _ = cv2.solvePnPGeneric(plane, uv, K, None, flags=cv2.SOLVEPNP_IPPE)
    starts = []
    for rvec, tvec in zip(rvecs[:n], tvecs[:n], strict=True):
        r_plane, _ = cv2.Rodrigues(rvec)
        rotation = r_plane @ basis                         # template frame -> camera
        trans = tvec.reshape(3) - rotation @ centre
        if trans[2] <= 0:
            continue                                       # behind the camera
        rot, _ = cv2.Rodrigues(rotation)
        starts.append(FitStart(
            rot=torch.tensor(rot.reshape(1, 3), dtype=torch.float32),
            theta=torch.zeros(1, layer.num_pca_comps), beta=torch.zeros(1, layer.num_betas),
            scale=torch.ones(1, 1), trans=torch.tensor(trans.reshape(1, 3), dtype=torch.float32)))
    return starts


def fit_hand(layer: ManoLayer, keypoints: np.ndarray, K: np.ndarray,
             extra_starts: list[FitStart] = (), steps: int = FIT_STEPS,
             refine_shape: bool = True,
             conf: np.ndarray | None = None) -> tuple[RefineResult, float]:
    """Fit one hand to ``keypoints (21,2)`` with intrinsics ``K (3,3)``.

    ``conf (21,)`` weights the keypoints (0 = not found: the joint is left out of the fit and of
    the error); the six palm joints must be found, they place the start. Returns the best fit
    (batch of one) and its mean 2D error in pixels over the found joints.
    """
    found = np.ones(21, bool) if conf is None else np.asarray(conf) > 0
    missing_palm = [j for j in PALM_JOINTS if not found[j]]
    if missing_palm:
        raise ValueError(f"palm keypoints {missing_palm} (FreiHAND order) not found: the fit is "
                         "placed from the wrist and the five finger bases")
    starts = pnp_starts(layer, keypoints, K) + list(extra_starts)
    if not starts:
        raise ValueError("no valid start: the palm keypoints give no placement in front of the "
                         "camera")
    cat = {k: torch.cat([getattr(s, k) for s in starts]) for k in
           ("rot", "theta", "beta", "scale", "trans")}
    b = len(starts)
    Ks = torch.tensor(K, dtype=torch.float32).expand(b, 3, 3)
    target = torch.tensor(keypoints, dtype=torch.float32).expand(b, 21, 2)
    weights = (None if conf is None
               else torch.tensor(np.asarray(conf), dtype=torch.float32).expand(b, 21))
    result = refine(layer, cat["rot"], cat["theta"], cat["beta"], cat["scale"], cat["trans"],
                    Ks, target, steps=steps, milestones=FIT_MILESTONES, lrs=FIT_LRS,
                    refine_shape=refine_shape, keypoint_conf=weights)
    mask = torch.as_tensor(found)
    err = (result.j2d - target).norm(dim=-1)[:, mask].mean(-1)        # (b,) found joints
    k = int(err.argmin())
    pick = {f: getattr(result, f)[k:k + 1] for f in
            ("joints", "vertices", "j2d", "rot", "theta", "beta", "scale", "trans")}
    return RefineResult(losses=result.losses, **pick), float(err[k])
