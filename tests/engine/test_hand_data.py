import torch

from s2hand.engine.hand_data import TaggedConcat, collate_tagged


def _raw(i: int) -> dict:
    return {"images": torch.full((3, 8, 8), float(i)), "Ks": torch.eye(3), "idxs": i,
            "open_2dj": torch.zeros(21, 2), "open_2dj_con": torch.ones(21)}


def test_tagged_concat_and_mixed_collate():
    data = TaggedConcat({"FreiHand": [_raw(0), _raw(1)], "HO3D": [_raw(2)]})
    assert len(data) == 3 and data[2][0] == "HO3D" and data[1][0] == "FreiHand"
    batch = collate_tagged([data[0], data[2], data[1]])
    assert batch["images"].shape == (3, 3, 8, 8)
    assert batch["dataset"] == ["FreiHand", "FreiHand", "HO3D"]
    assert batch["idxs"].tolist() == [0, 1, 2]
    assert batch["texture_con"].shape == (3,)


def test_single_dataset_collate_is_normalised():
    batch = collate_tagged([("FreiHand", _raw(0)), ("FreiHand", _raw(1))])
    assert set(batch) >= {"images", "Ks", "open_2dj", "open_2dj_con", "texture_con", "idxs"}
    assert batch["Ks"].shape == (2, 3, 3)
