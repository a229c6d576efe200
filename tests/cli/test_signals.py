"""Every long-running tool, stopped by SIGINT and by SIGTERM while it works, in a subprocess:
exit 130 / 143, one line on stderr saying what was kept, no traceback, nothing half-written.
The signal goes to the tool's whole process group, as Ctrl-C in a terminal or a batch system
sends it (training runs with a DataLoader worker process)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from s2hand.data.detections import read_detections
from s2hand.data.synthetic import generate_synthetic
from s2hand.engine.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
ENV.pop("S2HAND_DEBUG", None)


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    generate_synthetic("freihand", root, 4, 2, 0)
    return root


def _images(synth: Path, folder: Path, copies: int) -> list[str]:
    """``copies`` x the 4 synthetic training images in ``folder``; their names."""
    folder.mkdir()
    names = []
    for k in range(copies):
        for src in sorted((synth / "training" / "rgb").glob("*.jpg")):
            names.append(f"{k:02d}_{src.name}")
            shutil.copyfile(src, folder / names[-1])
    return names


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if ".tmp" in p.name]


# Each tool: (argv, ready: is it working?, check: nothing half-written, the kept-note prefix).
def _train(tmp: Path, synth: Path):
    out = tmp / "run"
    config = {"train_datasets": ["FreiHand"], "val_datasets": ["FreiHand"],
              "freihand_base_path": str(synth), "base_out_path": str(out), "device": "cpu",
              "num_workers": 1, "encoder": "small-cnn", "encoder_input_size": 32,
              "train_batch": 2, "val_batch": 2, "total_epochs": 1000, "lr_steps": [2000],
              "print_freq": 1, "train_queries": ["trans_images", "trans_Ks", "trans_open_2dj"],
              "val_queries": ["images", "Ks", "open_2dj"],
              "losses": ["tsa_poses", "open_2dj", "mscale", "open_bone_direc"]}
    (tmp / "cfg.json").write_text(json.dumps(config))
    metrics = out / "logs" / "metrics.csv"

    def check() -> None:
        state = load_checkpoint(out / "model" / "latest.t7")  # whole, and what the note names
        assert state["iteration"] >= 1 and not _temp_files(out)

    return (["-m", "s2hand.cli.train", "--config_json", str(tmp / "cfg.json")],
            lambda: metrics.is_file() and ",train," in metrics.read_text(), check)


def _make_synthetic(tmp: Path, synth: Path):
    out = tmp / "synth"

    def check() -> None:
        assert (out / "synthetic.partial").is_file() and not (out / "synthetic.json").exists()
        assert not _temp_files(out)

    return (["-m", "s2hand.cli.make_synthetic", "--layout", "freihand", "--out", str(out),
             "--train", "500", "--eval", "2", "--batch-size", "2"],
            lambda: any((out / "training" / "rgb").glob("*.jpg")), check)


def _make_dhm_synthetic(tmp: Path, synth: Path):
    out = tmp / "dhm"

    def check() -> None:
        assert (out / "synthetic.partial").is_file() and not (out / "synthetic.json").exists()
        assert not _temp_files(out)

    return (["-m", "s2hand.cli.make_dhm_synthetic", "--out", str(out), "--sequences", "1",
             "--frames", "500", "--cameras", "1", "--heldout", "0"],
            lambda: any(out.rglob("image*.jpg")), check)


def _detect(tmp: Path, synth: Path):
    folder = tmp / "photos"
    _images(synth, folder, 25)
    journal = folder / "detect.json.partial.jsonl"

    def check() -> None:
        assert not (folder / "detect.json").exists() and not _temp_files(folder)
        lines = journal.read_text().splitlines()
        assert len(lines) >= 2 and all(json.loads(line) for line in lines)  # whole lines

    return ([str(Path(__file__).with_name("slow_detect.py")), "--layout", "folder",
             str(folder), "--backend", "slow", "--batch-size", "1"],
            lambda: journal.is_file() and len(journal.read_text().splitlines()) >= 2, check)


def _predict(tmp: Path, synth: Path):
    folder, out = tmp / "photos", tmp / "out"
    names = _images(synth, folder, 8)
    det = read_detections(synth / "openpose_v2" / "training" / "detect_all.json")
    hands = {name: {"hands": [{"side": "right", "keypoints": det.xy[k % 4].tolist()}]}
             for k, name in enumerate(names)}
    (tmp / "hands.json").write_text(json.dumps(hands))

    def check() -> None:
        assert not _temp_files(out)
        for record in out.glob("*.json"):  # written last: every file it lists is whole
            data = json.loads(record.read_text())
            assert (out / data["overlay"]).stat().st_size > 0

    return (["-m", "s2hand.cli.predict", str(folder), "--out", str(out), "--hands",
             str(tmp / "hands.json"), "--fit-steps", "60"],
            lambda: any(out.glob("*.json")), check)


TOOLS = {"s2hand-train": _train, "s2hand-make-synthetic": _make_synthetic,
         "s2hand-make-dhm-synthetic": _make_dhm_synthetic, "s2hand-detect": _detect,
         "s2hand-predict": _predict}


def _default_sigint() -> None:
    # A shell's background job inherits SIGINT ignored, and Python then leaves it ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def signal_while_working(argv: list[str], ready: Callable[[], bool], signum: int,
                         stderr: Path, stdout: Path | None = None) -> tuple[int, str]:
    """Run ``python argv`` in its own process group, send ``signum`` to the group once
    ``ready()``; returns its exit status and stderr (``stdout`` goes to that file if given)."""
    with stderr.open("w") as err_file, open(stdout or os.devnull, "w") as out_file:
        proc = subprocess.Popen([sys.executable, *argv], env=ENV, stdout=out_file,
                                stderr=err_file, preexec_fn=_default_sigint,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while not ready():
                assert proc.poll() is None, f"{argv} ended before working:\n{stderr.read_text()}"
                assert time.monotonic() < deadline, f"{argv} never started working"
                time.sleep(0.05)
            os.killpg(proc.pid, signum)
            status = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    return status, stderr.read_text()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("tool", list(TOOLS))
def test_a_signal_while_working_gives_its_status_and_one_note(tmp_path, synth, tool, signum):
    argv, ready, check = TOOLS[tool](tmp_path, synth)
    status, err = signal_while_working(argv, ready, signum, tmp_path / "stderr.txt")
    assert status == 128 + signum, err
    assert "Traceback" not in err, err
    name = signal.Signals(signum).name
    if tool == "s2hand-train":
        notes = [line for line in err.splitlines() if f"stopped by {name}" in line]
        assert len(notes) == 1 and "latest.t7; continue with --set resume=auto" in notes[0], err
    else:
        the_one_note(err, tool, signum)
    check()


def the_one_note(err: str, prog: str, signum: int) -> str:
    """The note of what was kept: the only ``<prog>: interrupted; ...`` (``terminated``) line
    of ``err``, and its last."""
    word = "interrupted" if signum == signal.SIGINT else "terminated"
    notes = [line for line in err.splitlines() if line.startswith(f"{prog}: {word}; ")]
    assert len(notes) == 1 and notes[0] == err.strip().splitlines()[-1], err
    return notes[0]
