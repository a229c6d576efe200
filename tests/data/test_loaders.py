"""The one data path: datasets by catalog name, the training concatenation sampled one dataset
per batch (datasets taking turns), and the evaluation loaders."""

import pytest
import torch
from data_fixtures import write_freihand, write_ho3d

from s2hand.config import config_from_dict
from s2hand.data import DATASETS, DataError, build_dataset, collate_tagged
from s2hand.data import freihand as frei_module
from s2hand.data import ho3d as ho3d_module
from s2hand.engine.sampling import ResumableSampler, SeededDataset
from s2hand.experiment.data import build_eval_splits, build_train_dataset


def _config(tmp_path, **changes):
    base = {"freihand_base_path": str(tmp_path / "frei"), "ho3d_base_path": str(tmp_path / "ho3d"),
            "train_datasets": ["FreiHand", "HO3D"], "val_datasets": ["FreiHand", "HO3D"],
            "train_queries": ["trans_images", "trans_Ks", "trans_open_2dj"],
            "val_queries": ["trans_images", "trans_Ks"], "train_batch": 2, "val_batch": 3,
            "num_workers": 0}
    base.update(changes)
    return config_from_dict(base, check_paths=False)


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("loaders")
    (tmp / "frei").mkdir()
    write_freihand(tmp / "frei", n_train=6, n_eval=4, versions=1)
    write_ho3d(tmp / "ho3d", seqs=2, frames=3)
    return tmp


def _train_batches(dataset, batch_size=2, epoch=0):
    sampler = ResumableSampler(dataset.sizes, batch_size, seed=0)
    sampler.set_epoch(epoch)
    seeded = SeededDataset(dataset, 0)
    return [collate_tagged([seeded[key] for key in keys]) for keys in sampler]


def test_training_datasets_take_turns_one_batch_each(roots):
    dataset = build_train_dataset(_config(roots))
    assert dataset.names == ["FreiHand", "HO3D"] and dataset.sizes == [6, 6]
    batches = _train_batches(dataset)
    assert [b.dataset for b in batches] == [["FreiHand"] * 2, ["HO3D"] * 2] * 3
    for b in batches:
        assert b.images.shape == (2, 3, 224, 224) and b.detections.shape == (2, 21, 2)
        assert b.texture_weight.shape == (2,)


def test_epoch_ends_when_the_first_dataset_runs_out():
    # 3, 1 and 2 full batches: one round, then the first dataset's turn; the second is empty
    sampler = ResumableSampler([6, 2, 4], 2, shuffle=False)
    keys = [[i for _, i in batch] for batch in sampler]
    assert keys == [[0, 1], [6, 7], [8, 9], [2, 3]]
    sampler = ResumableSampler([6, 4, 2], 2, shuffle=False)
    assert len(sampler) == 3 * 1 + 2  # a full round, then the two before the shortest
    # resuming mid-epoch continues the same schedule
    sampler.set_epoch(0, start_batch=3)
    assert [[i for _, i in b] for b in sampler] == [[2, 3], [8, 9]]


def test_mixed_batches_are_refused():
    raw = {"images": torch.zeros(3, 8, 8), "Ks": torch.eye(3), "idxs": 0}
    with pytest.raises(ValueError, match="one dataset"):
        collate_tagged([("FreiHand", raw), ("HO3D", raw)])


def test_controlled_exp_and_evaluation_splits(roots):
    dataset = build_train_dataset(_config(roots, controlled_exp=True, controlled_size=4))
    assert dataset.sizes == [2, 2]
    splits = build_eval_splits(_config(roots))
    val = {name: list(split.loader) for name, split in splits.items()}
    assert [len(b.sample_ids) for b in val["FreiHand"]] == [3, 1]
    assert val["HO3D"][0].intrinsics.shape == (3, 3, 3)
    torch.testing.assert_close(val["FreiHand"][0].sample_ids, torch.tensor([0, 1, 2]))
    assert {n: s.convention for n, s in splits.items()} == {"FreiHand": "freihand",
                                                            "HO3D": "ho3d"}


def test_catalog_queries_are_served_by_the_dataset_classes():
    assert DATASETS["FreiHand"].queries <= frei_module.QUERIES
    assert DATASETS["HO3D"].queries <= ho3d_module.QUERIES


def test_missing_root_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no root folder configured for dataset 'HO3D'.*ho3d_base"):
        build_dataset("HO3D", "training", None, ["trans_images"])
    with pytest.raises(DataError, match=r"train\.txt: file not found"):
        build_dataset("HO3D", "training", tmp_path, ["trans_images"])
