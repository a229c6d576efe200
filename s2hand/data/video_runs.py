"""Runs of neighbouring video frames: what a clip-wise training order keeps together, so that
the temporal smoothness term sees pairs of nearby frames in its batches (docs/folder.md)."""

from __future__ import annotations

from collections.abc import Sequence


def frame_runs(sequences: Sequence[int], frames: Sequence[int], max_gap: int
               ) -> list[list[int]]:
    """Sample indices grouped into runs of one video's frames.

    Sample ``i`` is frame ``frames[i]`` of video ``sequences[i]`` (``sequences[i] < 0``: a still
    image). A run holds frames of one video in frame order, a new run starting where two
    consecutive frames are more than ``max_gap`` apart; every still image is a run of its own.
    Together the runs hold every index once; they are listed by their smallest index.
    """
    if len(sequences) != len(frames):
        raise ValueError(f"frame_runs: {len(sequences)} sequence ids but {len(frames)} frames")
    videos: dict[int, list[int]] = {}
    runs = []
    for i, seq in enumerate(sequences):
        if seq < 0:
            runs.append([i])
        else:
            videos.setdefault(seq, []).append(i)
    for members in videos.values():
        members.sort(key=lambda i: (frames[i], i))
        run = [members[0]]
        for i in members[1:]:
            if frames[i] - frames[run[-1]] > max_gap:
                runs.append(run)
                run = []
            run.append(i)
        runs.append(run)
    return sorted(runs, key=min)
