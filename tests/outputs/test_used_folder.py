"""A fresh run in a folder holding an earlier run is refused, naming the folder and options."""

import pytest

from s2hand.config import ConfigError
from s2hand.outputs import previous_run_files, refuse_fresh_run_over_previous


def test_finished_run_is_refused_unless_resuming(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "latest.t7").write_bytes(b"x")
    (tmp_path / "scores.json").write_text("{}")
    assert previous_run_files(tmp_path) == ["scores.json", "model/latest.t7"]
    with pytest.raises(ConfigError) as caught:
        refuse_fresh_run_over_previous(tmp_path, "training", None, "cfg.json")
    message = str(caught.value)
    assert message.startswith('cfg.json: key "base_out_path"') and str(tmp_path) in message
    assert "resume=auto" in message and "model/latest.t7" in message
    refuse_fresh_run_over_previous(tmp_path, "training", "auto")  # asked to resume: fine
    with pytest.raises(ConfigError, match="fresh evaluation run would overwrite"):
        refuse_fresh_run_over_previous(tmp_path, "evaluation", "auto")


def test_start_up_leftovers_do_not_count_as_a_run(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "train.log").write_text("failed at start-up\n")
    refuse_fresh_run_over_previous(tmp_path, "training", None)
    refuse_fresh_run_over_previous(tmp_path / "new", "training", None)
