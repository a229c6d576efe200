"""Chumpy-free loading of MANO-format pickles, and refusal of unsafe pickles."""

from __future__ import annotations

import os
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import torch

from s2hand.hand import HandModelError, ManoLayer, UnsafePickleError, load_hand_model
from tests.hand.conftest import random_mano_like
from tests.hand.test_layer import random_inputs, smplx_mano


class Ch:
    """Stand-in for chumpy.ch.Ch: pickles its state dict like chumpy does."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x

    def __getstate__(self) -> dict:
        return {"x": self.x, "_dirty_vars": set()}


class Select(Ch):
    """Stand-in for chumpy.reordering.Select (a[idxs] reshaped to preferred_shape)."""

    def __init__(self, a: Ch, idxs: np.ndarray, preferred_shape: tuple[int, ...]) -> None:
        self.a, self.idxs, self.preferred_shape = a, idxs, preferred_shape

    def __getstate__(self) -> dict:
        return {"a": self.a, "idxs": self.idxs, "preferred_shape": self.preferred_shape}


def write_mano_pickle(path: Path, model, monkeypatch: pytest.MonkeyPatch,
                      protocol: int = 2) -> None:
    """Write ``model`` the way the official MANO files are laid out (chumpy shapedirs with 20
    stored components of which 10 are selected, sparse J_regressor, uint32 kintree)."""
    for mod, cls in (("chumpy.ch", Ch), ("chumpy.reordering", Select)):
        module = types.ModuleType(mod)
        setattr(module, cls.__name__, cls)
        monkeypatch.setattr(cls, "__module__", mod)
        monkeypatch.setitem(sys.modules, mod, module)
    monkeypatch.setitem(sys.modules, "chumpy", types.ModuleType("chumpy"))
    n = model.num_vertices
    stored = np.concatenate([model.shapedirs, np.full((n, 3, 10), 7.0)], axis=2)  # (n, 3, 20)
    idxs = np.arange(n * 3 * 20).reshape(n, 3, 20)[:, :, :10].ravel()
    kintree = np.stack([model.parents, np.arange(16)]).astype(np.int64)
    kintree[0, 0] = 4294967295
    data = {
        "v_template": model.v_template, "f": model.faces.astype(np.uint32),
        "shapedirs": Select(Ch(stored), idxs, (n, 3, 10)), "posedirs": model.posedirs,
        "J_regressor": scipy.sparse.csc_matrix(model.J_regressor),
        "J": model.J_regressor @ model.v_template, "weights": model.weights,
        "kintree_table": kintree.astype(np.uint32), "hands_components": model.hands_components,
        "hands_mean": model.hands_mean, "hands_coeffs": np.zeros((3, 45)),
        "bs_style": "lbs", "bs_type": "lrotmin",
    }
    with path.open("wb") as handle:
        pickle.dump(data, handle, protocol=protocol)
    for mod in ("chumpy", "chumpy.ch", "chumpy.reordering"):
        monkeypatch.delitem(sys.modules, mod)


@pytest.mark.parametrize("protocol", [0, 2])
def test_pickle_round_trip_without_chumpy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          protocol: int) -> None:
    model = random_mano_like(1)
    path = tmp_path / "MANO_RIGHT.pkl"
    write_mano_pickle(path, model, monkeypatch, protocol)
    assert "chumpy" not in sys.modules
    loaded = load_hand_model(path)
    for key in ("v_template", "faces", "shapedirs", "posedirs", "J_regressor", "weights",
                "parents", "hands_components", "hands_mean"):
        np.testing.assert_array_equal(getattr(loaded, key), getattr(model, key), err_msg=key)
    assert loaded.side == "right"
    assert loaded.tip_ids.tolist() == [744, 320, 443, 555, 672]


def test_pickle_parity_with_smplx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Our layer on the loaded pickle equals smplx.MANO on the original arrays."""
    path = tmp_path / "MANO_RIGHT.pkl"
    model = random_mano_like(4)
    write_mano_pickle(path, model, monkeypatch)
    ours = ManoLayer(path, num_pca_comps=12, joint_order="ho3d", dtype=torch.float64)
    ref = smplx_mano(model, num_pca_comps=12)
    go, hp, betas, transl = random_inputs(4, 12, 1.0)
    expected = ref(betas=betas, global_orient=go, hand_pose=hp, transl=transl)
    out = ours(go, hp, betas, transl)
    torch.testing.assert_close(out.vertices, expected.vertices, atol=1e-6, rtol=0)
    torch.testing.assert_close(out.joints[:, :16], expected.joints, atol=1e-6, rtol=0)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_malicious_pickle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"v_template": _Evil()}, protocol=2))
    with pytest.raises(UnsafePickleError, match=r"'(posix|os|nt)\.system'.*not allowed"):
        load_hand_model(path)


def test_non_dict_and_garbage_pickles(tmp_path: Path) -> None:
    path = tmp_path / "list.pkl"
    path.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(UnsafePickleError, match="dict"):
        load_hand_model(path)
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(ValueError, match="list.pkl"):
        load_hand_model(path)


def test_pickle_without_tips_needs_mano_topology(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "small.pkl"
    write_mano_pickle(path, random_mano_like(2, num_vertices=100), monkeypatch)
    with pytest.raises(HandModelError, match="no 'tip_ids' key and 100 vertices"):
        load_hand_model(path)


def test_missing_key_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "partial.pkl"
    path.write_bytes(pickle.dumps({"v_template": np.zeros((10, 3))}))
    with pytest.raises(HandModelError, match=r"partial.pkl.*missing keys \['f'"):
        load_hand_model(path)


def test_convert_mano_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    from s2hand.cli.convert_mano import main

    model = random_mano_like(7)
    pkl = tmp_path / "MANO_RIGHT.pkl"
    write_mano_pickle(pkl, model, monkeypatch)
    assert main([str(pkl)]) == 0
    converted = load_hand_model(tmp_path / "MANO_RIGHT.npz")
    np.testing.assert_array_equal(converted.shapedirs, model.shapedirs)
    assert "wrote" in capsys.readouterr().out
    bad = tmp_path / "evil.pkl"
    bad.write_bytes(pickle.dumps(_Evil(), protocol=2))
    assert main([str(bad), str(tmp_path / "evil.npz")]) == 1
    assert "not allowed" in capsys.readouterr().err
    assert not (tmp_path / "evil.npz").exists()
