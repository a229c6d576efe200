"""Temporal smoothness across video frames of the same hand (Folder videos, docs/folder.md)."""

from __future__ import annotations

import torch
from torch import Tensor

from s2hand.losses._checks import check_same_batch, check_shape

#: Frames further apart than this are not paired (a hand moves too much to be "the same").
MAX_FRAME_GAP = 10
#: Root of the root-relative joints (FreiHAND wrist): the crop fixes no depth, poses change
#: slowly.
ROOT = 0


def temporal_pairs(sequence_ids: Tensor, frame_index: Tensor) -> Tensor:
    """Which samples of a batch pair up: ``(B,B)`` bool, true for two frames of the same video
    (``sequence_ids >= 0`` equal) whose frame numbers differ by ``1..MAX_FRAME_GAP``.
    sequence_ids (B,), frame_index (B,)."""
    gap = (frame_index[:, None] - frame_index[None, :]).abs()
    same = (sequence_ids[:, None] == sequence_ids[None, :]) & (sequence_ids[:, None] >= 0)
    return same & (gap > 0) & (gap <= MAX_FRAME_GAP)


def temporal_smoothness_loss(joints: Tensor, sequence_ids: Tensor, frame_index: Tensor) -> Tensor:
    """Mean over pairs of ``|ΔJ|² / gap`` of root-relative joints (metres²).

    Pairs are those of :func:`temporal_pairs`; 0 (with gradient) when the batch has none.
    joints (B,21,3), sequence_ids (B,), frame_index (B,).
    """
    check_shape("joints", joints, ("B", 21, 3))
    check_same_batch(joints=joints, sequence_ids=sequence_ids, frame_index=frame_index)
    rel = joints - joints[:, ROOT:ROOT + 1]
    pairs = temporal_pairs(sequence_ids, frame_index)
    if not bool(pairs.any()):
        return joints.sum() * 0.0
    i, j = torch.nonzero(torch.triu(pairs), as_tuple=True)
    diff = ((rel[i] - rel[j]) ** 2).sum(-1).mean(-1)
    gap = (frame_index[i] - frame_index[j]).abs()
    return (diff / gap.to(diff.dtype)).mean()
