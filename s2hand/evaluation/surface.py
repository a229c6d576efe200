"""Distance of points to a triangle mesh's surface (DeepHandMesh's vertex-to-GT-surface error).

Exact: for each point, every triangle whose centroid lies within (distance to the nearest
mesh vertex + the largest centroid-to-corner distance) is a candidate (no triangle outside
that ball can be closer than the nearest vertex), and trimesh's closest point on a triangle
is taken over the candidates.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree
from trimesh.triangles import closest_point as closest_point_on_triangles


def point_to_surface_distance(points: np.ndarray, vertices: np.ndarray,
                              faces: np.ndarray) -> np.ndarray:
    """``points (N, 3)``, mesh ``vertices (V, 3)``, ``faces (F, 3)`` -> ``(N,)`` Euclidean
    distance of each point to the nearest point of the mesh surface (same units)."""
    points = np.asarray(points, dtype=np.float64)
    triangles = np.asarray(vertices, dtype=np.float64)[np.asarray(faces)]
    centroids = triangles.mean(axis=1)
    reach = np.linalg.norm(triangles - centroids[:, None], axis=-1).max()
    nearest_vertex, _ = cKDTree(np.asarray(vertices, dtype=np.float64)).query(points)
    candidates = cKDTree(centroids).query_ball_point(points, nearest_vertex + reach + 1e-9)
    point_idx = np.repeat(np.arange(len(points)), [len(c) for c in candidates])
    face_idx = np.concatenate([np.asarray(c, dtype=np.int64) for c in candidates])
    closest = closest_point_on_triangles(triangles[face_idx], points[point_idx])
    dist = np.linalg.norm(closest - points[point_idx], axis=1)
    out = np.full(len(points), np.inf)
    np.minimum.at(out, point_idx, dist)
    return out
