"""DeepHandMesh hand-model files: round trip of the shipped model, the generator, and the
original parsers' quirks on hand-written fixture files."""

from __future__ import annotations

import numpy as np
import pytest

from s2hand.hand import load_hand_model
from s2hand.hand.deephandmesh import (
    JOINT_NAMES,
    HandModelFileError,
    default_dhm_hand_model_dir,
    forward_kinematics,
    kinematic_tree,
    load_dhm_hand_model,
    save_dhm_hand_model,
)
from s2hand.hand.deephandmesh.hand_model import FILE_NAMES
from s2hand.hand.deephandmesh.obj import read_obj
from s2hand.hand.deephandmesh.open_model import build_open_dhm_hand_model


@pytest.fixture(scope="module")
def shipped():
    return load_dhm_hand_model()


def test_round_trip_of_the_shipped_model(shipped, tmp_path):
    save_dhm_hand_model(shipped, tmp_path / "a")
    again = load_dhm_hand_model(tmp_path / "a")
    np.testing.assert_allclose(again.vertices, shipped.vertices, rtol=0, atol=1e-12)
    for name in ("faces", "uvs", "uv_faces", "parents", "skinning_weights", "local_pose",
                 "global_pose", "global_pose_inv"):
        np.testing.assert_array_equal(getattr(again, name), getattr(shipped, name), err_msg=name)
    assert again.joint_names == shipped.joint_names
    save_dhm_hand_model(again, tmp_path / "b")
    for name in FILE_NAMES:      # writing what was read gives the same bytes
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_writer_refuses_to_overwrite(shipped, tmp_path):
    save_dhm_hand_model(shipped, tmp_path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_dhm_hand_model(shipped, tmp_path)
    save_dhm_hand_model(shipped, tmp_path, overwrite=True)


def test_shipped_model_is_the_original_rig(shipped):
    assert shipped.joint_names == JOINT_NAMES
    assert shipped.root == 21 and int(shipped.dof.sum()) == 28
    assert shipped.dof[JOINT_NAMES.index("b_r_thumb0")].tolist() == [1, 1, 1]
    assert shipped.dof[JOINT_NAMES.index("b_r_index3")].tolist() == [0, 0, 1]
    np.testing.assert_allclose(shipped.skinning_weights.sum(1), 1.0, rtol=0, atol=1e-12)
    # Bind poses in mm, consistent: FK of the local poses from the root's global pose, and
    # global_pose_inv the inverse.
    glob = forward_kinematics(*map(_t, (shipped.local_pose, shipped.global_pose[21])),
                              shipped.tree).numpy()
    np.testing.assert_allclose(glob, shipped.global_pose, atol=1e-9)
    np.testing.assert_allclose(shipped.global_pose_inv @ shipped.global_pose,
                               np.broadcast_to(np.eye(4), (22, 4, 4)), atol=1e-9)
    palm = np.linalg.norm(shipped.global_pose[12, :3, 3] - shipped.global_pose[21, :3, 3])
    assert 80.0 < palm < 100.0                      # wrist -> middle MCP, mm
    assert np.ptp(shipped.vertices, axis=0).max() > 150.0
    # Thenar (thumb1) and palm (wrist) segments exist for the non-rigid penetration term.
    counts = np.bincount(shipped.segmentation, minlength=22)
    assert counts[3] > 0 and counts[21] > 0
    assert len(shipped.uvs) > shipped.num_vertices and 0 <= shipped.uvs.min()
    assert shipped.uvs.max() <= 1


def test_generator_reproduces_the_shipped_files(shipped):
    built = build_open_dhm_hand_model(load_hand_model())
    np.testing.assert_allclose(built.vertices, shipped.vertices, atol=1e-4)   # 7 digits in cm
    np.testing.assert_allclose(built.skinning_weights, shipped.skinning_weights, atol=1e-6)
    np.testing.assert_allclose(built.global_pose, shipped.global_pose, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(built.uv_faces, shipped.uv_faces)


def _t(x):
    import torch

    return torch.as_tensor(x)


# --- hand-written fixture files (3 joints: root, child, end effector) -----------------------

OBJ = ("# a comment\nmtllib hand.mtl\n"
       "v 0.1 0.2 0.3 \n"                       # trailing space
       "v 1 0 0\nv 0 1 0\n"
       "v 0 0 1 0.5 0.5 0.5\n"                  # vertex colour: ignored
       "vt 0 0\nvt 1 0 0\nvt 0 1\nvn 0 0 1\n"
       "f 1/1/1 2/2/1 3/3/1\n"
       "f 1/1 3/3 4/2 \n")
SKELETON = "# name id parent\nb_r_wrist 0 -1\nb_r_index1 1 0\nb_r_index_null 2 1\n"
WEIGHTS = ("# vertex name weight ... (trailing space)\n0 b_r_wrist 1.0 \n"
           "1 b_r_wrist 0.25 b_r_index1 0.75 \n2 b_r_index1 1 x\n\n3 b_r_index_null 1.0 \n")


def _pose_text(names=("b_r_wrist", "b_r_index1", "b_r_index_null"), trailing=" "):
    eye = " ".join(str(x) for x in np.eye(4).ravel())
    return "".join(f"{n} {eye}{trailing}\n" for n in names)


def _write(folder, **overrides):
    files = {"hand.obj": OBJ, "skeleton.txt": SKELETON, "skinning_weight.txt": WEIGHTS,
             "local_pose.txt": _pose_text(), "global_pose.txt": _pose_text(),
             "global_pose_inv.txt": "# inverse bind\n" + _pose_text(trailing=" end")}
    files.update(overrides)
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        if text is not None:
            (folder / name).write_text(text)
    return folder


def test_fixture_quirks_are_accepted(tmp_path):
    model = load_dhm_hand_model(_write(tmp_path), num_joints=3)
    # cm -> mm; extra vertex values and the third texture value ignored; normal index ignored.
    np.testing.assert_allclose(model.vertices[0], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(model.vertices[3], [0.0, 0.0, 10.0])
    assert model.uvs.shape == (3, 2)
    assert model.faces.tolist() == [[0, 1, 2], [0, 2, 3]]
    assert model.uv_faces.tolist() == [[0, 1, 2], [0, 2, 1]]
    # The trailing token of each weight line is dropped, whatever it is ("x").
    np.testing.assert_allclose(model.skinning_weights,
                               [[1, 0, 0], [0.25, 0.75, 0], [0, 1, 0], [0, 0, 1]])
    assert model.joint_names == ("b_r_wrist", "b_r_index1", "b_r_index_null")
    assert model.parents.tolist() == [-1, 0, 1]
    np.testing.assert_array_equal(model.global_pose_inv, np.broadcast_to(np.eye(4), (3, 4, 4)))


@pytest.mark.parametrize(("name", "text", "pattern"), [
    ("skinning_weight.txt", WEIGHTS.replace("0 b_r_wrist 1.0 \n", "0 b_r_wrist 1.0\n"),
     r"skinning_weight.txt, line 2: expected .*trailing space"),
    ("skinning_weight.txt", WEIGHTS.replace("0 b_r_wrist 1.0", "0 b_r_thumb 1.0"),
     r"line 2: joint 'b_r_thumb' is not in skeleton.txt"),
    ("skinning_weight.txt", WEIGHTS.replace("0.25", "0.5"),
     r"line 3: weights of vertex 1 sum to 1.25"),
    ("skinning_weight.txt", WEIGHTS.replace("0.25", "nan"), r"line 3: .*'nan' is not finite"),
    ("skinning_weight.txt", WEIGHTS.replace("3 b_r_index_null 1.0 \n", ""),
     r"weights given for 3 of 4 vertices"),
    ("skinning_weight.txt", WEIGHTS.replace("1 b_r_wrist 0.25", "1 b_r_wrist  0.25"),
     r"line 3"),
    ("skeleton.txt", SKELETON + "b_r_extra 3 0\n", r"joint id 3 .* outside 0..2"),
    ("skeleton.txt", SKELETON.replace("b_r_index_null 2 1\n", ""), r"found 2 joints, expected 3"),
    ("skeleton.txt", SKELETON.replace("0 -1", "0 2"), r"skeleton.txt: bad parent ids"),
    ("skeleton.txt", SKELETON.replace("1 0\n", "1 x\n"), r"line 3: parent id 'x' is not an int"),
    ("local_pose.txt", _pose_text(trailing=""), r"local_pose.txt, line 1: .*found 15 numbers"),
    ("global_pose.txt", _pose_text().replace("1.0", "inf", 1), r"global_pose.txt, line 1: .*inf"),
    ("global_pose.txt", _pose_text(names=("b_r_wrist", "b_r_index1")),
     r"no matrix for joints \['b_r_index_null'\]"),
    ("hand.obj", OBJ.replace("f 1/1/1 2/2/1 3/3/1", "f 1 2 3"),
     r"hand.obj, line 11: face corner '1' must be 'v/vt'"),
    ("hand.obj", OBJ.replace("4/2 ", "4/2 2/2"), r"line 12: faces must be triangles"),
    ("hand.obj", OBJ.replace("4/2 ", "5/2 "), r"face vertex index 5 is outside 1..4"),
    ("hand.obj", OBJ.replace("v 1 0 0", "v 1 0 nan"), r"line 4: vertex coordinate 'nan'"),
    ("hand.obj", None, r"hand.obj: file not found"),
])
def test_fixture_errors_name_file_line_and_value(tmp_path, name, text, pattern):
    folder = _write(tmp_path, **{name: text})
    if text is None:
        (folder / name).unlink(missing_ok=True)
    with pytest.raises(HandModelFileError, match=pattern):
        load_dhm_hand_model(folder, num_joints=3)


def test_wrong_joint_count_and_missing_directory(tmp_path):
    with pytest.raises(HandModelFileError, match="found 3 joints, expected 22"):
        load_dhm_hand_model(_write(tmp_path))
    with pytest.raises(HandModelFileError, match="hand-model directory not found"):
        load_dhm_hand_model(tmp_path / "nowhere")


def test_written_obj_is_what_the_reader_reads(tmp_path):
    from s2hand.hand.deephandmesh.obj import write_obj

    v = np.array([[10.0, 20.0, 30.0], [1.5, -2.0, 0.0], [0.0, 0.0, 7.25]])
    write_obj(tmp_path / "m.obj", v, np.array([[0.0, 1.0]]), np.array([[0, 1, 2]]),
              np.array([[0, 0, 0]]))
    assert (tmp_path / "m.obj").read_text().splitlines()[0] == "v 1.0 2.0 3.0"   # cm
    back = read_obj(tmp_path / "m.obj")
    np.testing.assert_allclose(back[0], v, atol=1e-12)


def test_kinematic_tree_rejects_cycles_and_two_roots():
    tree = kinematic_tree([1, 2, -1, 2])
    assert tree.root == 2 and tree.levels == ((1, 3), (0,))
    with pytest.raises(ValueError, match="cycle"):
        kinematic_tree([-1, 2, 1])
    with pytest.raises(ValueError, match="exactly one root"):
        kinematic_tree([-1, -1, 0])


def test_default_dir_is_packaged():
    assert {p.name for p in default_dhm_hand_model_dir().iterdir()} >= set(FILE_NAMES)
