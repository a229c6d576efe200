"""The hand-model fit recovers a synthetic hand from its 2D joints; crops keep K consistent."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from s2hand.data.camera import image_intrinsics
from s2hand.data.hand_crop import CropError, crop_hand, unmirror_points
from s2hand.data.synthetic import generate_synthetic
from s2hand.hand import ManoLayer
from s2hand.predict.fit import fit_hand


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    generate_synthetic("freihand", root, 2, 3, 1)
    K = np.array(json.loads((root / "evaluation_K.json").read_text()))
    xyz = np.array(json.loads((root / "evaluation_xyz.json").read_text()))
    return K, xyz


def test_fit_recovers_pose_from_exact_2d_joints(synth):
    torch.manual_seed(0)
    K, xyz = synth
    layer = ManoLayer(None, use_pca=True, num_pca_comps=30, flat_hand_mean=False)
    for k in range(2):
        uvw = xyz[k] @ K[k].T
        uv = uvw[:, :2] / uvw[:, 2:]
        result, err = fit_hand(layer, uv, K[k], steps=150)
        joints = result.joints[0].double().numpy()
        rel = np.linalg.norm((joints - joints[9]) - (xyz[k] - xyz[k][9]), axis=1).mean()
        assert err < 2.5, err                             # pixels
        assert rel < 0.02, rel                            # metres, root-relative
        # Depth comes from the mean hand size: right to ~20 % for the random synthetic shapes.
        assert abs(joints[9, 2] / xyz[k][9, 2] - 1) < 0.2


def test_fit_leaves_out_keypoints_that_were_not_found(synth):
    """Keypoints with confidence 0 (a detector's misses, or gaps in a JSON) carry garbage; with
    their confidences the fit ignores them, without it they pull the hand off."""
    torch.manual_seed(0)
    K, xyz = synth
    layer = ManoLayer(None, use_pca=True, num_pca_comps=30, flat_hand_mean=False)
    uvw = xyz[0] @ K[0].T
    uv = uvw[:, :2] / uvw[:, 2:]
    missing = [4, 8, 12, 16]                             # four fingertips not found
    garbage = uv.copy()
    garbage[missing] = 0.0                               # the file format's "not found"
    conf = np.ones(21)
    conf[missing] = 0.0
    weighted, err = fit_hand(layer, garbage, K[0], steps=150, conf=conf)
    blind, _ = fit_hand(layer, garbage, K[0], steps=150)
    found = conf > 0

    def rel_error(result):
        joints = result.joints[0].double().numpy()
        return np.linalg.norm((joints - joints[9]) - (xyz[0] - xyz[0][9]), axis=1).mean()

    assert err < 2.5, err                                # pixels, over the found joints
    reproj = (weighted.j2d[0].double().numpy() - uv)[found]
    assert np.linalg.norm(reproj, axis=1).mean() < 2.5
    assert rel_error(weighted) < 0.02 < rel_error(blind)
    conf[0] = 0.0                                        # the wrist places the start
    with pytest.raises(ValueError, match=r"palm keypoints \[0\]"):
        fit_hand(layer, garbage, K[0], conf=conf)


def test_crop_K_maps_the_scene_like_the_image_affine_also_mirrored():
    image = np.zeros((300, 400, 3), np.uint8)
    K, _ = image_intrinsics(400, 300, focal=450.0)
    X = np.array([[0.02, -0.01, 0.5], [-0.03, 0.02, 0.55], [0.0, 0.0, 0.6]])
    uvw = X @ K.T
    uv = uvw[:, :2] / uvw[:, 2:]
    for mirrored in (False, True):
        crop = crop_hand(image, K, uv, mirrored, uv, np.ones(3))
        # Points of the (mirrored) hand model, projected with the crop's K, land on the keypoints.
        Xm = unmirror_points(X, mirrored)
        p = Xm @ crop.K.T
        np.testing.assert_allclose(p[:, :2] / p[:, 2:], crop.keypoints, atol=1e-9)
        assert crop.image.shape == (224, 224, 3)
    assert crop.keypoints[0, 0] < crop.keypoints[1, 0]  # mirrored: left-right swapped
    with pytest.raises(CropError, match="outside"):
        crop_hand(image, K, np.array([[500.0, 10.0], [560.0, 40.0]]), False)
