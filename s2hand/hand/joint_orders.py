"""Joint orders used by MANO, FreiHAND/OpenPose, S2HAND and HO3D, as index arrays.

Every constant ``A_TO_B`` is a tuple of 21 indices such that ``x_b = x_a[..., A_TO_B, :]``.

Orders (21 joints each):

* ``"freihand"`` (= OpenPose/SNAP): 0 wrist; 1-4 thumb CMC..tip; 5-8 index MCP..tip;
  9-12 middle; 13-16 ring; 17-20 pinky.
* ``"mano"`` (what S2HAND's MANO layer returns, s2hand.md §2.5): 0 wrist; 1-4 index (3 joints,
  tip); 5-8 middle; 9-12 pinky; 13-16 ring; 17-20 thumb.
* ``"ho3d"``: MANO's 16 kinematic joints followed by the tips thumb, index, middle, ring, pinky.

The 16 kinematic joints of a MANO-format model (``MANO_JOINT_NAMES``) are: 0 wrist;
1-3 index; 4-6 middle; 7-9 pinky; 10-12 ring; 13-15 thumb.
"""

from __future__ import annotations

import torch

MANO_JOINT_NAMES: tuple[str, ...] = (
    "wrist",
    "index1", "index2", "index3",
    "middle1", "middle2", "middle3",
    "pinky1", "pinky2", "pinky3",
    "ring1", "ring2", "ring3",
    "thumb1", "thumb2", "thumb3",
)
# parents[0] = -1 (root); MANO's kintree_table row 0.
MANO_PARENTS: tuple[int, ...] = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14)
# The kinematic tree by depth: level 1 = finger bases, level 2, level 3 (one joint per finger,
# fingers in the order index, middle, pinky, ring, thumb).
MANO_LEVELS: tuple[tuple[int, ...], ...] = ((0,), (1, 4, 7, 10, 13), (2, 5, 8, 11, 14),
                                            (3, 6, 9, 12, 15))
TIP_NAMES: tuple[str, ...] = ("thumb", "index", "middle", "ring", "pinky")
# FreiHAND's fingertip vertices of the MANO mesh (evaluation.md §1.4), thumb..pinky.
MANO_TIP_IDS: tuple[int, ...] = (744, 320, 443, 555, 672)

FREIHAND_JOINT_NAMES: tuple[str, ...] = (
    "wrist",
    "thumb1", "thumb2", "thumb3", "thumb4",
    "index1", "index2", "index3", "index4",
    "middle1", "middle2", "middle3", "middle4",
    "ring1", "ring2", "ring3", "ring4",
    "pinky1", "pinky2", "pinky3", "pinky4",
)

HO3D_TO_FREI: tuple[int, ...] = (0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19,
                                 7, 8, 9, 20)
FREI_TO_HO3D: tuple[int, ...] = (0, 5, 6, 7, 9, 10, 11, 17, 18, 19, 13, 14, 15, 1, 2, 3, 4,
                                 8, 12, 16, 20)
MANO_TO_FREI: tuple[int, ...] = (0, 17, 18, 19, 20, 1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 16,
                                 9, 10, 11, 12)
FREI_TO_MANO: tuple[int, ...] = (0, 5, 6, 7, 8, 9, 10, 11, 12, 17, 18, 19, 20, 13, 14, 15, 16,
                                 1, 2, 3, 4)
HO3D_TO_MANO: tuple[int, ...] = (0, 1, 2, 3, 17, 4, 5, 6, 18, 7, 8, 9, 20, 10, 11, 12, 19,
                                 13, 14, 15, 16)
MANO_TO_HO3D: tuple[int, ...] = (0, 1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15, 17, 18, 19, 20,
                                 4, 8, 16, 12)

# Parent of each FreiHAND joint (-1 for the wrist) and the 20 bones (parent, child), by child.
FREI_PARENTS: tuple[int, ...] = tuple(
    -1 if c == 0 else (0 if c % 4 == 1 else c - 1) for c in range(21)
)
FREI_BONES: tuple[tuple[int, int], ...] = tuple((FREI_PARENTS[c], c) for c in range(1, 21))

JOINT_ORDERS: tuple[str, ...] = ("freihand", "mano", "ho3d")
# Index arrays that take the layer's internal order (HO3D: 16 kinematic joints + 5 tips)
# to each public order.
FROM_HO3D: dict[str, tuple[int, ...]] = {
    "freihand": HO3D_TO_FREI,
    "mano": HO3D_TO_MANO,
    "ho3d": tuple(range(21)),
}


def reorder(x: torch.Tensor, order: tuple[int, ...] | list[int]) -> torch.Tensor:
    """Reorder joints: ``x (..., 21, D) -> x[..., order, :]``."""
    if x.shape[-2] != len(order):
        raise ValueError(
            f"reorder: expected {len(order)} joints on dim -2, got tensor of shape "
            f"{tuple(x.shape)}"
        )
    return x[..., list(order), :]
