"""DeepHandMesh's 22-joint skeleton: joint names and order, DoF rule, tree levels.

The order is the original's (deephandmesh.md §2, inferred there from its hard-coded indices):
each finger from the tip end-effector (``*_null``) to its base, thumb first, the wrist last.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

FINGER_NAMES = ("thumb", "index", "middle", "ring", "pinky")
JOINT_NAMES: tuple[str, ...] = (
    "b_r_thumb_null", "b_r_thumb3", "b_r_thumb2", "b_r_thumb1", "b_r_thumb0",
    "b_r_index_null", "b_r_index3", "b_r_index2", "b_r_index1",
    "b_r_middle_null", "b_r_middle3", "b_r_middle2", "b_r_middle1",
    "b_r_ring_null", "b_r_ring3", "b_r_ring2", "b_r_ring1",
    "b_r_pinky_null", "b_r_pinky3", "b_r_pinky2", "b_r_pinky1",
    "b_r_wrist",
)
NUM_JOINTS = 22
ROOT_JOINT = 21
# Palm joints used for the Kabsch root in training: index1, middle1, ring1, pinky1, wrist.
ALIGN_JOINTS = (8, 12, 16, 20, 21)
# Skin segments of the thenar (thumb1) and the palm (wrist), used by the penetration loss.
NON_RIGID_JOINTS = (3, 21)
# The MCP joints the original demo flexes by pi/2 about z.
MCP_JOINTS = (8, 12, 16, 20)


def dof_from_name(name: str) -> tuple[int, int, int]:
    """Rotational DoF (x, y, z) of a joint by its name suffix (the original's rule, §2)."""
    if name.endswith("null"):
        return (0, 0, 0)
    if name.endswith(("3", "2")):
        return (0, 0, 1)
    if name.endswith("1") or name.endswith("thumb0"):
        return (1, 1, 1)
    return (0, 0, 0)


def dof_mask(names: tuple[str, ...] | list[str]) -> np.ndarray:
    """``(J, 3)`` int64 DoF mask for the joint names (28 ones for the original's skeleton)."""
    return np.asarray([dof_from_name(n) for n in names], dtype=np.int64).reshape(-1, 3)


class KinematicTree(NamedTuple):
    """Joints grouped by depth, for forward kinematics one batched step per level.

    ``levels[k]`` are the joints at depth ``k + 1`` (the root is depth 0);
    ``parent_slots[k]`` the position of each one's parent in the level-ordered list
    ``[root, *levels[0], *levels[1], ...]``; ``order`` is that list and ``inverse`` its
    inverse permutation (model joint -> position).
    """

    root: int
    levels: tuple[tuple[int, ...], ...]
    parent_slots: tuple[tuple[int, ...], ...]
    order: tuple[int, ...]
    inverse: tuple[int, ...]


def kinematic_tree(parents: np.ndarray | list[int]) -> KinematicTree:
    """Level structure of a tree given as ``parents (J,)`` with ``-1`` for the one root.

    Raises ``ValueError`` naming the joints for several roots, an out-of-range parent, or a
    joint not reachable from the root (a parent cycle).
    """
    parents = [int(p) for p in parents]
    num = len(parents)
    roots = [j for j, p in enumerate(parents) if p == -1]
    if len(roots) != 1:
        raise ValueError(f"expected exactly one root joint (parent -1), found {len(roots)}: "
                         f"{roots}")
    bad = [(j, p) for j, p in enumerate(parents) if p != -1 and not 0 <= p < num]
    if bad:
        raise ValueError(f"parent index out of range 0..{num - 1} (joint, parent): {bad}")
    slot = {roots[0]: 0}
    order = [roots[0]]
    levels, parent_slots = [], []
    frontier = [roots[0]]
    while frontier:
        level = [j for j in range(num) if parents[j] in frontier and j not in slot]
        if not level:
            break
        parent_slots.append(tuple(slot[parents[j]] for j in level))
        for j in level:
            slot[j] = len(order)
            order.append(j)
        levels.append(tuple(level))
        frontier = level
    if len(order) != num:
        unreachable = sorted(set(range(num)) - set(order))
        raise ValueError(f"joints {unreachable} are not connected to the root joint "
                         f"{roots[0]} (their parents form a cycle)")
    inverse = [0] * num
    for pos, j in enumerate(order):
        inverse[j] = pos
    return KinematicTree(roots[0], tuple(levels), tuple(parent_slots), tuple(order),
                         tuple(inverse))
