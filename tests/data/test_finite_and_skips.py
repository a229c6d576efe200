"""Non-finite numbers are reported at load; evaluation never substitutes a sample; training
substitutions are reported, also from DataLoader workers."""

import json
import pickle
import warnings

import numpy as np
import pytest
import torch
from data_fixtures import write_freihand, write_ho3d

from s2hand.data import CorruptImageError, DataError, FreiHandDataset, HO3DDataset
from s2hand.data.batch import normalize_batch


def test_nan_in_one_training_k_entry_names_file_and_entry(tmp_path):
    write_freihand(tmp_path, n_train=3, n_eval=1, versions=1)
    path = tmp_path / "training_K.json"
    K = json.loads(path.read_text())
    K[2][1][1] = float("nan")
    path.write_text(json.dumps(K))  # json writes NaN, which json (and so the loader) reads
    with pytest.raises(DataError) as caught:
        FreiHandDataset(tmp_path, "training", ("images", "Ks"))
    assert str(caught.value).startswith(f"{path}: entry 2, element [1, 1] is nan")


def test_nan_in_a_ho3d_cammat_names_file_and_key(tmp_path):
    write_ho3d(tmp_path, seqs=1, frames=2)
    meta_path = tmp_path / "train/TSQ0/meta/0001.pkl"
    meta = pickle.load(open(meta_path, "rb"))
    meta["camMat"] = meta["camMat"].copy()
    meta["camMat"][0, 2] = np.inf
    pickle.dump(meta, open(meta_path, "wb"), protocol=2)
    ds = HO3DDataset(tmp_path, "training", ("trans_images", "trans_Ks", "trans_open_2dj"),
                     on_bad_image="skip")
    ds[0]
    with pytest.raises(DataError) as caught:
        ds[1]  # bad data is never skipped as an unreadable image
    assert str(caught.value).startswith(f"{meta_path}: key 'camMat', element [0, 2] is inf")


def _corrupt(root, split, index):
    bad = root / split / "rgb" / f"{index:08d}.jpg"
    bad.write_bytes(bad.read_bytes()[:-400])
    return bad


def test_evaluation_never_substitutes_an_unreadable_image(tmp_path):
    write_freihand(tmp_path, n_train=2, n_eval=3, versions=1)
    bad = _corrupt(tmp_path, "evaluation", 1)
    ds = FreiHandDataset(tmp_path, "evaluation", ("images", "Ks"), on_bad_image="skip")
    assert ds[0]["idxs"] == 0 and ds[2]["idxs"] == 2
    with pytest.raises(CorruptImageError) as caught:
        ds[1]  # before: sample 2 came back in row 1 of pred.json
    assert str(bad) in str(caught.value) and "never replaced" in str(caught.value)


def test_training_substitutions_made_in_workers_reach_the_batch(tmp_path):
    write_freihand(tmp_path, n_train=4, n_eval=1, versions=1)
    bad = _corrupt(tmp_path, "training", 1)
    ds = FreiHandDataset(tmp_path, "training", ("images", "Ks"), on_bad_image="skip")
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=1, timeout=120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batches = [normalize_batch(raw, "FreiHand") for raw in loader]
    assert [b.skipped_files for b in batches] == [[str(bad)], []]
    assert batches[0].sample_ids.tolist() == [0, 2]  # the substitute is visible, not hidden
