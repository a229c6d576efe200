"""folder.clip_frames: training batches of a video folder built from clips of neighbouring
frames, so that temporal_smooth has pairs to act on; off (1), the order is unchanged."""

from __future__ import annotations

import pytest
import torch
from folder_fixtures import FAKE_BACKEND, make_folder, write_video

from s2hand.config import ConfigError, config_from_dict
from s2hand.data import collate_tagged
from s2hand.engine.sampling import ResumableSampler, SeededDataset
from s2hand.experiment.data import build_train_dataset
from s2hand.losses.temporal import temporal_pairs, temporal_smoothness_loss

QUERIES = ["trans_images", "trans_Ks", "trans_open_2dj"]
BATCH = 4


def _config(root, clip_frames=1, losses=("open_2dj", "temporal_smooth"), **changes):
    return config_from_dict(
        {"train_datasets": ["Folder"], "val_datasets": ["Folder"], "folder_base_path": str(root),
         "folder": {"backend": FAKE_BACKEND, "holdout_every": 5, "clip_frames": clip_frames},
         "train_queries": QUERIES, "val_queries": ["images", "Ks", "open_2dj"],
         "losses": list(losses), "train_batch": BATCH, "num_workers": 0, **changes},
        check_paths=False)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Two still images and two videos of 60 frames: 98 training samples, 24 held out."""
    root = make_folder(tmp_path_factory.mktemp("clips") / "f", with_hand=2, without=0, left=0)
    write_video(root / "a.avi", frames=60)
    write_video(root / "b.avi", frames=60)
    return root


def _sampler(dataset, epoch):
    sampler = ResumableSampler(dataset.sizes, BATCH, seed=0, clips=dataset.clips)
    sampler.set_epoch(epoch)
    return sampler


def _pairs(dataset, epoch):
    """Pairs the temporal term uses, per batch of one epoch (from the samples' items)."""
    items = dataset.datasets[0].items
    out = []
    for keys in _sampler(dataset, epoch):
        seq = torch.tensor([items[i].sequence for _, i in keys])
        frame = torch.tensor([items[i].frame for _, i in keys])
        out.append(int(torch.triu(temporal_pairs(seq, frame)).sum()))
    return out


def test_clip_batches_give_the_temporal_term_pairs(root):
    dataset = build_train_dataset(_config(root, clip_frames=4))
    assert dataset.sizes == [98] and dataset.clips[0].length == 4
    seeded = SeededDataset(dataset, 0)
    joints = torch.randn(BATCH, 21, 3, generator=torch.Generator().manual_seed(0))
    batches = [collate_tagged([seeded[key] for key in keys]) for keys in _sampler(dataset, 0)]
    ids = [int(i) for b in batches for i in b.sample_ids]
    assert len(ids) == len(set(ids)) == 96  # every sample once (2 left over: drop_last)
    terms = [float(temporal_smoothness_loss(joints, b.sequence_ids, b.frame_index))
             for b in batches]
    assert len(terms) == 24 and all(t > 0 for t in terms)  # a term in every batch
    on = [_pairs(dataset, e) for e in range(3)]
    off = [_pairs(build_train_dataset(_config(root)), e) for e in range(3)]
    assert sum(map(sum, on)) >= 3 * sum(map(sum, off))
    assert all(p > 0 for e in on for p in e) and not all(p > 0 for e in off for p in e)


def test_off_the_training_set_has_no_clips(root):
    """clip_frames 1: the trainer's sampler gets no clips, so its order is the one it always
    had (tests/engine/test_sampler_clips.py checks that order)."""
    dataset = build_train_dataset(_config(root))
    assert dataset.clips is None
    mixed = build_train_dataset(_config(root, clip_frames=3, controlled_exp=True,
                                        controlled_size=12))
    assert mixed.sizes == [12] and mixed.clips[0].length == 3
    assert sorted(i for run in mixed.clips[0].runs for i in run) == list(range(12))


@pytest.mark.parametrize("changes, message", [
    ({"losses": ("open_2dj",)}, "temporal_smooth term, which is not in the Folder's losses"),
    ({"train_datasets": ["FreiHand"], "freihand_base_path": "x"}, "Folder is not in "
                                                                  "train_datasets"),
])
def test_clips_without_their_term_or_dataset_are_refused(root, changes, message):
    with pytest.raises(ConfigError, match="folder.clip_frames") as err:
        _config(root, clip_frames=4, **changes)
    assert message in str(err.value)
