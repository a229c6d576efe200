"""The synthetic DeepHandMesh subject: layout read back by the dataset, determinism, ground
truth consistent with the images/depth/keypoints, known identity, non-LBS pose deformation,
and the command line."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from s2hand.cli.make_dhm_synthetic import main as cli_main
from s2hand.data.deephandmesh import DeepHandMeshDataset, read_depth_map, read_krt, read_pts
from s2hand.data.errors import DataError
from s2hand.data.synthetic.deephandmesh_layout import DHMSyntheticParams, generate_dhm_synthetic
from s2hand.data.synthetic.dhm_subject import make_subject
from s2hand.hand.deephandmesh import JOINT_NAMES, load_dhm_hand_model, preset_pose
from s2hand.hand.deephandmesh.kinematics import pose_hand
from s2hand.losses.deephandmesh import render_crop_depth

PARAMS = DHMSyntheticParams(num_sequences=2, frames_per_sequence=2, num_cameras=6)


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    root = tmp_path_factory.mktemp("dhm_synth")
    meta = generate_dhm_synthetic(root, PARAMS, seed=5)
    return root, meta


def test_layout_loads_and_keeps_the_original_conventions(synth):
    root, meta = synth
    krt = read_krt(root / "annotations" / "KRT_512")
    assert len(krt) == 8 and sum(n.startswith("40") for n in krt) == 6
    data = DeepHandMeshDataset(root)
    assert len(data) == 2 * 2 * 6 and data.num_unannotated == 0
    assert meta["heldout_sequences"] == ["0001_RT_synthetic"]
    held = DeepHandMeshDataset(root, sequences=meta["heldout_sequences"])
    assert len(held) == 12
    depth = read_depth_map(root / "annotations/depthmaps/subject_4/000001/depthmap400000.pkl")
    assert depth.shape == (512, 334) and depth.dtype == np.float32
    fg = depth[depth > 0]
    assert 0.01 < (depth > 0).mean() < 0.5 and 500 < fg.min() and fg.max() < 800   # mm
    sample = data[0]
    assert sample["img"].shape == (3, 256, 256) and sample["depth"].shape == (6, 256, 256)


def test_deterministic_by_seed(synth, tmp_path):
    root, _ = synth
    again = tmp_path / "again"
    generate_dhm_synthetic(again, PARAMS, seed=5)
    for rel in ("annotations/KRT_512", "annotations/keypoints/subject_4/keypoints0003.pts",
                "annotations/depthmaps/subject_4/000003/depthmap400004.pkl",
                "images/subject_4/0001_RT_synthetic/cam400004/image00003.jpg"):
        assert (root / rel).read_bytes() == (again / rel).read_bytes(), rel
    other = tmp_path / "other"
    generate_dhm_synthetic(other, DHMSyntheticParams(num_sequences=2, frames_per_sequence=1,
                                                     num_cameras=6), seed=6)
    rel = "annotations/keypoints/subject_4/keypoints0002.pts"
    assert (root / rel).read_bytes() != (other / rel).read_bytes()


def test_ground_truth_matches_keypoints_and_depth(synth):
    root, _ = synth
    gt = np.load(root / "ground_truth/subject_4/ground_truth.npz")
    frame = 3
    f = int(np.flatnonzero(gt["frames"] == frame)[0])
    world, valid = read_pts(root / f"annotations/keypoints/subject_4/keypoints{frame:04d}.pts",
                            JOINT_NAMES)
    ok = valid[:, 0] > 0
    assert np.allclose(world[ok], gt["joints"][f][ok], atol=1e-9)
    # The training renderer (original crop/NDC conventions) on the GT mesh reproduces the
    # cropped GT depth maps except along the silhouette.
    data = DeepHandMeshDataset(root)
    index = next(i for i, s in enumerate(data.samples) if s[2] == frame)
    s = data[index]
    verts = torch.as_tensor(gt["vertices"][f])[None].expand(6, -1, -1)
    rendered = render_crop_depth(verts, torch.as_tensor(gt["faces"]), s["camrot"], s["campos"],
                                 s["focal"], s["princpt"], s["affine"])[:, 0]
    both = (rendered > 0) & (s["depth"] > 0)
    union = (rendered > 0) | (s["depth"] > 0)
    assert both.sum() / union.sum() > 0.9
    assert (rendered[both] - s["depth"][both]).abs().median() < 1.0     # mm


def test_identity_and_pose_deformations_are_known_and_not_lbs():
    hand = load_dhm_hand_model()
    subject = make_subject(hand, identity_seed=0)
    change = subject.bone_lengths() - subject.bone_lengths(corrected=False)
    ratio = np.abs(change[np.arange(22) != hand.root]) / subject.bone_lengths(False)[
        np.arange(22) != hand.root]
    assert ratio.max() <= 0.08 + 1e-9 and np.abs(change).mean() > 0.5          # mm
    assert 0.5 < np.abs(subject.skin_offsets).max() <= 2.0 + 1e-9
    euler = torch.as_tensor(np.stack([preset_pose("flat"), preset_pose("fist")]))
    offsets = subject.pose_offsets(euler)
    assert float(offsets[0].abs().max()) == 0.0
    assert float(offsets[1].norm(dim=-1).max()) > 2.0                          # mm
    # Against plain LBS of the same subject (identity included, no pose deformation).
    root = torch.eye(4, dtype=torch.float64).expand(2, 4, 4)
    posed = subject.pose(euler, root)
    t = torch.as_tensor
    local = t(hand.local_pose).clone()
    local[:, :3, 3] += t(subject.skeleton_corrective)
    lbs = pose_hand(euler, local, root, t(hand.global_pose_inv),
                    t(hand.vertices + subject.skin_offsets).expand(2, -1, -1),
                    t(hand.skinning_weights), hand.tree)
    assert float((posed.vertices[1] - lbs.vertices[1]).norm(dim=-1).max()) > 2.0


def test_cli_refuses_foreign_folders_and_bad_values(tmp_path, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep")
    assert cli_main(["--out", str(foreign), "--sequences", "1", "--frames", "1",
                     "--heldout", "0"]) == 2
    assert "mine.txt" in capsys.readouterr().err and (foreign / "mine.txt").read_text() == "keep"
    # A folder that is no hand model is bad data (1), though its error is a ValueError.
    assert cli_main(["--out", str(tmp_path / "y"), "--hand-model", str(foreign)]) == 1
    assert "hand.obj" in capsys.readouterr().err and not (tmp_path / "y").exists()
    assert cli_main(["--out", str(tmp_path / "x"), "--frames", "0"]) == 2
    assert "frames_per_sequence must be >= 1" in capsys.readouterr().err
    out = tmp_path / "ok"
    assert cli_main(["--out", str(out), "--sequences", "1", "--frames", "1", "--cameras", "6",
                     "--heldout", "0"]) == 0
    assert "wrote 6 views" in capsys.readouterr().out
    with pytest.raises(DataError, match="already holds a synthetic dataset"):
        generate_dhm_synthetic(out, DHMSyntheticParams(num_sequences=1, heldout_sequences=0))


def test_cli_after_sigterm_exits_143_and_the_next_run_finishes(tmp_path, capsys, monkeypatch):
    import os
    import signal

    import s2hand.cli.make_dhm_synthetic as cli

    real = cli.generate_dhm_synthetic

    def interrupted(*args, progress=None, **kwargs):
        def stop(n):
            os.kill(os.getpid(), signal.SIGTERM)
        return real(*args, progress=stop, **kwargs)

    monkeypatch.setattr(cli, "generate_dhm_synthetic", interrupted)
    before = signal.getsignal(signal.SIGTERM)
    out = tmp_path / "cut"
    argv = ["--out", str(out), "--sequences", "1", "--frames", "2", "--cameras", "6",
            "--heldout", "0"]
    assert cli_main(argv) == 143
    err = capsys.readouterr().err
    assert err.endswith(f"s2hand-make-dhm-synthetic: terminated; {out} is marked unfinished "
                        "(synthetic.partial) and is rewritten by the next run into it\n")
    assert signal.getsignal(signal.SIGTERM) is before
    assert (out / "synthetic.partial").is_file() and not (out / "synthetic.json").exists()
    monkeypatch.setattr(cli, "generate_dhm_synthetic", real)
    assert cli_main(argv) == 0 and (out / "synthetic.json").is_file()
