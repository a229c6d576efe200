"""HandModel files: npz round trip, validation messages, sides."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from s2hand.hand import HandModelError, load_hand_model, mirror_model, save_hand_model
from s2hand.hand.hand_model import model_to_arrays
from s2hand.hand.mirror import fix_left_shapedirs


def test_default_is_open_hand(open_hand) -> None:
    assert open_hand.side == "right" and "OpenHand" in open_hand.name
    assert open_hand.v_template.dtype == np.float64 and open_hand.faces.dtype == np.int64
    assert open_hand.parents[0] == -1 and open_hand.num_betas >= 10


def test_npz_round_trip(tmp_path: Path, open_hand) -> None:
    path = save_hand_model(open_hand, tmp_path / "hand.npz")
    again = load_hand_model(path)
    for field in dataclasses.fields(open_hand):
        a, b = getattr(open_hand, field.name), getattr(again, field.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=field.name)
    assert again.side == "right"


def test_left_side_mirrors_and_back(open_hand) -> None:
    left = load_hand_model(None, side="left")
    assert left.side == "left"
    np.testing.assert_allclose(left.v_template[:, 0], -open_hand.v_template[:, 0])
    back = mirror_model(left)
    for key in ("v_template", "faces", "shapedirs", "posedirs", "hands_components"):
        np.testing.assert_allclose(getattr(back, key), getattr(open_hand, key), err_msg=key)


def test_left_file_shapedirs_fix(open_hand) -> None:
    left = mirror_model(open_hand)
    buggy = dataclasses.replace(left, shapedirs=open_hand.shapedirs.copy())  # right's x signs
    np.testing.assert_allclose(fix_left_shapedirs(buggy).shapedirs, left.shapedirs)
    assert fix_left_shapedirs(left) is left          # already correct files are left alone
    assert fix_left_shapedirs(open_hand) is open_hand


def test_left_named_file_is_detected(tmp_path: Path, open_hand) -> None:
    arrays = model_to_arrays(mirror_model(open_hand))
    del arrays["side"]
    path = tmp_path / "MANO_LEFT.npz"
    np.savez(path, **arrays)
    assert load_hand_model(path, side="left").side == "left"
    right = load_hand_model(path, side="right")
    np.testing.assert_allclose(right.v_template, open_hand.v_template)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("v_template", np.zeros((5, 2)), r"'v_template' must have shape \(V, 3\)"),
    ("weights", np.zeros((3, 16)), r"'weights' must have shape"),
    ("f", np.array([[0, 1, 99999]]), r"'f' indexes vertices outside"),
    ("hands_mean", np.full(45, np.nan), r"'hands_mean' contains NaN"),
])
def test_invalid_npz_reports_key(tmp_path: Path, open_hand, key: str, value: np.ndarray,
                                 message: str) -> None:
    arrays = model_to_arrays(open_hand)
    arrays[key] = value
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(HandModelError, match=message):
        load_hand_model(path)


def test_missing_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(HandModelError, match="does not exist"):
        load_hand_model(tmp_path / "MANO_RIGHT.pkl")
    other = tmp_path / "hand.obj"
    other.write_text("v 0 0 0\n")
    with pytest.raises(HandModelError, match=r"expected a \.pkl or \.npz"):
        load_hand_model(other)
    with pytest.raises(HandModelError, match="side must be one of"):
        load_hand_model(None, side="both")
