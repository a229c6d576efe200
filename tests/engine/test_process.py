"""Tests that run the toy trainer in separate processes: SIGKILL + resume, and torchrun DDP."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from s2hand.engine.checkpoint import load_checkpoint

SCRIPT = str(Path(__file__).resolve().parent / "toy_run.py")
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def _run(*args, check=True):
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)], env=ENV, check=check,
                          capture_output=True, text=True, timeout=120)


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_sigkill_mid_epoch_then_resume_matches(tmp_path):
    _run(tmp_path / "full")
    reference = torch.load(tmp_path / "full" / "final_rank0.pt", weights_only=True)

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, SCRIPT, str(out), "--sleep", "0.3"], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latest = out / "model" / "latest.t7"
    deadline = time.time() + 90
    while time.time() < deadline:
        if latest.exists() and load_checkpoint(latest)["iteration"] >= 7:
            break
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    state = load_checkpoint(latest)  # never half-written, whenever the kill landed
    assert 7 <= state["iteration"] < 15
    assert not (out / "final_rank0.pt").exists()
    _run(out, "--resume")
    assert not list((out / "model").glob(".*.tmp"))  # a temp file of the killed write is removed
    assert _same(torch.load(out / "final_rank0.pt", weights_only=True), reference)


def test_torchrun_two_processes_gloo(tmp_path):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           SCRIPT, str(tmp_path)]
    result = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    w0 = torch.load(tmp_path / "final_rank0.pt", weights_only=True)
    w1 = torch.load(tmp_path / "final_rank1.pt", weights_only=True)
    assert all(torch.equal(w0[k], w1[k]) for k in w0 if "running" not in k)
    state = load_checkpoint(tmp_path / "model" / "latest.t7")
    # 40 samples / 2 ranks / batch 8 = 2 batches per epoch, 3 epochs
    assert state["iteration"] == 6 and state["epochs_done"] == 3
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "latest.t7", "toy_2.t7", "toy_3.t7"]
