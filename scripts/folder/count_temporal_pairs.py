"""Count the frame pairs temporal_smooth gets in the training batches of a Folder layout, for
several ``folder.clip_frames`` (docs/folder.md).

No images are read: a layout of still images and videos is split, grouped and sampled exactly as
a training run does it (the Folder's hold-out rule, ``frame_runs`` with the loss's
``MAX_FRAME_GAP``, the engine's ``ResumableSampler``) and each batch's pairs are those of the
loss (``temporal_pairs``). Frames the detector misses (``--missed``) are drawn at random.

    python scripts/folder/count_temporal_pairs.py --videos 4 --frames 300 --stills 40 \
        --batch 8 --clip-frames 1 2 4 8

Writes no files. Exit status: 0 done, 2 bad usage, 130 / 143 after Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

from s2hand.cli.errors import UsageError, run_reporting_errors
from s2hand.cli.interrupts import KEPT_NOTHING, run_interruptible
from s2hand.data.folder import holdout_split
from s2hand.data.video_runs import frame_runs
from s2hand.engine.sampling import Clips, ResumableSampler
from s2hand.losses.temporal import MAX_FRAME_GAP, temporal_pairs

PROG = "count_temporal_pairs"


def training_layout(videos: int, frames: int, stills: int, video_every: int, missed: float,
                    holdout_every: int, seed: int) -> tuple[list[int], list[int]]:
    """``(sequence ids, frame numbers)`` of the training split: the stills first, then each
    video's kept frames, as the Folder index lists them; missed frames left out."""
    rng = np.random.default_rng(seed)
    seqs, nums = [-1] * stills, [-1] * stills
    for v in range(videos):
        kept = [n for n in range(0, frames, video_every) if rng.random() >= missed]
        seqs += [v] * len(kept)
        nums += kept
    training, _ = holdout_split(list(range(len(seqs))), holdout_every)
    return [seqs[r] for r in training], [nums[r] for r in training]


def count_pairs(seqs: list[int], nums: list[int], batch: int, clip_frames: int, epochs: int,
                seed: int) -> dict[str, float]:
    """Per epoch, averaged: batches, share with at least one pair, pairs per batch, share of
    the video frames trained on that are in at least one pair."""
    clips = None
    if clip_frames > 1:
        runs = frame_runs(seqs, nums, MAX_FRAME_GAP)
        clips = [Clips(tuple(tuple(r) for r in runs), clip_frames)]
    sampler = ResumableSampler(len(seqs), batch, seed=seed, clips=clips)
    seq_t, num_t = torch.tensor(seqs), torch.tensor(nums)
    with_pair = pairs = batches = paired = frames = 0
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for keys in sampler:
            index = torch.tensor([i for _, i in keys])
            mask = temporal_pairs(seq_t[index], num_t[index])
            batches += 1
            with_pair += bool(mask.any())
            pairs += int(torch.triu(mask).sum())
            paired += int(mask.any(1).sum())
            frames += int((seq_t[index] >= 0).sum())
    return {"batches_per_epoch": batches / epochs, "batches_with_a_pair": with_pair / batches,
            "pairs_per_batch": pairs / batches, "frames_in_a_pair": paired / max(frames, 1)}


def _run(args: argparse.Namespace) -> int:
    bad = [f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
           if k in ("videos", "frames", "video_every", "batch", "epochs") and v < 1]
    bad += [f"--clip-frames {v}" for v in args.clip_frames if v < 1]
    bad += [f"--{k} {getattr(args, k)}" for k in ("stills", "seed") if getattr(args, k) < 0]
    bad += [f"--holdout-every {args.holdout_every}"] if args.holdout_every < 2 else []
    bad += [f"--missed {args.missed}"] if not 0 <= args.missed < 1 else []
    if bad:
        raise UsageError(f"{', '.join(bad)}: expected counts >= 1 (stills and seed >= 0, "
                         "holdout-every >= 2) and 0 <= missed < 1")
    seqs, nums = training_layout(args.videos, args.frames, args.stills, args.video_every,
                                 args.missed, args.holdout_every, args.seed)
    if len(seqs) < args.batch:
        raise UsageError(f"{len(seqs)} training samples give no batch of {args.batch}; lower "
                         "--batch")
    print(f"{len(seqs)} training samples ({sum(s >= 0 for s in seqs)} video frames), batch "
          f"{args.batch}, {args.epochs} epochs, seed {args.seed}")
    print("clip_frames  batches/epoch  batches with a pair  pairs/batch  frames in a pair",
          flush=True)
    for k in args.clip_frames:
        r = count_pairs(seqs, nums, args.batch, k, args.epochs, args.seed)
        print(f"{k:11d}  {r['batches_per_epoch']:13.0f}  {r['batches_with_a_pair']:19.1%}  "
              f"{r['pairs_per_batch']:11.2f}  {r['frames_in_a_pair']:16.1%}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--videos", type=int, default=4)
    p.add_argument("--frames", type=int, default=300, help="frames per video")
    p.add_argument("--stills", type=int, default=40, help="still images")
    p.add_argument("--video-every", type=int, default=1, help="folder.video_every")
    p.add_argument("--missed", type=float, default=0.0,
                   help="share of frames without a usable hand, left out at random")
    p.add_argument("--holdout-every", type=int, default=5, help="folder.holdout_every")
    p.add_argument("--batch", type=int, default=8, help="train_batch")
    p.add_argument("--clip-frames", type=int, nargs="+", default=[1, 2, 4, 8])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    return run_interruptible(PROG, lambda: run_reporting_errors(PROG, _run, args, (UsageError,)),
                             KEPT_NOTHING)


if __name__ == "__main__":
    sys.exit(main())
