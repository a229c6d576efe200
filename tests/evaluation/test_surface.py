"""Point-to-surface distance: the candidate pruning gives the brute-force minimum."""

import numpy as np
import trimesh

from s2hand.evaluation.surface import point_to_surface_distance


def test_equals_brute_force_over_every_triangle():
    rng = np.random.default_rng(0)
    mesh = trimesh.creation.icosphere(subdivisions=2)
    verts = mesh.vertices * rng.uniform(0.5, 2.0, 3) + rng.normal(0, 0.05, mesh.vertices.shape)
    points = rng.normal(0, 1.5, (200, 3))
    triangles = verts[mesh.faces]
    pairs = np.repeat(points, len(triangles), axis=0)
    closest = trimesh.triangles.closest_point(np.tile(triangles, (len(points), 1, 1)), pairs)
    brute = np.linalg.norm(closest - pairs, axis=1).reshape(len(points), -1).min(1)
    np.testing.assert_allclose(point_to_surface_distance(points, verts, mesh.faces), brute,
                               rtol=1e-9, atol=1e-12)


def test_zero_on_the_surface_and_below_vertex_distance():
    mesh = trimesh.creation.box()
    on = np.array([[0.5, 0.1, -0.2], [0.0, 0.0, 0.5]])  # on two faces of the unit box
    np.testing.assert_allclose(point_to_surface_distance(on, mesh.vertices, mesh.faces), 0,
                               atol=1e-12)
    assert point_to_surface_distance([[0.0, 0.0, 1.5]], mesh.vertices, mesh.faces)[0] == \
        np.float64(1.0)
