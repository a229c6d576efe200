"""DeepHandMesh decode: ours (batched, one step per tree level) vs a per-sample loop.

Times ``DeepHandMesh.decode`` on the shipped open model (873 vertices, 22 joints, correctives
on) and two peers measured in the same run on the same inputs: ``loop``, a per-sample,
per-joint implementation structured as the original's (recursive FK of 4x4 matrices for each
sample, then a sum over joints; same correctives), and ``s2hand ManoLayer`` (OpenHand, 16
joints, 30 PCA components) at equal batch. Median ms per call, forward only (``no_grad``) or
forward + backward of a sum-of-squares loss on the mesh.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_description, positive_int, print_table, time_call  # noqa: E402

from s2hand.hand import ManoLayer  # noqa: E402
from s2hand.hand.deephandmesh.kinematics import euler_to_matrix  # noqa: E402
from s2hand.models.deephandmesh import DeepHandMesh  # noqa: E402


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-sizes", type=positive_int, nargs="+", default=[1, 64])
    parser.add_argument("--repeats", type=positive_int, default=20)
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="torch.set_num_threads (default: torch's choice)")


def loop_decode(model: DeepHandMesh, euler: torch.Tensor) -> torch.Tensor:
    """The original's structure: correctives batched, then FK and LBS per sample and joint."""
    skeleton = model.skeleton_refine_net(model.id_code)
    local = model.local_pose.clone()
    local[:, :3, 3] = local[:, :3, 3] + skeleton
    pose_corr, id_corr = model.skin_refine_net(euler.detach(), model.id_code)
    verts = model.vertices + pose_corr + id_corr
    parents = model.hand_model.parents.tolist()
    children = {j: [c for c, p in enumerate(parents) if p == j] for j in range(len(parents))}
    meshes = []
    for b in range(euler.shape[0]):
        glob: list[torch.Tensor | None] = [None] * len(parents)
        glob[model.tree.root] = torch.eye(4, dtype=euler.dtype)

        def visit(j: int, b: int = b, glob: list = glob) -> None:
            for c in children[j]:
                rot = torch.eye(4, dtype=euler.dtype)
                rot[:3, :3] = euler_to_matrix(euler[b, c])
                glob[c] = glob[j] @ (local[c] @ rot)
                visit(c)

        visit(model.tree.root)
        out = torch.zeros_like(verts[b])
        for j in range(len(parents)):
            trans = glob[j] @ model.global_pose_inv[j]
            out = out + model.skinning_weights[:, j:j + 1] * (verts[b] @ trans[:3, :3].T
                                                              + trans[:3, 3])
        meshes.append(out)
    return torch.stack(meshes)


def run(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = DeepHandMesh(backbone=False)
    mano = ManoLayer(None, use_pca=True, num_pca_comps=30)
    device = torch.device("cpu")
    print(f"machine: {machine_description()}")
    rows = []
    for batch in args.batch_sizes:
        euler = (torch.rand(batch, 22, 3) - 0.5) * 2.0
        pca, betas, orient = torch.randn(batch, 30), torch.randn(batch, 10), torch.randn(batch, 3)
        with torch.no_grad():
            err = (model.decode(euler).mesh - loop_decode(model, euler)).abs().max().item()
        for backward in (False, True):
            for x in (euler, pca, betas, orient):
                x.requires_grad_(backward)

            def timed(fn, backward=backward):
                def call():
                    if backward:
                        fn().pow(2).sum().backward()
                    else:
                        with torch.no_grad():
                            fn()
                return time_call(call, device, repeats=args.repeats, warmup=3) * 1e3

            ours = timed(lambda e=euler: model.decode(e).mesh)
            loop = timed(lambda e=euler: loop_decode(model, e))
            layer = timed(lambda o=orient, p=pca, b=betas: mano(o, p, b).vertices)
            rows.append([batch, "fwd+bwd" if backward else "fwd", f"{ours:.3f}", f"{loop:.3f}",
                         f"{loop / ours:.2f}x", f"{layer:.3f}", f"{err:.1e}"])
    print_table(["batch", "pass", "ours decode (ms)", "per-sample loop (ms)", "speed-up",
                 "s2hand ManoLayer (ms)", "max |ours - loop| (mm)"], rows)
