"""Detection files exactly as the original S2HAND detector writes them (s2hand.md §4.5): names as
one-element lists, and files with only [xy_list, value_list] read by position."""

from __future__ import annotations

import json

import numpy as np
import pytest
from data_fixtures import write_freihand, write_ho3d

from s2hand.data import DetectionsError, FreiHandDataset, HO3DDataset, read_detections

FREI_TRAIN = "openpose_v2/training/detect_all.json"


def _original_entry(rng: np.random.Generator) -> tuple[list, list]:
    """One image as the original writes it: int pixels, confidences as [v]."""
    xy = rng.integers(0, 224, size=(21, 2)).tolist()
    return xy, [[float(v)] for v in rng.uniform(0, 1, 21)]


def test_reads_names_as_one_element_lists(tmp_path):
    rng = np.random.default_rng(0)
    entries = [_original_entry(rng) for _ in range(3)]
    path = tmp_path / "detect.json"
    json.dump([[e[0] for e in entries], [e[1] for e in entries],
               [[f"{i:08d}.jpg"] for i in range(3)]], open(path, "w"))
    det = read_detections(path)
    assert det.names == ["00000000.jpg", "00000001.jpg", "00000002.jpg"]
    np.testing.assert_array_equal(det.xy[2], entries[2][0])
    np.testing.assert_array_equal(det.conf[1], np.ravel(entries[1][1]))
    assert det.select(["00000002.jpg"]).names == ["00000002.jpg"]


def test_bad_name_entries_are_named(tmp_path):
    rng = np.random.default_rng(0)
    xy, conf = _original_entry(rng)
    path = tmp_path / "detect.json"
    json.dump([[xy, xy], [conf, conf], [["a.jpg"], ["b.jpg", "c.jpg"]]], open(path, "w"))
    with pytest.raises(DetectionsError, match=r"detect.json: name_list entry 1 is "
                                              r"\[\"b.jpg\", \"c.jpg\"\]; expected a file name"):
        read_detections(path)
    json.dump([[xy], [conf, conf]], open(path, "w"))
    with pytest.raises(DetectionsError, match="list lengths differ: 1 xy, 2 confidences; "):
        read_detections(path)


def test_freihand_two_list_file_is_read_by_position(tmp_path):
    write_freihand(tmp_path, n_train=4, n_eval=2, versions=2)
    path = tmp_path / FREI_TRAIN
    xy, conf, names = json.load(open(path))
    assert names[5] == ["00000005.jpg"]           # our writer writes the original format
    reference = FreiHandDataset(tmp_path, "training", ("images", "open_2dj"),
                                versions=("gs", "hom"))
    # Reversed with names: still matched by name.
    json.dump([xy[::-1], conf[::-1], names[::-1]], open(path, "w"))
    named = FreiHandDataset(tmp_path, "training", ("images", "open_2dj"), versions=("gs", "hom"))
    np.testing.assert_array_equal(named.det.xy, reference.det.xy)
    # Without names (the original's reading): row k is image k, for every version present.
    json.dump([xy, conf], open(path, "w"))
    by_position = FreiHandDataset(tmp_path, "training", ("images", "open_2dj"),
                                  versions=("gs", "hom"))
    assert by_position.det.names is None
    np.testing.assert_array_equal(by_position.det.xy, reference.det.xy)
    np.testing.assert_array_equal(by_position.det.conf, reference.det.conf)
    # Only the gs images detected (the original's files): every version uses them.
    json.dump([xy[:4], conf[:4]], open(path, "w"))
    gs_only = FreiHandDataset(tmp_path, "training", ("images", "open_2dj"),
                              versions=("gs", "hom"))
    np.testing.assert_array_equal(gs_only.det.xy[4:], reference.det.xy[:4])
    # Too short a file: the error says how rows were matched.
    json.dump([xy[:3], conf[:3]], open(path, "w"))
    with pytest.raises(DetectionsError, match=r"detect_all.json: no detections for 2 of 8 "
                                              r"images .*by position"):
        FreiHandDataset(tmp_path, "training", ("images", "open_2dj"), versions=("gs", "hom"))


def test_ho3d_two_list_files_are_indexed_by_frame_id(tmp_path):
    write_ho3d(tmp_path, seqs=2, frames=3)
    reference = HO3DDataset(tmp_path, "training", ("trans_images", "trans_open_2dj"))
    for seq in ("TSQ0", "TSQ1"):
        path = tmp_path / "openpose" / seq / "detect.json"
        xy, conf, names = json.load(open(path))
        # The original's file covers frame ids 0..N-1; a 4th entry for an unlisted frame.
        json.dump([xy + [xy[0]], conf + [conf[0]]], open(path, "w"))
    by_id = HO3DDataset(tmp_path, "training", ("trans_images", "trans_open_2dj"))
    np.testing.assert_array_equal(by_id.det_xy, reference.det_xy)
    np.testing.assert_array_equal(by_id.det_conf, reference.det_conf)
    json.dump([xy[:2], conf[:2]], open(path, "w"))
    with pytest.raises(DetectionsError, match=r"TSQ1/detect.json: no detections for 1 of 3 "
                                              r"images \(first: 0002\)"):
        HO3DDataset(tmp_path, "training", ("trans_images", "trans_open_2dj"))
