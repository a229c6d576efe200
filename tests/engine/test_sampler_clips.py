"""The resumable sampler with clips of neighbouring samples kept together: every sample once per
epoch, a pure function of (seed, epoch), exact mid-epoch resume, ranks in step, datasets taking
turns; and without clips exactly the order it always had."""

from itertools import pairwise

import pytest
import torch
from toy import ToyData, mse_step

from s2hand.engine import Trainer, TrainerConfig, build_optimizer
from s2hand.engine.sampling import Clips, ResumableSampler, _mix, cut_runs

# Three "videos" of 13, 9 and 6 neighbouring samples and four lone samples (still images).
RUNS = (tuple(range(0, 13)), tuple(range(13, 22)), (22,), (23,), tuple(range(24, 30)),
        (30,), (31,))
SIZE = 32


def _keys(sampler):
    return [[i for _, i in batch] for batch in sampler]


def _neighbour_pairs(batch, runs=RUNS):
    """Pairs of a batch that are next to each other in one run."""
    where = {i: (r, p) for r, run in enumerate(runs) for p, i in enumerate(run)}
    return sum(where[a][0] == where[b][0] and abs(where[a][1] - where[b][1]) == 1
               for n, a in enumerate(batch) for b in batch[n + 1:])


def test_cut_runs_keeps_order_and_every_item_once():
    clips = cut_runs([[0, 1, 2, 3, 4, 5, 6], [7], [8, 9]], 3, [2, 0, 4])
    assert clips == [[0, 1], [2, 3, 4], [5, 6], [7], [8], [9]]
    assert cut_runs([[0, 1, 2, 3]], 4, [0]) == [[0, 1, 2, 3]]


def test_clips_cover_every_sample_once_and_stay_together():
    sampler = ResumableSampler(SIZE, 8, seed=3, clips=[Clips(RUNS, 4)])
    batches = _keys(sampler)
    assert len(batches) == 4 and sorted(i for b in batches for i in b) == list(range(SIZE))
    # clips of up to 4 neighbours: in batches of 8 most samples have a neighbour beside them
    assert sum(_neighbour_pairs(b) for b in batches) >= 16
    # the epoch order is the clips laid end to end: each clip is a consecutive slice of a run
    order = [i for b in batches for i in b]
    where = {i: (r, p) for r, run in enumerate(RUNS) for p, i in enumerate(run)}
    breaks = sum(where[a][0] != where[b][0] or where[b][1] != where[a][1] + 1
                 for a, b in pairwise(order))
    assert breaks >= len(RUNS) - 1 and breaks <= len(order) // 2


def test_random_order_has_few_neighbours_for_comparison():
    batches = _keys(ResumableSampler(SIZE, 8, seed=3))
    assert sum(_neighbour_pairs(b) for b in batches) < 16


def test_clips_are_a_function_of_seed_and_epoch():
    def epoch(seed, e):
        s = ResumableSampler(SIZE, 8, seed=seed, clips=[Clips(RUNS, 4)])
        s.set_epoch(e)
        return _keys(s)

    assert epoch(3, 0) == epoch(3, 0)
    assert epoch(3, 0) != epoch(3, 1) and epoch(3, 0) != epoch(4, 0)
    # the clip borders move between epochs, so every pair of neighbours meets in some epoch
    met = set()
    for e in range(12):
        for b in epoch(3, e):
            met |= {(a, c) for a in b for c in b if c == a + 1}
    neighbours = {(a, b) for run in RUNS for a, b in pairwise(run)}
    assert neighbours <= met


def test_resume_mid_epoch_continues_the_same_batches():
    full = ResumableSampler(SIZE, 4, seed=5, clips=[Clips(RUNS, 3)])
    full.set_epoch(2)
    reference = _keys(full)
    resumed = ResumableSampler(SIZE, 4, seed=5, clips=[Clips(RUNS, 3)])
    resumed.set_epoch(2, start_batch=3)
    assert len(resumed) == len(reference) - 3 and _keys(resumed) == reference[3:]


def test_ranks_get_as_many_batches_and_share_the_epoch():
    shares = []
    for rank in range(3):
        s = ResumableSampler(SIZE, 4, seed=1, rank=rank, world_size=3, clips=[Clips(RUNS, 4)])
        shares.append(_keys(s))
    assert [len(s) for s in shares] == [2, 2, 2]  # 11 per rank (32 padded to 33): 2 of 4
    for s in shares:
        assert all(len(b) == 4 for b in s)
    # ranks hold contiguous blocks of one order: disjoint apart from the one padding sample
    flat = [i for s in shares for b in s for i in b]
    assert len(flat) - len(set(flat)) <= 1
    assert sum(_neighbour_pairs(b) for s in shares for b in s) >= 10


def test_datasets_take_turns_with_clips_on_one_of_them():
    plain = ResumableSampler([12, SIZE], 4, seed=2)
    mixed = ResumableSampler([12, SIZE], 4, seed=2, clips=[None, Clips(RUNS, 4)])
    batches = _keys(mixed)
    assert [all(i >= 12 for i in b) for b in batches] == [False, True] * 3
    # the dataset without clips keeps its order; the other is ordered clip-wise
    assert batches[::2] == _keys(plain)[::2] and batches[1::2] != _keys(plain)[1::2]


def test_without_clips_the_order_is_the_one_it_always_had():
    """The order before clips existed: one permutation per (seed, epoch) (dataset 0's seed
    unmixed with its number), ranks taking every world_size-th sample."""
    for world, rank in ((1, 0), (2, 1)):
        s = ResumableSampler([10, 7], 2, seed=4, rank=rank, world_size=world)
        s.set_epoch(3)
        expected = []
        for k, (size, offset) in enumerate(((10, 0), (7, 10))):
            mix = _mix(4, 3) if k == 0 else _mix(4, 3, k)
            order = torch.randperm(size, generator=torch.Generator().manual_seed(mix)).tolist()
            per_rank = -(-size // world)
            order += order[: per_rank * world - size]
            expected.append([offset + i for i in order[rank::world]])
        batches = _keys(s)
        assert batches[0::2] == [expected[0][b * 2:b * 2 + 2] for b in range(len(batches[0::2]))]
        assert batches[1::2] == [expected[1][b * 2:b * 2 + 2] for b in range(len(batches[1::2]))]
        same = ResumableSampler([10, 7], 2, seed=4, rank=rank, world_size=world,
                                clips=[None, None])
        same.set_epoch(3)
        assert _keys(same) == batches


def test_bad_clips_are_refused():
    with pytest.raises(ValueError, match="each of its 32 indices once"):
        ResumableSampler(SIZE, 4, clips=[Clips(RUNS[:-1], 4)])
    with pytest.raises(ValueError, match="2 clip entries for 1 datasets"):
        ResumableSampler(SIZE, 4, clips=[None, None])


class ClipToyData(ToyData):
    clips = [Clips((tuple(range(0, 20)), tuple(range(20, 40))), 4)]


def test_the_trainer_samples_a_dataset_with_clips_clip_wise():
    model = torch.nn.Linear(4, 1)
    cfg = TrainerConfig(epochs=1, batch_size=8, seed=7, progress=False)
    trainer = Trainer(model, mse_step, build_optimizer(model.parameters(), "Adam", lr=1e-2),
                      None, ClipToyData(), cfg, torch.device("cpu"))
    assert trainer.sampler.clips == ClipToyData.clips
    runs = ClipToyData.clips[0].runs
    assert sum(_neighbour_pairs(b, runs) for b in _keys(trainer.sampler)) >= 20
