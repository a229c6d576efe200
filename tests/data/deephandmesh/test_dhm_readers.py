"""Readers of the DeepHandMesh dataset against hand-written files in the original formats,
malformed files (errors name file and line) and a malicious depth pickle."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from s2hand.data.deephandmesh import (
    PTS_JOINT_NAMES,
    bbox_affine,
    format_krt,
    format_pts,
    joint_bbox,
    read_depth_map,
    read_krt,
    read_pts,
    select_cameras,
)
from s2hand.data.errors import DataError, UnsafePickleError
from s2hand.hand.deephandmesh import JOINT_NAMES

KRT_TEXT = """400002
1000.0 0.0 167.0
0.0 1001.0 256.0
0.0 0.0 1.0
0.1 -0.02 0.0 0.0 0.0
1.0 0.0 0.0 10.0
0.0 1.0 0.0 -20.0
0.0 0.0 1.0 900.0

410001
500.0 0.0 160.0
0.0 500.0 250.0
0.0 0.0 1.0
0.0 0.0 0.0 0.0 0.0
0.0 -1.0 0.0 0.0
1.0 0.0 0.0 0.0
0.0 0.0 1.0 800.0

400017
900.0 0.0 170.0
0.0 900.0 255.0
0.0 0.0 1.0
0.0 0.0 0.0 0.0 0.0
1.0 0.0 0.0 0.0
0.0 1.0 0.0 0.0
0.0 0.0 1.0 700.0
"""

PTS_TEXT = """0 10.5 20.25 500.0 3.2 4
7 -1.0 2.0 3.0 1.0 2
20 0.0 0.0 600.0 5.0 6
21 99.0 99.0 99.0 1.0 1
41 98.0 98.0 98.0 1.0 1
"""


def test_krt_blocks(tmp_path):
    path = tmp_path / "KRT_512"
    path.write_text(KRT_TEXT)
    cams = read_krt(path)
    assert list(cams) == ["400002", "410001", "400017"]
    assert select_cameras(list(cams)) == ["400002", "400017"]
    cam = cams["400002"]
    assert cam.focal.tolist() == [1000.0, 1001.0] and cam.princpt.tolist() == [167.0, 256.0]
    assert cam.dist.tolist() == [0.1, -0.02, 0.0, 0.0, 0.0]
    assert cam.campos.tolist() == [-10.0, 20.0, -900.0]            # -R^T t
    rot = cams["410001"]
    assert np.allclose(rot.campos, -rot.R.T @ np.array([0.0, 0.0, 800.0]))
    # A point on the optical axis projects to the principal point; distortion is ignored.
    assert np.allclose(cam.project(np.array([[-10.0, 20.0, 0.0]])), [[167.0, 256.0]])
    again = tmp_path / "again"
    again.write_text(format_krt(list(cams.values())))
    back = read_krt(again)
    assert all(np.array_equal(back[n].K, cams[n].K) and np.array_equal(back[n].t, cams[n].t)
               for n in cams)


@pytest.mark.parametrize("broken, line, words", [
    (KRT_TEXT.replace("0.0 1001.0 256.0", "0.0 1001.0"), 3, "expected 3 numbers"),
    (KRT_TEXT.replace("0.0 1.0 0.0 -20.0", "0.0 1.0 0.0 abc"), 7, "expected 4 numbers"),
    (KRT_TEXT.replace("410001", "400002"), 10, "appears twice"),
    (KRT_TEXT + "\n400099\n1 0 0\n", 28, "cut short"),
    (KRT_TEXT.replace("0.0 0.0 1.0 900.0\n\n", "0.0 0.0 1.0 900.0\nextra\n"), 9, "blank line"),
])
def test_malformed_krt_names_file_and_line(tmp_path, broken, line, words):
    path = tmp_path / "KRT_512"
    path.write_text(broken)
    with pytest.raises(DataError, match=f"KRT_512, line {line}: .*{words}"):
        read_krt(path)


def test_pts_right_hand_by_name(tmp_path):
    path = tmp_path / "keypoints0001.pts"
    path.write_text(PTS_TEXT)
    world, valid = read_pts(path, JOINT_NAMES)
    assert world.shape == (22, 3) and valid.shape == (22, 1)
    thumb_null, index1 = JOINT_NAMES.index("b_r_thumb_null"), JOINT_NAMES.index("b_r_index1")
    wrist = JOINT_NAMES.index("b_r_wrist")
    assert world[thumb_null].tolist() == [10.5, 20.25, 500.0]
    assert world[index1].tolist() == [-1.0, 2.0, 3.0]            # file index 7 = index1
    assert world[wrist].tolist() == [0.0, 0.0, 600.0]
    assert valid[:, 0].sum() == 3                                 # the left hand is ignored
    thumb0 = JOINT_NAMES.index("b_r_thumb0")
    assert valid[thumb0, 0] == 0 and world[thumb0].tolist() == [1.0, 1.0, 1.0]
    # A different skeleton order gets the same joints by name.
    shuffled = tuple(reversed(JOINT_NAMES))
    world2, valid2 = read_pts(path, shuffled)
    assert world2[shuffled.index("b_r_index1")].tolist() == [-1.0, 2.0, 3.0]
    assert valid2.sum() == 3


def test_pts_round_trip_of_42_lines(tmp_path):
    right = np.arange(63, dtype=float).reshape(21, 3) / 7
    path = tmp_path / "keypoints0002.pts"
    path.write_text(format_pts(right))
    assert len(path.read_text().splitlines()) == 42
    world, valid = read_pts(path, JOINT_NAMES)
    for i, name in enumerate(PTS_JOINT_NAMES):
        assert world[JOINT_NAMES.index(name)].tolist() == right[i].tolist()
    assert valid.sum() == 21


@pytest.mark.parametrize("broken, line, words", [
    (PTS_TEXT.replace("7 -1.0 2.0 3.0 1.0 2", "7 -1.0 2.0 3.0 1.0"), 2, "expected 6 values"),
    (PTS_TEXT.replace("7 -1.0", "7 x"), 2, "integer joint index"),
    (PTS_TEXT.replace("41 98.0", "42 98.0"), 5, "outside 0..41"),
    (PTS_TEXT.replace("20 0.0", "7 0.0"), 3, "already given on line 2"),
    (PTS_TEXT.replace("7 -1.0", "7 nan"), 2, "non-finite"),
])
def test_malformed_pts_names_file_and_line(tmp_path, broken, line, words):
    path = tmp_path / "keypoints0003.pts"
    path.write_text(broken)
    with pytest.raises(DataError, match=f"keypoints0003.pts, line {line}: .*{words}"):
        read_pts(path, JOINT_NAMES)


def test_pts_needs_the_joint_names(tmp_path):
    path = tmp_path / "keypoints0004.pts"
    path.write_text(PTS_TEXT)
    with pytest.raises(DataError, match="no joint named b_r_wrist"):
        read_pts(path, JOINT_NAMES[:-1])


def test_depth_pickles_of_python2_and_3_protocols(tmp_path):
    depth = np.array([[0, 512.5], [600.25, 0]], dtype=np.float64)
    for protocol in (0, 2, 5):
        path = tmp_path / f"depthmap{protocol}.pkl"
        path.write_bytes(pickle.dumps(depth, protocol=protocol))
        out = read_depth_map(path)
        assert out.dtype == np.float32 and out.tolist() == depth.tolist()


class _Exploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def test_malicious_depth_pickle_does_not_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "depthmap400002.pkl"
    path.write_bytes(pickle.dumps(_Exploit(marker), protocol=2))
    with pytest.raises(UnsafePickleError, match=r"depthmap400002.pkl: .*(posix|os)\.system"):
        read_depth_map(path)
    assert not marker.exists()
    # Containers that the HO3D reader accepts are refused here too.
    path.write_bytes(pickle.dumps({"depth": np.zeros((2, 2))}, protocol=2))
    with pytest.raises(DataError, match="depthmap400002.pkl: holds dict; expected"):
        read_depth_map(path)
    path.write_bytes(pickle.dumps(np.zeros((2, 2, 2)), protocol=2))
    with pytest.raises(DataError, match="3-D float64 array"):
        read_depth_map(path)
    path.write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="depthmap400002.pkl: cannot be unpickled"):
        read_depth_map(path)


def test_crop_box_is_widened_independently_and_clipped():
    uv = np.array([[100.0, 200.0], [140.0, 300.0]])
    box = joint_bbox(uv, (512, 334))
    assert box.tolist() == [90.0, 175.0, 60.0, 150.0]             # x1.5 each way
    clipped = joint_bbox(np.array([[0.0, 500.0], [40.0, 510.0]]), (512, 334))
    assert clipped.tolist() == [0.0, 497.5, 50.0, 511.0 - 497.5]
    affine = bbox_affine(box)
    corners = affine @ np.array([[90.0, 175.0, 1.0], [150.0, 325.0, 1.0]]).T
    assert np.allclose(corners.T, [[0.0, 0.0], [256.0, 256.0]])  # not aspect-preserving
