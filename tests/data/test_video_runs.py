"""frame_runs: the groups of neighbouring video frames a clip-wise training order keeps
together."""

from itertools import pairwise

import pytest

from s2hand.data.video_runs import frame_runs


def test_runs_are_one_videos_frames_in_order_split_at_large_gaps():
    #           0   1   2   3   4   5   6   7   8   9
    sequences = [1, -1, 1, 0, 0, 1, -1, 0, 1, 1]
    frames = [4, -1, 0, 10, 11, 2, -1, 30, 20, 21]
    runs = frame_runs(sequences, frames, max_gap=10)
    # video 1: frames 0, 2, 4 (gaps 2) then 20, 21 (gap 16 > 10); video 0: 10, 11, then 30
    assert runs == [[2, 5, 0], [1], [3, 4], [6], [7], [8, 9]]  # listed by smallest index
    assert sorted(i for run in runs for i in run) == list(range(len(sequences)))
    for run in runs:
        assert len({sequences[i] for i in run}) == 1
        gaps = [frames[b] - frames[a] for a, b in pairwise(run)]
        assert all(0 < g <= 10 for g in gaps)


def test_still_images_are_runs_of_their_own_and_lengths_must_match():
    assert frame_runs([-1, -1, -1], [-1, -1, -1], 10) == [[0], [1], [2]]
    assert frame_runs([0, 0], [0, 1], 0) == [[0], [1]]
    with pytest.raises(ValueError, match="3 sequence ids but 2 frames"):
        frame_runs([0, 0, 0], [0, 1], 10)
