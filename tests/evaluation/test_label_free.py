"""Label-free scores of a test pass (Folder held-out images)."""

import pytest
import torch

from s2hand.evaluation.label_free import LabelFreeScores


def test_scores_from_known_errors():
    det = torch.full((2, 21, 2), 50.0)
    conf = torch.ones(2, 21)
    conf[1, :] = 0.0                                  # a hand with no found joints counts nothing
    pred = det.clone()
    pred[0, :10, 0] += 20.0                           # 10 joints 20 px off, 11 exact
    hm = det.clone() + torch.tensor([3.0, 4.0])       # 5 px everywhere
    images = torch.zeros(2, 3, 100, 100)
    rendered = torch.full((2, 3, 100, 100), 0.5)
    sil = torch.zeros(2, 100, 100)
    sil[:, 40:60, 40:60] = 1.0                        # inside the box [38, 62]
    sil[:, 0:10, 0:10] = 1.0                          # outside: 100 of 500 pixels
    acc = LabelFreeScores()
    acc.add(det, conf, pred, hm, images, rendered, sil)
    out = acc.result()
    assert out["reprojection_px"] == pytest.approx(200.0 / 21)
    assert out["reprojection_pck_10px"] == pytest.approx(11 / 21)
    assert out["detection_agreement_px"] == pytest.approx(5.0)
    assert out["detection_agreement_pck_10px"] == pytest.approx(1.0)
    assert out["photometric_l1"] == pytest.approx(0.5)
    assert out["silhouette_outside_box"] == pytest.approx(0.2)
    assert out["samples"] == 2.0


def test_only_what_was_computed_is_reported():
    acc = LabelFreeScores()
    acc.add(torch.zeros(1, 21, 2), torch.ones(1, 21), joints_2d=torch.zeros(1, 21, 2))
    assert set(acc.result()) == {"reprojection_px", "reprojection_pck_10px", "samples"}
