"""s2hand-train / examples/train.py: validation, --check, --set, outputs, error reporting."""

import json
import logging
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from s2hand.cli import train
from s2hand.config import load_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data/FreiHAND_pub_v2").mkdir(parents=True)
    return tmp_path


def write_config(folder: Path, **overrides) -> Path:
    data = {"freihand_base_path": "data/FreiHAND_pub_v2", "base_out_path": "out/run"}
    data.update(overrides)
    path = folder / "cfg.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def fake_engine(monkeypatch):
    """Stands in for s2hand.experiment.run; records the config it was given."""
    calls = []
    module = types.ModuleType("s2hand.experiment.run")

    def run_experiment(config):
        calls.append(config)
        if config.seed == 13:
            raise RuntimeError("engine failed on purpose")
        return {"status": "ok"}

    module.run_experiment = run_experiment
    monkeypatch.setitem(sys.modules, "s2hand.experiment.run", module)
    return calls


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "examples/train.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_validates_and_runs_nothing(workdir, fake_engine, capsys):
    path = write_config(workdir)
    assert train.main(["--config_json", str(path), "--check"]) == 0
    assert "OK (mode=training" in capsys.readouterr().out
    assert fake_engine == []
    assert not (workdir / "out").exists()


def test_run_writes_resolved_config_and_log_then_calls_engine(workdir, fake_engine):
    path = write_config(workdir)
    rc = train.main(["--config_json", str(path), "--set", "seed=7", "--set", "init_lr=2e-4"])
    assert rc == 0
    (cfg,) = fake_engine
    assert cfg.seed == 7 and cfg.init_lr == 2e-4
    saved = json.loads((workdir / "out/run/config.json").read_text())
    assert saved["seed"] == 7 and saved["lambda_pose"] == 0.1
    assert saved["freihand_base_path"] == str(workdir / "data/FreiHAND_pub_v2")
    assert "resolved config written" in (workdir / "out/run/train.log").read_text()


def test_engine_failure_is_one_paragraph_with_traceback_in_log(workdir, fake_engine, capsys):
    path = write_config(workdir, seed=13)
    assert train.main(["--config_json", str(path)]) == 1
    err = capsys.readouterr().err
    assert "RuntimeError: engine failed on purpose" in err and "Traceback" not in err
    assert "Traceback" in (workdir / "out/run/train.log").read_text()


def test_bad_config_exits_2_listing_problems(workdir, fake_engine, capsys):
    path = write_config(workdir, init_lrr=1, train_batch="x")
    assert train.main(["--config_json", str(path)]) == 2
    err = capsys.readouterr().err
    assert 'key "init_lrr" is not a valid key (did you mean "init_lr"?)' in err
    assert 'key "train_batch" must be an integer' in err
    assert "2 problems found; nothing was run" in err
    assert fake_engine == []


@pytest.mark.parametrize(
    "overrides, key, fix",
    [
        ({"init_lrr": 0.001}, "init_lrr", 'did you mean "init_lr"?'),
        ({"init_lr": "0.001"}, "init_lr", "must be a number"),
        ({"freihand_base_path": "data/missing"}, "freihand_base_path", "missing folder"),
    ],
)
def test_bad_configs_from_the_command_line(workdir, overrides, key, fix):
    """The three user mistakes of the issue: non-zero exit, key and fix named, no traceback."""
    result = run_cli("--config_json", str(write_config(workdir, **overrides)), cwd=workdir)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    (line,) = result.stderr.splitlines()
    assert f'key "{key}"' in line and fix in line


def test_check_does_not_import_the_engine(workdir):
    path = write_config(workdir)
    code = (
        "import sys; from s2hand.cli.train import main; "
        f"rc = main(['--config_json', {str(path)!r}, '--check']); "
        "assert 's2hand.experiment.run' not in sys.modules; "
        "sys.exit(rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_missing_config_flag_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as err:
        train.main([])
    assert err.value.code == 2
    assert "--config_json" in capsys.readouterr().err


def test_missing_config_file(workdir, capsys):
    assert train.main(["--config_json", "nope.json"]) == 2
    assert "nope.json: config file not found" in capsys.readouterr().err


def test_log_lines_not_doubled_when_the_engine_logs_to_the_same_file(workdir, monkeypatch):
    module = types.ModuleType("s2hand.experiment.run")

    def run_experiment(config):
        handler = logging.FileHandler(config.base_out_path / "train.log")
        logging.getLogger().addHandler(handler)
        try:
            logging.getLogger("s2hand.engine").info("engine line")
        finally:
            logging.getLogger().removeHandler(handler)
            handler.close()
        return {}

    module.run_experiment = run_experiment
    monkeypatch.setitem(sys.modules, "s2hand.experiment.run", module)
    assert train.main(["--config_json", str(write_config(workdir))]) == 0
    text = (workdir / "out/run/train.log").read_text()
    assert text.count("engine line") == 1
    assert "resolved config written" in text and "finished in" in text


def test_readme_commands_use_existing_valid_configs(tmp_path, monkeypatch):
    """Every `--config_json FILE` in README.md exists and validates (the quick-start demo with
    its paths too: it must run from a fresh checkout)."""
    readme = (REPO / "README.md").read_text()
    names = sorted(set(re.findall(r"--config_json (\S+\.json)", readme)))
    assert "configs/demo/SSL-e2e.json" in names
    monkeypatch.chdir(tmp_path)
    for name in names:
        assert (REPO / name).is_file(), f"README.md names a missing config {name}"
        load_config(REPO / name, check_paths=name.startswith("configs/demo/"))


def test_only_rank_zero_writes_config_and_log(workdir, fake_engine, monkeypatch):
    path = write_config(workdir)
    monkeypatch.setenv("RANK", "1")
    assert train.main(["--config_json", str(path)]) == 0
    assert len(fake_engine) == 1
    assert not (workdir / "out/run/config.json").exists()
    assert not (workdir / "out/run/train.log").exists()
    monkeypatch.setenv("RANK", "0")
    assert train.main(["--config_json", str(path)]) == 0
    assert (workdir / "out/run/config.json").is_file()
    assert (workdir / "out/run/train.log").is_file()
