"""A plain render of the shipped open hand (mean pose, fingers up) for checking detectors.

Used by the tests and docs to check a backend's joint order and handedness against a hand whose
side and joints are known: the right hand with the palm to the camera has the thumb on the
image's right.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from s2hand.data.synthetic.render import HandRenderer
from s2hand.data.synthetic.scene import canonical_rotation

SKIN = (0.87, 0.68, 0.56)
BACKGROUND = (0.55, 0.6, 0.65)


def render_open_hand(size: int = 320, fill: float = 0.45, back: bool = False,
                     renderer: HandRenderer | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The right open hand, palm (or back) to the camera, spanning ``fill`` of the image height.

    Returns ``image (size,size,3)`` RGB uint8 and the GT joints ``uv (21,2)`` (FreiHAND order,
    OpenCV pixel centres).
    """
    hr = renderer or HandRenderer()
    r = Rotation.from_matrix(canonical_rotation(hr.layer))
    if back:
        r = Rotation.from_euler("y", 180, degrees=True) * r
    with torch.no_grad():
        out = hr.layer(torch.tensor(r.as_rotvec()[None], dtype=torch.float32),
                       torch.zeros(1, 45), torch.zeros(1, hr.layer.num_betas))
    v, j = out.vertices[0].double().numpy(), out.joints[0].double().numpy()
    f = 500.0
    depth = f * np.ptp(v[:, 1]) / (fill * size)
    t = np.array([0.0, 0.0, depth]) - 0.5 * (v.min(0) + v.max(0))
    K = np.array([[f, 0.0, (size - 1) / 2], [0.0, f, (size - 1) / 2], [0.0, 0.0, 1.0]])
    colors = np.tile(np.asarray(SKIN), (1, hr.layer.num_faces, 1))
    lights = np.array([[0.6, 0.5, 1, 1, 1, 1, 1, 1, 0.0, 0.5, -1.0]])
    rgb, alpha = hr.render((v + t)[None], K[None], colors, lights, size)
    img = rgb[0] * alpha[0][..., None] + np.asarray(BACKGROUND) * (1 - alpha[0][..., None])
    uvw = (j + t) @ K.T
    return (img * 255).round().astype(np.uint8), uvw[:, :2] / uvw[:, 2:]
