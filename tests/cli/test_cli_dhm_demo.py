"""``s2hand-dhm-demo``: outputs, the checkpoint path, and every bad input's message and exit."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from s2hand.cli.dhm_demo import main
from s2hand.hand.deephandmesh import JOINT_NAMES, load_dhm_hand_model, preset_pose
from s2hand.hand.deephandmesh.obj import read_obj
from s2hand.methods.deephandmesh.checkpoint import save_dhm_checkpoint
from s2hand.models.deephandmesh import DeepHandMesh

SMALL = ["--image-size", "32"]


def test_default_run_writes_mesh_joints_and_views(tmp_path, capsys):
    handler = signal.getsignal(signal.SIGTERM)
    assert main(["--preset", "pinch", "--out", str(tmp_path), *SMALL]) == 0
    assert "zero correctives (plain linear blend skinning" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGTERM) is handler           # restored after the run
    hand = load_dhm_hand_model()
    model = DeepHandMesh(hand, backbone=False).zero_correctives_()
    expected = model.decode(torch.as_tensor(preset_pose("pinch"), dtype=torch.float32)[None])
    verts, uvs, faces, uv_faces = read_obj(tmp_path / "mesh.obj", scale=1.0)      # mm
    np.testing.assert_allclose(verts, expected.mesh[0].detach().numpy(), atol=1e-4)
    np.testing.assert_array_equal(faces, hand.faces)
    np.testing.assert_array_equal(uv_faces, hand.uv_faces)
    record = json.loads((tmp_path / "joints.json").read_text())
    assert record["joint_names"] == list(JOINT_NAMES) and record["units"] == "mm"
    np.testing.assert_allclose(record["joints"], expected.joints[0].detach().numpy(), atol=1e-5)
    assert (tmp_path / "views.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Nothing is overwritten without being asked.
    assert main(["--out", str(tmp_path), *SMALL]) == 2
    assert "already holds mesh.obj" in capsys.readouterr().err
    assert main(["--out", str(tmp_path), "--overwrite", *SMALL]) == 0


def test_checkpoint_and_euler_file(tmp_path, capsys):
    torch.manual_seed(0)
    model = DeepHandMesh(backbone=False)
    ckpt = save_dhm_checkpoint(model, tmp_path / "dhm.pt")
    euler = tmp_path / "pose.json"
    euler.write_text(json.dumps(preset_pose("point").tolist()))
    assert main(["--euler", str(euler), "--checkpoint", str(ckpt), "--out",
                 str(tmp_path / "o"), *SMALL]) == 0
    assert "loaded engine checkpoint" in capsys.readouterr().out
    record = json.loads((tmp_path / "o" / "joints.json").read_text())
    assert record["correctives"] is True
    expected = model.decode(torch.as_tensor(preset_pose("point"), dtype=torch.float32)[None])
    np.testing.assert_allclose(record["joints"], expected.joints[0].detach().numpy(), atol=1e-5)


@pytest.mark.parametrize(("content", "status", "pattern"), [
    ([[0.0, 0.0, 0.0]] * 21, 1, r"must hold a 22x3 list .* found shape \(21, 3\)"),
    ([[0.0, 0.0]] * 22, 1, r"found shape \(22, 2\)"),
    ([[0.0, 0.0, 0.0]] * 21 + [[0.0, "a", 0.0]], 1, "non-numeric"),
    ("NaN", 1, r"value \[3\]\[1\] is nan"),
    ("{", 1, "is not valid JSON"),
])
def test_bad_euler_files(tmp_path, capsys, content, status, pattern):
    path = tmp_path / "e.json"
    if content == "NaN":
        rows = [[0.0, 0.0, 0.0]] * 22
        rows[3] = [0.0, float("nan"), 0.0]
        path.write_text(json.dumps(rows))
    elif content == "{":
        path.write_text("{")
    else:
        path.write_text(json.dumps(content))
    assert main(["--euler", str(path), "--out", str(tmp_path / "o"), *SMALL]) == status
    err = capsys.readouterr().err
    assert err.startswith("s2hand-dhm-demo: error: ") and str(path) in err
    assert re.search(pattern, err)
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_bad_usage_and_bad_data(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--preset", "wave", "--out", str(tmp_path)])
    assert exc.value.code == 2 and "invalid choice: 'wave'" in capsys.readouterr().err
    (tmp_path / "bad.pth.tar").write_bytes(b"garbage")
    assert main(["--checkpoint", str(tmp_path / "bad.pth.tar"), "--out", str(tmp_path / "o"),
                 *SMALL]) == 1
    assert "could not be read safely" in capsys.readouterr().err
    assert main(["--hand-model", str(tmp_path), "--out", str(tmp_path / "o"), *SMALL]) == 1
    assert "hand.obj: file not found" in capsys.readouterr().err


def test_sigterm_while_rendering_exits_143_and_writes_nothing(tmp_path, capsys, monkeypatch):
    import os

    import s2hand.cli.dhm_demo as demo

    def terminated(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(demo, "save_views_figure", terminated)
    assert main(["--out", str(tmp_path / "o"), *SMALL]) == 143
    assert capsys.readouterr().err == ("s2hand-dhm-demo: terminated; no file is half-written "
                                       "(each is complete or left as it was)\n")
    assert list((tmp_path / "o").iterdir()) == []  # the views come first, so nothing is there


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "s2hand.cli.dhm_demo", "--help"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and "--preset {fist,flat,pinch,point}" in done.stdout
