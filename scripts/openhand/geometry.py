"""OpenHand rest-pose geometry: a single quad-tube mesh (palm, four fingers, thumb).

Frame and size follow MANO's canonical right hand: metres, fingers along -x, wrist near
x = +0.09, back of the hand towards +y (palm faces -y), thumb on the +z side.

Topology (fixed for all shape parameters, so shape variations are vertex displacements):

* each finger is a tube of rings with ``2 * RING_HALF`` points, closed by a rounded cap whose
  apex is the fingertip vertex;
* the palm is a tube from the (open) wrist ring to the web ring; the web ring is the
  concatenation of the four fingers' first rings (their dorsal halves from the little finger to
  the index, then their palmar halves back), so the fingers grow out of the palm without seams;
  one quad per gap between neighbouring fingers closes the webs;
* the thumb grows out of a rectangular hole cut into the radial-palmar side of the palm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from s2hand.hand.normals import vertex_normals

RING_HALF = 5                      # points on each (dorsal / palmar) half of a finger ring
FINGERS = ("index", "middle", "ring", "pinky")
PALM_RINGS = 9                     # wrist ring .. web ring, inclusive
HOLE_RINGS = (2, 4)                # palm rings bounding the thumb hole (quads between them)
HOLE_SPAN = 3                      # quads around the palm ring covered by the thumb hole
FINGER_RINGS_PER_BONE = (4, 3, 2)  # ring intervals per phalanx
THUMB_RINGS_PER_BONE = (3, 3, 4)
CAP_ANGLES_DEG = (35.0, 65.0)


@dataclass(frozen=True)
class HandShapeParams:
    """Anatomical parameters of an OpenHand (metres and unitless factors)."""

    scale: float = 1.0
    palm_length: float = 0.088         # wrist joint -> middle MCP along -x
    palm_width: float = 0.084          # across the knuckles (z)
    palm_thickness: float = 0.028      # dorsal-palmar (y) at the knuckles
    wrist_width: float = 0.058
    wrist_thickness: float = 0.032
    finger_length: float = 1.0         # factor on all finger phalanges
    finger_radius: float = 0.0094      # half-width of the middle finger at its base
    finger_taper: float = 0.78         # tip radius / base radius
    finger_flatness: float = 0.88      # dorsal-palmar radius / lateral radius
    thumb_length: float = 1.0
    thumb_radius: float = 0.0112
    spread_deg: float = 5.5            # angle between neighbouring finger axes
    # Phalanx lengths (MCP->PIP, PIP->DIP, DIP->tip) of index, middle, ring, pinky; thumb
    # (CMC->MCP, MCP->IP, IP->tip).
    phalanges: dict[str, tuple[float, float, float]] = field(default_factory=lambda: {
        "index": (0.034, 0.022, 0.022), "middle": (0.032, 0.026, 0.023),
        "ring": (0.031, 0.024, 0.022), "pinky": (0.026, 0.018, 0.020),
        "thumb": (0.034, 0.030, 0.026),
    })
    # Finger length factors on top of ``finger_length`` (individual variation).
    finger_factors: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    radius_factors: tuple[float, float, float, float] = (0.95, 1.0, 0.93, 0.82)


@dataclass
class HandGeometry:
    """A generated rest-pose mesh with the labels the rig needs.

    Attributes:
        vertices: ``(V, 3)``. faces: ``(F, 3)`` int64, counter-clockwise seen from outside.
        joints: ``(16, 3)`` MANO-ordered joint centres. tip_ids: ``(5,)`` thumb..pinky.
        part: ``(V,)`` 0 palm, 1-4 index/middle/ring/pinky tube, 5 thumb tube.
        slot: ``(V,)`` finger slot 0-3 (index..pinky) of palm/finger vertices, 4 for thumb.
        normals: ``(V, 3)`` outward unit normals.
    """

    vertices: np.ndarray
    faces: np.ndarray
    joints: np.ndarray
    tip_ids: np.ndarray
    part: np.ndarray
    slot: np.ndarray
    normals: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _ring_angles(n_half: int) -> np.ndarray:
    """Angles of a ring: dorsal half from -side to +side, then palmar half back."""
    k = np.arange(2 * n_half)
    return np.pi - (k + 0.5) * np.pi / n_half


def _ring(center: np.ndarray, side: np.ndarray, up: np.ndarray, r_side: float, r_up: float,
          angles: np.ndarray) -> np.ndarray:
    return (center + r_side * np.cos(angles)[:, None] * side
            + r_up * np.sin(angles)[:, None] * up)


class _MeshBuilder:
    def __init__(self) -> None:
        self.points: list[np.ndarray] = []
        self.count = 0
        self.quads: list[tuple[int, int, int, int]] = []
        self.tris: list[tuple[int, int, int]] = []
        self.part: list[np.ndarray] = []
        self.slot: list[np.ndarray] = []

    def add(self, pts: np.ndarray, part: int, slot: int | np.ndarray) -> np.ndarray:
        ids = np.arange(self.count, self.count + len(pts))
        self.points.append(pts)
        self.part.append(np.full(len(pts), part))
        self.slot.append(np.broadcast_to(np.asarray(slot), (len(pts),)).copy())
        self.count += len(pts)
        return ids

    def band(self, a: np.ndarray, b: np.ndarray, skip: set[int] | None = None) -> None:
        """Quads between two closed rings of equal length (a proximal, b distal)."""
        n = len(a)
        for k in range(n):
            if skip and k in skip:
                continue
            k1 = (k + 1) % n
            self.quads.append((a[k], a[k1], b[k1], b[k]))

    def fan(self, ring: np.ndarray, apex: int) -> None:
        n = len(ring)
        for k in range(n):
            self.tris.append((ring[k], ring[(k + 1) % n], apex))

    def mesh(self) -> tuple[np.ndarray, np.ndarray]:
        tris = list(self.tris)
        for a, b, c, d in self.quads:
            tris += [(a, b, c), (a, c, d)]
        return np.concatenate(self.points), np.asarray(tris, dtype=np.int64)


def _finger_frames(p: HandShapeParams) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """MCP positions and axis directions of the four fingers (index..pinky)."""
    s = p.scale
    z_mcp = np.array([0.375, 0.125, -0.125, -0.375]) * (p.palm_width - 2 * p.finger_radius) * s
    x_mcp = np.array([0.004, -0.002, 0.003, 0.013]) * s + 0.090 * s - p.palm_length * s
    y_mcp = np.array([0.0, 0.002, 0.0, -0.003]) * s
    mcps = np.stack([x_mcp, y_mcp, z_mcp], axis=1)
    angles = np.deg2rad(p.spread_deg * np.array([1.0, 0.0, -1.0, -2.2]))
    dirs = {f: np.array([-np.cos(a), 0.0, np.sin(a)]) for f, a in zip(FINGERS, angles,
                                                                      strict=True)}
    return mcps, dirs


def _chain_positions(intervals: tuple[int, ...], lengths: np.ndarray,
                     start: float) -> np.ndarray:
    """Axial ring positions subdividing consecutive bones."""
    out, pos = [], start
    for count, length in zip(intervals, lengths, strict=True):
        out.extend(pos + length * np.arange(count) / count)
        pos += length
    out.append(pos)
    return np.asarray(out)


def _finger(mb: _MeshBuilder, p: HandShapeParams, f_idx: int, mcp: np.ndarray, d: np.ndarray,
            angles: np.ndarray, joints: np.ndarray, tips: dict[str, int]) -> np.ndarray:
    """Add one finger tube (web ring to capped tip); fill its joints and tip; return the ids of
    its first (web) ring."""
    name = FINGERS[f_idx]
    side = _unit(np.array([0.0, 0.0, 1.0]) - d[2] * d)
    up = np.cross(d, side)
    lengths = np.asarray(p.phalanges[name]) * p.finger_length * p.finger_factors[f_idx] * p.scale
    r0 = p.finger_radius * p.radius_factors[f_idx] * p.scale
    r_tip = r0 * p.finger_taper
    web = 0.30 * lengths[0]
    rest = _chain_positions(FINGER_RINGS_PER_BONE, lengths, 0.0)
    rest = rest[rest > web - 1e-9]
    rest[-1] -= r_tip                                     # the cap spans the last radius
    positions = np.concatenate([[web], rest])
    rings = []
    for t in positions:
        r = r0 * (1.0 - (1.0 - p.finger_taper) * t / lengths.sum())
        rings.append(mb.add(_ring(mcp + t * d, side, up, r, r * p.finger_flatness, angles),
                            part=1 + f_idx, slot=f_idx))
    for a, b in zip(rings[:-1], rings[1:], strict=True):
        mb.band(a, b)
    end = mcp + positions[-1] * d
    for cap in np.deg2rad(CAP_ANGLES_DEG):
        ring = mb.add(_ring(end + r_tip * np.sin(cap) * d, side, up, r_tip * np.cos(cap),
                            r_tip * np.cos(cap) * p.finger_flatness, angles),
                      part=1 + f_idx, slot=f_idx)
        mb.band(rings[-1], ring)
        rings.append(ring)
    tips[name] = mb.add((end + r_tip * d)[None], part=1 + f_idx, slot=f_idx)[0]
    mb.fan(rings[-1], tips[name])
    base = 1 + 3 * (0, 1, 3, 2)[f_idx]            # MANO order: index, middle, pinky, ring
    for j in range(3):
        joints[base + j] = mcp + lengths[:j].sum() * d
    return rings[0]


def build_geometry(p: HandShapeParams | None = None) -> HandGeometry:
    """Generate the OpenHand rest mesh for the given anatomical parameters."""
    p = p or HandShapeParams()
    s = p.scale
    mb = _MeshBuilder()
    angles = _ring_angles(RING_HALF)
    mcps, dirs = _finger_frames(p)
    joints = np.zeros((16, 3))
    joints[0] = np.array([0.090, 0.004, 0.004]) * s
    tips: dict[str, int] = {}
    first_rings = [_finger(mb, p, f_idx, mcps[f_idx], dirs[name], angles, joints, tips)
                   for f_idx, name in enumerate(FINGERS)]
    web_ring = np.concatenate([r[:RING_HALF] for r in first_rings[::-1]]
                              + [r[RING_HALF:] for r in first_rings])
    for a, b in zip(first_rings[:-1], first_rings[1:], strict=True):
        # Gap quad between neighbouring fingers (b lies towards -z of a).
        mb.quads.append((b[RING_HALF - 1], a[0], a[-1], b[RING_HALF]))
    palm_rings = _palm(mb, p, web_ring)
    _thumb(mb, p, palm_rings, joints, tips)
    vertices, faces = mb.mesh()
    tip_ids = np.array([tips[n] for n in ("thumb", "index", "middle", "ring", "pinky")])
    # Drop the palm vertices left inside the thumb hole.
    used = np.zeros(len(vertices), dtype=bool)
    used[faces.ravel()] = True
    new_id = np.cumsum(used) - 1
    geo = HandGeometry(vertices=vertices[used], faces=new_id[faces], joints=joints,
                       tip_ids=new_id[tip_ids], part=np.concatenate(mb.part)[used],
                       slot=np.concatenate(mb.slot)[used])
    geo.faces = orient_outward(geo.vertices, geo.faces)
    geo.normals = vertex_normals(geo.vertices, geo.faces)
    return geo


def _palm(mb: _MeshBuilder, p: HandShapeParams, web_ring: np.ndarray) -> list[np.ndarray]:
    """Palm rings from the wrist to the web ring; returns the ring id arrays."""
    s = p.scale
    web_pts = np.concatenate(mb.points)[web_ring]
    n = len(web_ring)
    k = np.arange(n)
    phi = np.pi - (k + 0.5) * 2 * np.pi / n
    center = np.array([0.096, 0.003, 0.004]) * s
    wrist = center + np.stack([np.zeros(n), 0.5 * p.wrist_thickness * s * np.sin(phi),
                               0.5 * p.wrist_width * s * np.cos(phi)], axis=1)
    slots = np.concatenate([np.arange(3, -1, -1).repeat(RING_HALF),
                            np.arange(4).repeat(RING_HALF)])
    rings = []
    for i in range(PALM_RINGS - 1):
        a = i / (PALM_RINGS - 1)
        blend = 3 * a ** 2 - 2 * a ** 3
        pts = (1 - blend) * wrist + blend * web_pts
        pts[:, 0] = (1 - a) * wrist[:, 0] + a * web_pts[:, 0]
        # Thenar/hypothenar fullness: bulge the palm outwards mid-way.
        radial = pts - pts.mean(axis=0)
        radial[:, 0] = 0.0
        pts += 0.10 * np.sin(np.pi * a) * radial
        # The palm is thicker than the finger bases it blends into.
        pts[:, 1] += 0.35 * np.sin(np.pi * a) * radial[:, 1]
        palmar = np.clip(-np.sin(phi), 0.0, None)[:, None] * np.array([0.0, -1.0, 0.0])
        pts += 0.004 * s * np.sin(np.pi * a) * palmar
        rings.append(mb.add(pts, part=0, slot=slots))
    rings.append(web_ring)
    hole_cols = set(range(2 * RING_HALF * 2 - 1, 2 * RING_HALF * 2 - 1 + HOLE_SPAN))
    for i, (a, b) in enumerate(zip(rings[:-1], rings[1:], strict=True)):
        in_hole = HOLE_RINGS[0] <= i < HOLE_RINGS[1]
        mb.band(a, b, skip=hole_cols if in_hole else None)
    return rings


def _thumb(mb: _MeshBuilder, p: HandShapeParams, palm_rings: list[np.ndarray],
           joints: np.ndarray, tips: dict[str, int]) -> None:
    s = p.scale
    c0 = 2 * RING_HALF * 2 - 1
    lo, hi = HOLE_RINGS
    cols = list(range(c0, c0 + HOLE_SPAN + 1))
    # Boundary loop of the hole: along the proximal ring, up the distal side, back, down.
    loop = ([palm_rings[lo][c] for c in cols]
            + [palm_rings[i][cols[-1]] for i in range(lo + 1, hi + 1)]
            + [palm_rings[hi][c] for c in cols[-2::-1]]
            + [palm_rings[i][cols[0]] for i in range(hi - 1, lo, -1)])
    loop = np.asarray(loop)
    pts = np.concatenate(mb.points)
    hole = pts[loop]
    hole_center = hole.mean(axis=0)
    d = _unit(np.array([-0.62, -0.30, 0.72]))
    lengths = np.asarray(p.phalanges["thumb"]) * p.thumb_length * s
    cmc = hole_center + np.array([0.004, 0.008, -0.010]) * s
    joints[13] = cmc
    joints[14] = cmc + lengths[0] * d
    joints[15] = cmc + lengths[:2].sum() * d
    side = _unit(np.cross(np.array([0.0, 1.0, 0.0]), d))
    up = np.cross(d, side)
    rel = hole - hole_center
    ang = np.unwrap(np.arctan2(rel @ up, rel @ side))
    r0, r_tip = p.thumb_radius * s, p.thumb_radius * s * p.finger_taper
    start = float((hole_center - cmc) @ d)
    positions = _chain_positions(THUMB_RINGS_PER_BONE, lengths, 0.0)
    positions = positions[positions > start + 0.006 * s]
    positions[-1] -= r_tip
    rings = [loop]
    for i, t in enumerate(positions):
        r = r0 * (1.0 - (1.0 - p.finger_taper) * t / lengths.sum())
        circle = _ring(cmc + t * d, side, up, r, r * 0.9, ang)
        w = min(1.0, (i + 1) / 2.0)
        pts_i = (1 - w) * (hole + (t - start) * d) + w * circle
        rings.append(mb.add(pts_i, part=5, slot=4))
    for a, b in zip(rings[:-1], rings[1:], strict=True):
        mb.band(a, b)
    end = cmc + positions[-1] * d
    for cap in np.deg2rad(CAP_ANGLES_DEG):
        ring = mb.add(_ring(end + r_tip * np.sin(cap) * d, side, up, r_tip * np.cos(cap),
                            r_tip * np.cos(cap) * 0.9, ang), part=5, slot=4)
        mb.band(rings[-1], ring)
        rings.append(ring)
    tips["thumb"] = mb.add((end + r_tip * d)[None], part=5, slot=4)[0]
    mb.fan(rings[-1], tips["thumb"])


def orient_outward(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Make all faces counter-clockwise seen from outside (positive enclosed volume)."""
    v = vertices[faces]
    center = vertices.mean(axis=0)
    signed = np.einsum("fi,fi->f", np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0]),
                       v.mean(axis=1) - center)
    return faces if signed.sum() > 0 else faces[:, [0, 2, 1]].copy()

