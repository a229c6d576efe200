"""scripts/make_open_hand.py: bad output names are bad usage (2), a failed write is 1 with the
file named, a named --out is replaced whole, and a stop gives 130 / 143 with nothing written.
(The generator itself is tested in test_open_hand_generator.py; here it is replaced by the
shipped model, which it reproduces.)"""

from __future__ import annotations

import importlib.util
import signal
import sys
from pathlib import Path

import pytest

from s2hand.hand import load_hand_model
from s2hand.stopping import StopSignal

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.fixture(scope="module")
def tool():
    sys.path.insert(0, str(SCRIPTS))   # the script imports the generator package openhand
    try:
        spec = importlib.util.spec_from_file_location("make_open_hand",
                                                      SCRIPTS / "make_open_hand.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPTS))


@pytest.fixture
def shipped_build(tool, monkeypatch):
    monkeypatch.setattr(tool, "build_open_hand", lambda seed: load_hand_model(None))


def test_bad_output_names_are_bad_usage(tool, shipped_build, tmp_path, capsys):
    assert tool.main(["--out", str(tmp_path / "hand.txt")]) == 2
    assert f"--out must end in .npz (the format load_hand_model reads), got {tmp_path}" in (
        capsys.readouterr().err)
    assert tool.main(["--out", str(tmp_path / "hand.npz"), "--figure",
                      str(tmp_path / "f.jpg")]) == 2
    assert "--figure must end in .png" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_named_out_is_replaced_whole_and_a_failed_write_named(tool, shipped_build, tmp_path,
                                                                 capsys):
    out = tmp_path / "hand.npz"
    out.write_bytes(b"an older file")
    assert tool.main(["--out", str(out)]) == 0
    assert load_hand_model(out).num_vertices == 873
    assert [p.name for p in tmp_path.iterdir()] == ["hand.npz"]   # no temporary file left
    (tmp_path / "file").write_text("x")
    assert tool.main(["--out", str(tmp_path / "file" / "hand.npz")]) == 1
    err = capsys.readouterr().err
    assert f"make_open_hand: error: {tmp_path / 'file' / 'hand.npz'} could not be written" in err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_while_building_writes_nothing(tool, tmp_path, monkeypatch, capsys, signum):
    def stopped(seed):
        raise StopSignal(signum)

    monkeypatch.setattr(tool, "build_open_hand", stopped)
    assert tool.main(["--out", str(tmp_path / "hand.npz")]) == 128 + signum
    word = "interrupted" if signum == signal.SIGINT else "terminated"
    assert capsys.readouterr().err == (f"make_open_hand: {word}; no file is half-written (each "
                                       "is complete or left as it was)\n")
    assert list(tmp_path.iterdir()) == []
