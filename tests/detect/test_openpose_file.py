"""The writer's files read back through the loader's reader; resuming; the quality metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from s2hand.data.detections import read_detections
from s2hand.data.errors import DetectionsError
from s2hand.detect.openpose_file import PARTIAL_SUFFIX, PartialResults, write_openpose
from s2hand.detect.quality import detection_quality


def test_original_format_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 200, (3, 21, 2)).round(2)
    conf = rng.uniform(0.1, 1, (3, 21)).round(4)
    xy[1], conf[1] = 0.0, 0.0                            # an image without a hand
    names = ["00000000.jpg", "00000001.jpg", "00000002.jpg"]
    path = tmp_path / "detect.json"
    write_openpose(path, names, xy, conf)
    raw = json.loads(path.read_text())
    assert len(raw) == 3 and raw[2] == [[n] for n in names]    # names as one-element lists
    assert np.asarray(raw[1]).shape == (3, 21, 1)
    det = read_detections(path)
    assert det.names == names
    np.testing.assert_allclose(det.xy, xy)
    np.testing.assert_allclose(det.conf, conf)
    assert not list(tmp_path.glob("*.tmp"))


def test_partial_results_resume_after_a_cut_line(tmp_path):
    final = tmp_path / "d.json"
    header = {"backend": "x", "options": {}}
    part = PartialResults(final, header)
    part.add("a.jpg", np.ones((21, 2)), np.full(21, 0.5))
    part.add("b.jpg", np.zeros((21, 2)), np.zeros(21))
    partial = tmp_path / ("d.json" + PARTIAL_SUFFIX)
    partial.write_text(partial.read_text() + '{"name": "c.jpg", "xy": [[1')   # killed mid-line
    again = PartialResults(final, header)
    assert sorted(again.done) == ["a.jpg", "b.jpg"]
    again.add("c.jpg", np.full((21, 2), 2.0), np.ones(21))
    again.finish(final, ["a.jpg", "b.jpg", "c.jpg"])
    det = read_detections(final)
    assert det.conf[:, 0].tolist() == [0.5, 0.0, 1.0] and not partial.exists()
    PartialResults(final, header).add("z.jpg", np.ones((21, 2)), np.ones(21))
    with pytest.raises(DetectionsError, match="different settings"):
        PartialResults(final, {"backend": "other", "options": {}})


def test_quality_metrics_on_known_errors():
    gt = np.zeros((2, 21, 2))
    xy = gt.copy()
    xy[0, :, 0] = 3.0                                     # image 0: every joint 3 px off
    xy[0, 0, 0] = 15.0                                    # ... but the wrist 15 px
    conf = np.ones((2, 21))
    conf[1] = 0.0                                         # image 1: no hand
    q = detection_quality(xy, conf, gt)
    assert q["detection_rate"] == 0.5 and q["joints_detected"] == 0.5
    assert q["pck"] == {"5": 20 / 42, "10": 20 / 42, "20": 21 / 42}
    assert q["median_px"] == 3.0 and q["mean_px"] == pytest.approx((20 * 3 + 15) / 21)
    assert q["per_joint"][0]["mean_px"] == 15.0 and q["per_joint"][0]["pck10"] == 0.0
