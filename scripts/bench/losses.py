"""Loss terms: cotangent-Laplacian build/apply and the shipped SSL-e2e loss set, fwd+bwd.

``python scripts/benchmark.py losses [--threads 1]``. The mesh is the shipped OpenHand template
(or a MANO file given with ``--hand-model``); images are 224² as in training.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import devices, machine_description, positive_int, time_call  # noqa: E402

from s2hand.hand.hand_model import load_hand_model  # noqa: E402
from s2hand.losses import (  # noqa: E402
    compute_losses,
    cotangent_laplacian,
    cotangent_weights,
    project_points,
    total_loss,
    triangle_loss,
)

SHIPPED_E2E = ("tsa_poses", "open_2dj", "mscale", "open_bone_direc", "hm_integral", "kp_cons",
               "triangle", "mshape", "texture", "mtex", "mrgb")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch", type=positive_int, nargs="+", default=[8, 32])
    parser.add_argument("--hand-model", default=None, help="MANO .pkl/.npz (default OpenHand)")
    parser.add_argument("--repeats", type=positive_int, default=10)
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="torch CPU threads (1 is steadier on a loaded machine)")


def _fake(batch: int, template: torch.Tensor, faces: torch.Tensor, device: torch.device):
    g = torch.Generator().manual_seed(0)

    def leaf(t: torch.Tensor) -> torch.Tensor:
        return t.to(device).requires_grad_(True)

    K = torch.tensor([[480.0, 0, 112], [0, 480.0, 112], [0, 0, 1]]).expand(batch, 3, 3)
    joints = leaf(torch.randn(batch, 21, 3, generator=g) * 0.03 + torch.tensor([0, 0, 0.6]))
    verts = leaf(template.expand(batch, -1, -1) * 0.9 + torch.tensor([0, 0, 0.6]))
    tsa = torch.randn(batch, 16, 3, generator=g) * 0.3
    tsa[:, 0, 0] += math.pi
    out = {
        "joints": joints, "joints_2d": None, "vertices": verts, "faces": faces.to(device),
        "heatmap_joints_2d": [leaf(torch.rand(batch, 21, 2, generator=g) * 224)
                              for _ in range(2)],
        "tsa_poses": leaf(tsa), "betas": leaf(torch.zeros(batch, 10)),
        "texture_logits": leaf(torch.randn(batch, faces.shape[0], 3, generator=g)),
        "rendered_rgb": leaf(torch.rand(batch, 3, 224, 224, generator=g)),
        "masked_images": torch.rand(batch, 3, 224, 224, generator=g).to(device),
    }
    con = torch.rand(batch, 21, generator=g)
    data = {"detections": (torch.rand(batch, 21, 2, generator=g) * 224).to(device),
            "detection_conf": con.to(device), "texture_weight": con.mean(1).to(device),
            "intrinsics": K.to(device)}
    return out, data


def _scipy_peer(vertices: torch.Tensor, faces: torch.Tensor) -> float:
    """The original's route, for comparison: weights to numpy, scipy CSR build, ``L.dot``
    on CPU, and back to torch (forward only; its backward is one more ``L.dot``)."""
    w = cotangent_weights(vertices[0].detach(), faces).cpu().numpy()
    f = faces.cpu().numpy()
    n = vertices.shape[1]
    rows = f[:, [1, 2, 0]].reshape(-1)
    cols = f[:, [2, 0, 1]].reshape(-1)
    W = sparse.csr_matrix((w.reshape(-1), (rows, cols)), shape=(n, n))
    W = W + W.T
    L = W - sparse.diags(np.asarray(W.sum(1)).reshape(-1), format="csr")
    v = vertices.detach().cpu().numpy()
    lv = np.stack([L.dot(x) for x in v])
    return float(torch.from_numpy(lv).to(vertices.device).norm(dim=-1).mean())


def _time_case(out: dict, data: dict, device: torch.device, repeats: int) -> list[float]:
    """Median ms of: Laplacian build, triangle fwd+bwd, the original-style scipy triangle
    forward, the SSL-e2e loss set fwd+bwd."""

    def build():
        cotangent_laplacian(out["vertices"][0], out["faces"])

    def tri():
        triangle_loss(out["vertices"], out["faces"]).backward()

    def peer():
        _scipy_peer(out["vertices"], out["faces"])

    def e2e():
        out["joints_2d"] = project_points(out["joints"], data["intrinsics"])
        total_loss(compute_losses(SHIPPED_E2E, out, data)).backward()

    return [time_call(fn, device, repeats=repeats) * 1e3 for fn in (build, tri, peer, e2e)]


def run(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    model = load_hand_model(args.hand_model)
    template = torch.tensor(model.v_template, dtype=torch.float32)
    faces = torch.tensor(model.faces, dtype=torch.long)
    print(f"# {machine_description()}")
    print(f"# mesh {model.name}: V={template.shape[0]} F={faces.shape[0]}")
    print(f"{'device':6} {'B':>4} {'L build ms':>11} {'triangle fwd+bwd ms':>20} "
          f"{'scipy-style triangle fwd ms':>28} {'SSL-e2e losses fwd+bwd ms':>26}")
    for device in devices():
        for batch in args.batch:
            out, data = _fake(batch, template, faces, device)
            times = _time_case(out, data, device, args.repeats)
            print(f"{device.type:6} {batch:>4} {times[0]:>11.2f} {times[1]:>20.2f} "
                  f"{times[2]:>28.2f} {times[3]:>26.2f}")
