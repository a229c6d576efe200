"""scripts/dhm_ablation.py: the pose estimates of ``bounds``, ``bounds`` on a tiny synthetic
subject (the true hand model reproduces the ground truth; worse pose estimates leave larger
errors), and ``report``'s errors for missing or broken run files (exit 1, file named)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from s2hand.data.synthetic.deephandmesh_layout import DHMSyntheticParams, generate_dhm_synthetic

REPO = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("dhm_ablation", REPO / "scripts" /
                                                  "dhm_ablation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ablation = _script()


def test_pose_estimates_pick_the_nearest_training_frame_and_blend_towards_it():
    rng = np.random.default_rng(0)
    train = rng.normal(size=(5, 22, 3))
    truth = train[[3, 1]] + 0.01 * rng.normal(size=(2, 22, 3))
    est = ablation.pose_estimates(truth, train, blends=(0.0, 0.5, 1.0))
    np.testing.assert_array_equal(est["nearest"], train[[3, 1]])
    np.testing.assert_allclose(est["mean"], np.broadcast_to(train.mean(0), truth.shape))
    np.testing.assert_array_equal(est["ground_truth"], truth)
    np.testing.assert_allclose(est["blend 0"], truth)
    np.testing.assert_allclose(est["blend 1"], train[[3, 1]])
    np.testing.assert_allclose(est["blend 0.5"], (truth + train[[3, 1]]) / 2)


@pytest.fixture(scope="module")
def subject(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dhm_bounds") / "synth"
    generate_dhm_synthetic(root, DHMSyntheticParams(num_sequences=2, frames_per_sequence=3,
                                                    num_cameras=6, depth_dtype="float16"))
    return root


def _config(tmp_path: Path, root: Path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({
        "method": "deephandmesh", "deephandmesh": {"root": str(root), "num_views": 2,
                                                   "backbone": "small-cnn"},
        "val_batch": 4, "num_workers": 0, "device": "cpu", "base_out_path": str(tmp_path)}))
    return path


def _rows(text: str) -> dict[str, list[float]]:
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 5 and cells[1][:1].isdigit():
            rows[cells[0]] = [float(c) for c in cells[1:]]
    return rows


def test_bounds_on_a_synthetic_subject(subject, tmp_path, capsys):
    table = tmp_path / "bounds.md"
    code = ablation.main(["bounds", "--config", str(_config(tmp_path, subject)),
                          "--blend", "0.5", "--table", str(table)])
    assert code == 0
    rows = _rows(table.read_text())
    assert set(rows) == {"ground-truth angles", "nearest training frame (angles)",
                         "mean training angles", "truth + 0.5 × (nearest − truth)"}
    joint, template, true_model, ratio = rows["ground-truth angles"]
    assert true_model == 0.0 and ratio == 0.0   # the subject rebuilt reproduces the GT meshes
    assert 0.3 < template < 3.0                 # plain skinning misses the identity and pose
    nearest = rows["nearest training frame (angles)"]
    half = rows["truth + 0.5 × (nearest − truth)"]
    assert nearest[0] > half[0] > joint         # pose error grows towards the nearest frame
    assert nearest[2] > half[2] > 0.0
    assert "Held-out samples: 18 of 0001_RT_synthetic" in capsys.readouterr().out


def test_report_names_a_broken_scores_file(tmp_path, capsys):
    run = tmp_path / "a"
    run.mkdir()
    (run / "scores.json").write_text('{"initial": ')
    (run / "summary.json").write_text('{"wall_seconds": 1.0}')
    assert ablation.main(["report", "--out", str(tmp_path), "--variants", "a"]) == 1
    err = capsys.readouterr().err
    assert str(run / "scores.json") in err and "Traceback" not in err
    (run / "scores.json").write_text('{"initial": {}}')   # an interrupted run: no final scores
    assert ablation.main(["report", "--out", str(tmp_path), "--variants", "a"]) == 1
    assert "'num_samples'" in capsys.readouterr().err


def test_report_without_trained_variants_is_bad_usage(tmp_path, capsys):
    assert ablation.main(["report", "--out", str(tmp_path / "none")]) == 2
    assert "run 'train' first" in capsys.readouterr().err


def test_a_stop_of_train_is_passed_on_to_the_running_training(tmp_path):
    import os
    import signal
    import sys
    import threading
    import time

    from s2hand.stopping import raise_on_sigterm, signal_of

    marker = tmp_path / "child_got_sigterm"
    ready = tmp_path / "child_ready"
    child = (f"import signal, sys, time, pathlib\n"
             f"def stop(*_):\n    pathlib.Path({str(marker)!r}).write_text('x'); sys.exit(143)\n"
             f"signal.signal(signal.SIGTERM, stop)\npathlib.Path({str(ready)!r}).write_text('x')\n"
             f"time.sleep(60)\n")

    def send_when_ready() -> None:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=send_when_ready, daemon=True).start()
    with raise_on_sigterm(), pytest.raises(KeyboardInterrupt) as stop:
        ablation._run_child([sys.executable, "-c", child])
    assert signal_of(stop.value) == signal.SIGTERM
    assert marker.exists()          # the training got the signal and could save its state
