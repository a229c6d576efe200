"""scripts/benchmark.py: bad option values are bad usage (2) naming the option, an unreadable
hand model is bad data (1) naming the file, and a stop while timing gives 130 and one note."""

from __future__ import annotations

import importlib.util
import signal
from pathlib import Path

import pytest

from tests.cli.test_signals import signal_while_working, the_one_note

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("benchmark", ROOT / "scripts" / "benchmark.py")
benchmark = importlib.util.module_from_spec(spec)
spec.loader.exec_module(benchmark)


@pytest.mark.parametrize(("argv", "named"), [
    (["mano", "--batch-sizes", "1", "0"], "argument --batch-sizes: expected an integer >= 1, "
                                          "got '0'"),
    (["render", "--repeats", "two"], "argument --repeats: expected an integer >= 1, got 'two'"),
    (["dhm_synthetic", "--frames", "1"], "argument --frames: expected an integer >= 2"),
    (["model", "--threads", "-1"], "argument --threads: expected an integer >= 1"),
])
def test_bad_option_values_are_bad_usage(argv, named, capsys):
    with pytest.raises(SystemExit) as stop:
        benchmark.main(argv)
    assert stop.value.code == 2 and named in capsys.readouterr().err


def test_a_bad_encoder_size_is_bad_usage(capsys):
    assert benchmark.main(["train", "--encoder", "small-cnn:big"]) == 2
    err = capsys.readouterr().err
    assert "benchmark: error: --encoder 'small-cnn:big': expected NAME or NAME:INPUT_SIZE" in err


def test_an_unreadable_hand_model_is_bad_data_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "MANO_RIGHT.pkl"
    bad.write_bytes(b"not a pickle")
    assert benchmark.main(["mano", "--model", str(bad), "--batch-sizes", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"benchmark: error: {bad}: ") and "Traceback" not in err


def test_ctrl_c_while_timing_gives_130_and_says_nothing_was_written(tmp_path):
    out = tmp_path / "stdout.txt"
    status, err = signal_while_working(
        [str(ROOT / "scripts" / "benchmark.py"), "mano", "--rounds", "100000",
         "--batch-sizes", "1"], lambda: "# MANO layer" in out.read_text(), signal.SIGINT,
        tmp_path / "stderr.txt", stdout=out)
    assert status == 130 and "Traceback" not in err, err
    assert the_one_note(err, "benchmark", signal.SIGINT).endswith("nothing is left on disk "
                                                                  "(this tool writes no files)")


def test_only_the_chosen_benchmark_is_imported(tmp_path, monkeypatch, capsys):
    (tmp_path / "mano.py").write_text('"""Good: runs."""\n'
                                      "def add_arguments(parser):\n    pass\n"
                                      "def run(args):\n    print('ran mano')\n")
    (tmp_path / "render.py").write_text('"""Broken: an optional package is missing."""\n'
                                        "import a_package_that_is_not_installed\n")
    monkeypatch.setattr(benchmark, "BENCH_DIR", tmp_path)
    assert benchmark.main(["mano"]) == 0
    assert "ran mano" in capsys.readouterr().out
    assert benchmark.main(["render"]) == 1
    err = capsys.readouterr().err
    assert "the render benchmark cannot run here: No module named " in err
    assert "a_package_that_is_not_installed" in err and "Traceback" not in err
