"""Joint-order constants: permutations, round trips, agreement with the spec's maps."""

from __future__ import annotations

import pytest
import torch

from s2hand.hand import joint_orders as jo

# s2hand.md §2.6: Mano2Frei {manoId: freiId} and Frei2HO3D {freiId: ho3dId}.
MANO2FREI = {0: 0, 1: 5, 2: 6, 3: 7, 4: 8, 5: 9, 6: 10, 7: 11, 8: 12, 9: 17, 10: 18, 11: 19,
             12: 20, 13: 13, 14: 14, 15: 15, 16: 16, 17: 1, 18: 2, 19: 3, 20: 4}
FREI2HO3D = {0: 0, 1: 13, 2: 14, 3: 15, 4: 16, 5: 1, 6: 2, 7: 3, 8: 17, 9: 4, 10: 5, 11: 6,
             12: 18, 13: 10, 14: 11, 15: 12, 16: 19, 17: 7, 18: 8, 19: 9, 20: 20}

ALL = [jo.HO3D_TO_FREI, jo.FREI_TO_HO3D, jo.MANO_TO_FREI, jo.FREI_TO_MANO, jo.HO3D_TO_MANO,
       jo.MANO_TO_HO3D]


@pytest.mark.parametrize("order", ALL)
def test_is_permutation(order: tuple[int, ...]) -> None:
    assert sorted(order) == list(range(21))


def test_matches_spec_maps() -> None:
    for mano_id, frei_id in MANO2FREI.items():
        assert jo.MANO_TO_FREI[frei_id] == mano_id
    for frei_id, ho3d_id in FREI2HO3D.items():
        assert jo.FREI_TO_HO3D[ho3d_id] == frei_id
    # evaluation.md §2.4 arrays.
    assert jo.HO3D_TO_FREI == (0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7,
                               8, 9, 20)


@pytest.mark.parametrize(("forward", "backward"), [
    (jo.MANO_TO_FREI, jo.FREI_TO_MANO), (jo.FREI_TO_HO3D, jo.HO3D_TO_FREI),
    (jo.HO3D_TO_MANO, jo.MANO_TO_HO3D)])
def test_round_trip(forward: tuple[int, ...], backward: tuple[int, ...]) -> None:
    x = torch.randn(2, 21, 3)
    assert torch.equal(jo.reorder(jo.reorder(x, forward), backward), x)


def test_compositions_agree() -> None:
    x = torch.randn(21, 3)
    via_frei = jo.reorder(jo.reorder(x, jo.HO3D_TO_FREI), jo.FREI_TO_MANO)
    assert torch.equal(via_frei, jo.reorder(x, jo.HO3D_TO_MANO))


def test_bones_and_names() -> None:
    assert len(jo.FREI_BONES) == 20
    assert [c for _, c in jo.FREI_BONES] == list(range(1, 21))
    assert jo.FREI_BONES[:4] == ((0, 1), (1, 2), (2, 3), (3, 4))
    assert jo.FREI_BONES[8] == (0, 9)
    names = jo.reorder(torch.arange(21.0)[:, None], jo.HO3D_TO_FREI)[:, 0].long().tolist()
    ho3d_names = list(jo.MANO_JOINT_NAMES) + [f"{t}4" for t in jo.TIP_NAMES]
    assert [ho3d_names[i] for i in names] == list(jo.FREIHAND_JOINT_NAMES)


def test_reorder_rejects_wrong_size() -> None:
    with pytest.raises(ValueError, match="21 joints"):
        jo.reorder(torch.zeros(16, 3), jo.HO3D_TO_FREI)
