"""temporal_smooth: pairs of nearby frames of one video in a batch."""

import pytest
import torch

from s2hand.losses import compute_losses
from s2hand.losses.temporal import MAX_FRAME_GAP, temporal_smoothness_loss


def test_value_pairs_and_gradient():
    joints = torch.zeros(4, 21, 3)
    joints[1, 5] = torch.tensor([0.01, 0.0, 0.0])   # frame 2 of video 0 moves one joint 1 cm
    seq = torch.tensor([0, 0, 1, -1])
    frame = torch.tensor([0, 2, 1, 1])
    joints.requires_grad_(True)
    loss = temporal_smoothness_loss(joints, seq, frame)
    # one pair (0, 1), gap 2: mean over 21 joints of |d|^2, divided by the gap
    assert loss.item() == pytest.approx(1e-4 / 21 / 2)
    loss.backward()
    assert joints.grad[1, 5, 0] > 0 and joints.grad[2].abs().sum() == 0


def test_no_pairs_gives_zero_with_gradient():
    joints = torch.randn(3, 21, 3, requires_grad=True)
    seq = torch.tensor([-1, -1, 0])               # still images never pair
    frame = torch.tensor([-1, -1, 0])
    loss = temporal_smoothness_loss(joints, seq, frame)
    assert loss.item() == 0.0 and loss.requires_grad
    far = temporal_smoothness_loss(joints, torch.zeros(3, dtype=torch.long),
                                   torch.tensor([0, MAX_FRAME_GAP + 1, 2 * MAX_FRAME_GAP + 2]))
    assert far.item() == 0.0


def test_the_table_row_reads_the_batch_fields():
    out = {"joints": torch.zeros(2, 21, 3)}
    batch = {"sequence_ids": torch.tensor([0, 0]), "frame_index": torch.tensor([0, 1])}
    terms = compute_losses(["temporal_smooth"], out, batch, {"lambda_temporal": 2.0})
    assert terms["temporal_smooth"].item() == 0.0
