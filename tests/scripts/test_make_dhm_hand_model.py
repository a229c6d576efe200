"""scripts/make_dhm_hand_model.py: an --out folder holding hand-model files is refused unless
--overwrite, bad input exits 1 or 2 with the file named, and a stop while the six files are
written waits until all six are (one build, never a mix)."""

from __future__ import annotations

import importlib.util
import os
import signal
import threading
from pathlib import Path

import numpy as np

from s2hand.hand.deephandmesh.hand_model import FILE_NAMES, load_dhm_hand_model

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "s2hand" / "hand" / "assets" / "deephandmesh_open"
spec = importlib.util.spec_from_file_location("make_dhm_hand_model",
                                              ROOT / "scripts" / "make_dhm_hand_model.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def test_writes_the_shipped_files_into_a_new_folder(tmp_path):
    assert tool.main(["--out", str(tmp_path / "new")]) == 0
    for name in FILE_NAMES:   # deterministic: byte-identical to the shipped model
        assert (tmp_path / "new" / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def test_a_folder_with_a_hand_model_is_replaced_only_with_overwrite(tmp_path, capsys):
    out = tmp_path / "original"
    out.mkdir()
    (out / "hand.obj").write_text("v 0 0 0\n")           # e.g. the original DeepHandMesh model
    (out / "notes.txt").write_text("mine")
    assert tool.main(["--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--out {out} already holds hand.obj" in err and "--overwrite" in err
    assert sorted(p.name for p in out.iterdir()) == ["hand.obj", "notes.txt"]
    assert (out / "hand.obj").read_text() == "v 0 0 0\n"
    assert tool.main(["--out", str(out), "--overwrite"]) == 0
    assert load_dhm_hand_model(out).num_vertices == 873
    assert (out / "notes.txt").read_text() == "mine"


def test_bad_out_and_open_hand(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert tool.main(["--out", str(tmp_path / "file")]) == 2
    assert "is a file; expected a folder" in capsys.readouterr().err
    assert tool.main(["--out", str(tmp_path / "file" / "sub")]) == 1   # cannot be created
    assert str(tmp_path / "file" / "sub") in capsys.readouterr().err
    bad = tmp_path / "open.npz"
    bad.write_bytes(b"PK garbage")
    assert tool.main(["--open-hand", str(bad), "--out", str(tmp_path / "new")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"make_dhm_hand_model: error: hand model file {bad}: not a readable")
    assert not (tmp_path / "new").exists()


def test_sigterm_while_writing_waits_for_the_six_files(tmp_path, monkeypatch, capsys):
    out = tmp_path / "model"
    out.mkdir()
    for name in FILE_NAMES:
        (out / name).write_text("previous build\n")
    write_skeleton = tool.save_dhm_hand_model.__globals__["write_skeleton"]

    def signalled(*args, **kwargs):   # the second of the six files: the stop arrives mid-set
        os.kill(os.getpid(), signal.SIGTERM)
        return write_skeleton(*args, **kwargs)

    monkeypatch.setitem(tool.save_dhm_hand_model.__globals__, "write_skeleton", signalled)
    # Another thread (as torch and the image writers start) may be the one the signal reaches.
    done = threading.Event()
    other = threading.Thread(target=done.wait, daemon=True)
    other.start()
    try:
        assert tool.main(["--out", str(out), "--overwrite"]) == 143
    finally:
        done.set()
    err = capsys.readouterr().err
    assert err == ("make_dhm_hand_model: terminated; no file is half-written (each is complete "
                   "or left as it was)\n")
    for name in FILE_NAMES:
        assert (out / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    np.testing.assert_array_equal(load_dhm_hand_model(out).parents,
                                  load_dhm_hand_model(SHIPPED).parents)
