import pytest
import torch
from data_fixtures import write_freihand, write_ho3d

from s2hand.config import config_from_dict
from s2hand.config.names import FREIHAND_QUERY_NAMES, HO3D_QUERY_NAMES
from s2hand.data import DataError, build_dataset, build_loaders
from s2hand.data import freihand as frei_module
from s2hand.data import ho3d as ho3d_module


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


def test_build_loaders_from_config(roots):
    loaders = build_loaders(_config(roots))
    batches = list(loaders.train)
    assert [b["dataset"][0] for b in batches] == ["FreiHand", "HO3D"] * 3
    for b in batches:
        assert b["images"].shape == (2, 3, 224, 224) and b["open_2dj"].shape == (2, 21, 2)
        assert b["texture_con"].shape == (2,)
    val = {name: list(loader) for name, loader in loaders.val.items()}
    assert [len(b["idxs"]) for b in val["FreiHand"]] == [3, 1]
    assert val["HO3D"][0]["Ks"].shape == (3, 3, 3)
    torch.testing.assert_close(val["FreiHand"][0]["idxs"], torch.tensor([0, 1, 2]))


def test_controlled_exp_and_evaluation_mode(roots):
    loaders = build_loaders(_config(roots, controlled_exp=True, controlled_size=4))
    assert {name: len(ds) for name, ds in loaders.train.datasets.items()} == {"FreiHand": 2,
                                                                              "HO3D": 2}
    loaders = build_loaders(_config(roots, mode=["evaluation"], val_datasets=["FreiHand"]))
    assert loaders.train is None and list(loaders.val) == ["FreiHand"]


def test_config_query_names_are_supported():
    # every query name the config accepts for a dataset is served by its loader
    assert FREIHAND_QUERY_NAMES <= frei_module.QUERIES
    assert HO3D_QUERY_NAMES <= ho3d_module.QUERIES


def test_missing_root_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no root folder configured for dataset 'HO3D'"):
        build_dataset("HO3D", "training", None, ["trans_images"])
    with pytest.raises(DataError, match=r"train\.txt: file not found"):
        build_dataset("HO3D", "training", tmp_path, ["trans_images"])
