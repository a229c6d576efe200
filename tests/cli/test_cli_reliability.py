"""Command-line tools under faults: used or busy output folders, signals, bad files. Each case
gets a one-paragraph message naming the file or key, exit 2 (usage/config) or 1 (data/run), and
no Python traceback; nothing on disk is lost."""

import json
import subprocess
import sys
import types

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from s2hand.cli import evaluate as eval_cli
from s2hand.cli import make_synthetic, train
from s2hand.data.errors import CorruptImageError
from s2hand.outputs import LOCK_NAME
from s2hand.stopping import StopSignal


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data/FreiHAND_pub_v2").mkdir(parents=True)
    return tmp_path


def _config(folder, **overrides):
    data = {"freihand_base_path": "data/FreiHAND_pub_v2", "base_out_path": "out/run"}
    data.update(overrides)
    path = folder / "cfg.json"
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture
def engine(monkeypatch):
    """Stands in for s2hand.experiment.run; ``engine.result`` is what the run returns, or an
    exception it raises."""
    module = types.ModuleType("s2hand.experiment.run")
    module.result = {"status": "ok"}
    module.calls = 0

    def run_experiment(config):
        module.calls += 1
        if isinstance(module.result, BaseException):
            raise module.result
        return module.result

    module.run_experiment = run_experiment
    monkeypatch.setitem(sys.modules, "s2hand.experiment.run", module)
    return module


def test_fresh_run_over_a_finished_run_is_refused_and_nothing_touched(workdir, engine, capsys):
    out = workdir / "out/run"
    (out / "model").mkdir(parents=True)
    (out / "model/texturehand_3.t7").write_bytes(b"weights")
    (out / "config.json").write_text("the finished run's config")
    (out / "scores.json").write_text('{"xyz_al_mean3d": 1.0}')
    assert train.main(["--config_json", _config(workdir)]) == 2
    err = capsys.readouterr().err
    assert "out/run" in err and "resume=auto" in err and "Traceback" not in err
    assert engine.calls == 0
    assert (out / "config.json").read_text() == "the finished run's config"
    assert train.main(["--config_json", _config(workdir), "--set", "resume=auto"]) == 0
    assert engine.calls == 1


def test_second_run_on_a_live_runs_folder_is_refused(workdir, engine, capsys):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom s2hand.outputs.lock import acquire\n"
         "acquire(sys.argv[1]); print('locked', flush=True); time.sleep(120)",
         str(workdir / "out/run")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert train.main(["--config_json", _config(workdir)]) == 1
        err = capsys.readouterr().err
        assert f"pid {holder.pid}" in err and "in use by another live run" in err
        assert engine.calls == 0 and not (workdir / "out/run/config.json").exists()
    finally:
        holder.kill()
        holder.wait()
    assert train.main(["--config_json", _config(workdir)]) == 0  # its lock died with it
    assert (workdir / "out/run" / LOCK_NAME).read_text() == ""


@pytest.mark.parametrize(("signum", "status"), [(2, 130), (15, 143)])
def test_exit_status_after_a_signal_names_the_saved_state(workdir, engine, capsys, signum,
                                                          status):
    engine.result = {"interrupted": True, "stop_signal": signum,
                     "last_checkpoint": "out/run/model/latest.t7"}
    assert train.main(["--config_json", _config(workdir)]) == status
    err = capsys.readouterr().err
    assert "out/run/model/latest.t7" in err and "resume=auto" in err


@pytest.mark.parametrize(("stop", "status", "said"), [
    (StopSignal(15, "the last checkpoint written, out/run/model/latest.t7, is complete"), 143,
     "stopped at once by a second SIGTERM: the last checkpoint written, "
     "out/run/model/latest.t7, is complete; continue with --set resume=auto"),
    (KeyboardInterrupt(), 130, "stopped by SIGINT outside the training loop: finished files "
     "are kept and none is half-written; rerun with --set resume=auto to continue"),
])
def test_a_stop_by_exception_is_one_line_with_the_signals_status(workdir, engine, capsys, stop,
                                                                 status, said):
    engine.result = stop
    assert train.main(["--config_json", _config(workdir)]) == status
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].endswith(f"WARNING s2hand.train: {said}")
    assert err.count("stopped") == 1 and "Traceback" not in err


def test_config_that_is_not_utf8(workdir, engine, capsys):
    path = workdir / "cfg.json"
    path.write_bytes(b'{"init_lr": 1e-4, "name": "\xff\xfe"}')
    assert train.main(["--config_json", str(path)]) == 2
    err = capsys.readouterr().err
    assert "cfg.json: not a UTF-8 text file" in err and "Traceback" not in err


class _CorruptAt1(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        if i == 1:
            raise CorruptImageError("data/rgb/00000001.jpg: truncated JPEG")
        return torch.zeros(1)


def _worker_error() -> Exception:
    try:
        list(DataLoader(_CorruptAt1(), batch_size=1, num_workers=1))
    except CorruptImageError as err:
        return err
    raise AssertionError("the loader did not fail")


def test_corrupt_image_in_a_loader_worker_is_one_line(workdir, engine, capsys):
    engine.result = _worker_error()
    assert "Traceback" in str(engine.result)  # what torch hands over from the worker
    assert train.main(["--config_json", _config(workdir)]) == 1
    err = capsys.readouterr().err
    assert "data/rgb/00000001.jpg: truncated JPEG" in err and "worker process 0" in err
    assert "Traceback" not in err and 'File "' not in err
    assert "Traceback" in (workdir / "out/run/train.log").read_text()  # kept for developers


def test_pred_json_that_is_not_text(tmp_path, capsys):
    gt = tmp_path / "gt.json"
    gt.write_text(json.dumps([np.zeros((1, 21, 3)).tolist(), np.zeros((1, 778, 3)).tolist()]))
    pred = tmp_path / "pred.json"
    pred.write_bytes(bytes(range(256)) * 4)
    rc = eval_cli.main(["--pred", str(pred), "--gt", str(gt), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 1 and f"{pred} is not text" in err and "Traceback" not in err


def _make(out, *extra):
    return make_synthetic.main(["--layout", "freihand", "--out", str(out), "--train", "1",
                                "--eval", "1", "--batch-size", "1", *extra])


def test_make_synthetic_never_overwrites_what_it_did_not_write(tmp_path, capsys):
    real = tmp_path / "FreiHAND"
    (real / "training" / "rgb").mkdir(parents=True)
    (real / "training_K.json").write_text("[[the real intrinsics]]")
    (real / "training" / "rgb" / "00000000.jpg").write_bytes(b"a real photo")
    for extra in ((), ("--overwrite",)):
        assert _make(real, *extra) == 2
        err = capsys.readouterr().err
        assert str(real) in err and "not written by s2hand-make-synthetic" in err
    assert (real / "training_K.json").read_text() == "[[the real intrinsics]]"
    assert sorted(p.name for p in real.rglob("*")) == ["00000000.jpg", "rgb", "training",
                                                        "training_K.json"]


def test_make_synthetic_replaces_its_own_dataset_only_when_asked(tmp_path, capsys):
    out = tmp_path / "synth"
    assert _make(out) == 0
    files = json.loads((out / "synthetic.json").read_text())["files"]
    assert "training_K.json" in files and "training/rgb/00000000.jpg" in files
    before = (out / "training_K.json").read_text()
    assert _make(out, "--seed", "5") == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "training_K.json").read_text() == before
    (out / "notes.txt").write_text("mine")
    assert _make(out, "--seed", "5", "--overwrite") == 2  # a file it did not write is there
    assert "notes.txt" in capsys.readouterr().err
    (out / "notes.txt").unlink()
    assert _make(out, "--seed", "5", "--overwrite") == 0
    assert (out / "training_K.json").read_text() != before


def test_make_synthetic_out_under_a_regular_file(tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("keep me")
    assert _make(blocker / "synth") == 2
    err = capsys.readouterr().err
    assert f"its parent {blocker} is a file" in err and "Traceback" not in err
    assert blocker.read_text() == "keep me"


def test_the_closer_class_decides_between_usage_and_data_errors(capsys):
    from s2hand.cli.errors import run_reporting_errors

    class BadFile(ValueError):
        pass

    def fail(error):
        def run(args):
            raise error
        return run

    assert run_reporting_errors("x", fail(BadFile("f")), None, (ValueError,), (BadFile,)) == 1
    assert run_reporting_errors("x", fail(ValueError("v")), None, (ValueError,), (BadFile,)) == 2
    assert capsys.readouterr().err == "x: error: f\nx: error: v\n"


def test_unexpected_errors_are_one_line_unless_debug_is_asked(monkeypatch, capsys):
    from s2hand.cli.errors import run_reporting_errors

    def run(args):
        raise RuntimeError("something broke")

    assert run_reporting_errors("s2hand-x", run, None, (ValueError,)) == 1
    err = capsys.readouterr().err
    assert err == ("s2hand-x: error: RuntimeError: something broke (set S2HAND_DEBUG=1 for the "
                   "traceback)\n")
    monkeypatch.setenv("S2HAND_DEBUG", "1")
    with pytest.raises(RuntimeError):
        run_reporting_errors("s2hand-x", run, None, (ValueError,))
