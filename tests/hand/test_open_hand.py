"""OpenHand: mesh validity, MANO-like frame and size, rig sanity, pose/shape spaces."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from s2hand.hand import HandModel, ManoLayer, s2hand_mano
from s2hand.hand.pose_bounds import TSA_POSE_BOUNDS, bound_violation


def edge_counts(faces: np.ndarray) -> Counter:
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    return Counter(map(tuple, np.sort(edges, axis=1).tolist()))


def test_mesh_is_watertight_except_wrist(open_hand: HandModel) -> None:
    assert 500 <= open_hand.num_vertices <= 2000
    faces = open_hand.faces
    counts = edge_counts(faces)
    boundary = [e for e, c in counts.items() if c == 1]
    assert set(counts.values()) <= {1, 2}
    # One boundary loop, at the wrist (the largest x).
    boundary_vertices = np.unique(np.asarray(boundary))
    assert len(boundary_vertices) == len(boundary)
    assert open_hand.v_template[boundary_vertices, 0].min() > 0.08
    # Euler characteristic of a disc: V - E + F = 1; every vertex is used.
    assert open_hand.num_vertices - len(counts) + len(faces) == 1
    assert len(np.unique(faces)) == open_hand.num_vertices


def test_faces_wound_outward(open_hand: HandModel) -> None:
    v, f = open_hand.v_template, open_hand.faces
    # Directed edges appear once each (consistent orientation)...
    directed = Counter(map(tuple, np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
                           .tolist()))
    assert max(directed.values()) == 1
    # ... and the enclosed volume (wrist capped by a fan to its centre) is positive.
    tri = v[f]
    boundary = [e for e, c in edge_counts(f).items() if c == 1]
    centre = v[np.unique(np.asarray(boundary))].mean(axis=0)
    volume = np.einsum("fi,fi->f", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6
    cap = [(b, a) if (a, b) in directed else (a, b) for a, b in boundary]
    volume += sum(np.dot(centre, np.cross(v[a], v[b])) for a, b in cap) / 6
    assert 1e-4 < volume * 1e3 < 1.0     # 0.1 to 1 litre; a human hand is ~0.4 l


def test_mano_like_frame_and_size(open_hand: HandModel) -> None:
    joints = open_hand.J_regressor @ open_hand.v_template
    tips = open_hand.v_template[open_hand.tip_ids]
    assert 0.08 < joints[0, 0] < 0.10                        # wrist near x = +0.09
    assert np.all(tips[1:, 0] < joints[[1, 4, 10, 7], 0] - 0.04)  # fingers point along -x
    middle_bone = np.linalg.norm(joints[5] - joints[4])
    assert 0.027 < middle_bone < 0.036                       # MANO: 0.0317
    assert 0.085 < np.linalg.norm(joints[4] - joints[0]) < 0.105   # MANO: 0.0947
    # Index on the thumb side (+z), little finger on the other; thumb tip is the most +z.
    assert tips[1, 2] > tips[2, 2] > tips[3, 2] > tips[4, 2]
    assert tips[0, 2] > tips[1, 2]
    extent = np.ptp(open_hand.v_template, axis=0)
    assert 0.16 < extent[0] < 0.22 and extent[1] < 0.06


def test_tip_vertices_are_fingertips(open_hand: HandModel) -> None:
    v = open_hand.v_template
    joints = open_hand.J_regressor @ v
    for tip, dip, pip in zip(open_hand.tip_ids, (15, 3, 6, 12, 9), (14, 2, 5, 11, 8),
                             strict=True):
        direction = (joints[dip] - joints[pip]) / np.linalg.norm(joints[dip] - joints[pip])
        near = open_hand.weights[:, dip] > 0.5
        assert np.argmax(np.where(near, v @ direction, -np.inf)) == tip


def test_rig_weights_and_regressor(open_hand: HandModel) -> None:
    w, jreg = open_hand.weights, open_hand.J_regressor
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(jreg.sum(axis=1), 1.0, atol=1e-9)
    assert w.min() >= 0 and jreg.min() >= 0
    # Fingertips follow their distal joint; weights vary smoothly across edges.
    assert np.all(w[open_hand.tip_ids, [15, 3, 6, 12, 9]] > 0.9)
    edges = np.asarray(list(edge_counts(open_hand.faces)))
    assert np.abs(w[edges[:, 0]] - w[edges[:, 1]]).max() < 0.5


def test_flexion_bends_towards_palm(open_hand: HandModel) -> None:
    layer = ManoLayer(open_hand, use_pca=False, flat_hand_mean=True, joint_order="mano",
                      dtype=torch.float64)
    pose = torch.zeros(1, 45, dtype=torch.float64)
    pose[0, 3 * 3 + 2] = 1.2                        # middle MCP (joint 4), local z
    flat = layer(torch.zeros(1, 3, dtype=torch.float64), pose * 0).joints[0]
    bent = layer(torch.zeros(1, 3, dtype=torch.float64), pose).joints[0]
    assert bent[8, 1] < flat[8, 1] - 0.03           # middle tip moves to the palm side (-y)


def test_pose_space_respects_s2hand_bounds(open_hand: HandModel) -> None:
    comps = open_hand.hands_components
    gram = comps @ comps.T
    np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0.0, atol=1e-9)
    norms = np.linalg.norm(comps, axis=1)
    assert np.all(np.diff(norms) <= 1e-12) and norms[-1] > 0
    mean = np.concatenate([[np.pi, 0, 0], open_hand.hands_mean]).reshape(16, 3)
    assert bound_violation(mean).max() == 0.0
    rng = np.random.default_rng(0)
    poses = open_hand.hands_mean + rng.normal(size=(2000, 30)) @ comps[:30]
    full = np.concatenate([np.tile([np.pi, 0, 0], (2000, 1)), poses], axis=1)
    violation = bound_violation(full.reshape(-1, 16, 3))
    assert (violation > 0).mean() < 0.05            # typical poses stay inside the bounds
    assert np.degrees(violation).mean() < 0.2
    assert TSA_POSE_BOUNDS.shape == (16, 3, 2)


def test_shape_space(open_hand: HandModel) -> None:
    layer = ManoLayer(open_hand, dtype=torch.float64)
    zeros = torch.zeros(1, 3, dtype=torch.float64)
    pose = torch.zeros(1, 30, dtype=torch.float64)
    sizes = []
    for b0 in (-2.0, 0.0, 2.0):
        betas = torch.zeros(1, 10, dtype=torch.float64)
        betas[0, 0] = b0
        v = layer(zeros, pose, betas).vertices[0].numpy()
        sizes.append(np.ptp(v, axis=0).sum())
    assert sizes[0] < sizes[1] < sizes[2]                     # beta 0 enlarges the hand
    assert 1.05 < sizes[2] / sizes[1] < 1.4
    # Every direction changes the mesh by a few millimetres per unit.
    disp = np.linalg.norm(open_hand.shapedirs, axis=1).max(axis=0)
    assert np.all((disp > 5e-4) & (disp < 0.02))


def test_visible_at_s2hand_initialisation(open_hand: HandModel) -> None:
    """S2HAND's decoder starts at scale 0.95, trans z 0.65 m; with a FreiHAND-like camera
    (f ~ 500-600 px, 224 px image) the hand must be fully in view and reasonably large."""
    layer = ManoLayer(open_hand)
    out = s2hand_mano(layer, torch.zeros(1, 3), torch.zeros(1, 30), torch.zeros(1, 10),
                      torch.full((1, 1), 0.95), torch.tensor([[0.0, 0.0, 0.65]]))
    for focal in (500.0, 600.0):
        v = out.vertices[0]
        uv = focal * v[:, :2] / v[:, 2:] + 112.0
        assert uv.min() > 0 and uv.max() < 224
        assert (uv.max(0).values - uv.min(0).values).max() > 80


@pytest.mark.slow
def test_generator_is_deterministic_and_matches_shipped_file(open_hand: HandModel) -> None:
    from s2hand.hand.openhand import build_open_hand

    built = build_open_hand(seed=0)
    for key in ("v_template", "faces", "weights", "J_regressor", "hands_components",
                "shapedirs", "posedirs", "tip_ids"):
        np.testing.assert_allclose(getattr(built, key), getattr(open_hand, key), atol=1e-9,
                                   err_msg=key)


def test_joint_regressor_is_well_posed() -> None:
    """Rounding-level changes of the mesh (another BLAS, another CPU) leave the regressor
    unchanged: tied nearest vertices are all taken, so no row depends on how ties are broken."""
    from s2hand.hand.openhand.geometry import HandShapeParams, build_geometry
    from s2hand.hand.openhand.rig import joint_regressor

    geo = build_geometry(HandShapeParams())
    reference = joint_regressor(geo.vertices, geo.joints)
    rng = np.random.default_rng(1)
    for eps in (1e-15, 1e-12):
        noisy = geo.vertices * (1 + eps * rng.standard_normal(geo.vertices.shape))
        np.testing.assert_allclose(joint_regressor(noisy, geo.joints), reference, atol=1e-9)
