"""DeepHandMesh losses: vectorised penetration and sparse Laplacian vs the original's structure.

On the shipped open hand (873 vertices, 21 bones, 184 rigid bone pairs) posed by ``decode``
with random angles. Peers measured in the same run on the same inputs: for the penetration
loss, the original's structure (Python loops over samples and bone pairs, torch ops per pair
and per finger); for the Laplacian, the original's dense V x V matrix product. Also the
6-view depth rendering of ``render_views`` at 256x256. Median ms per call, forward only or
forward + backward of the summed loss.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_description, positive_int, print_table, time_call  # noqa: E402

from s2hand.hand.deephandmesh import NON_RIGID_JOINTS, forward_kinematics  # noqa: E402
from s2hand.losses.deephandmesh import (  # noqa: E402
    BoneSpheres,
    bind_mesh,
    bone_spheres,
    penetration_loss,
    render_views,
    sphere_centres,
    sphere_radii,
    uniform_laplacian,
    uniform_laplacian_loss,
)
from s2hand.models.deephandmesh import DeepHandMesh  # noqa: E402


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-sizes", type=positive_int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=positive_int, default=10)
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="torch.set_num_threads (default: torch's choice)")


def loop_penetration(joints, vertices, bind_joints, bind_vertices, segmentation,
                     spheres: BoneSpheres) -> torch.Tensor:
    """The original's structure: per sample, per bone pair and per (segment, finger)."""
    out = []
    for b in range(joints.shape[0]):
        radii = sphere_radii(bind_joints, bind_vertices[b:b + 1], spheres)[0]
        centres = sphere_centres(joints[b], spheres)
        rigid = joints.new_zeros(())
        for i, k in spheres.rigid_pairs.tolist():
            dist = torch.cdist(centres[i], centres[k])
            rigid = rigid + torch.relu(radii[i][:, None] + radii[k][None] - dist).mean()
        rigid = rigid / len(spheres.rigid_pairs)
        non_rigid = joints.new_zeros(())
        for segment in spheres.segments.tolist():
            skin = vertices[b][segmentation == segment]
            for bone in spheres.distal.tolist():
                gap = torch.cdist(centres[bone], skin).min(-1).values - radii[bone]
                inside = torch.nonzero(gap < 0)
                if len(inside):
                    non_rigid = non_rigid + gap[int(inside[0]):].mean().abs()
        out.append(rigid + 5 * non_rigid / (len(spheres.segments) * len(spheres.distal)))
    return torch.stack(out)


def _cameras(batch: int, centre: torch.Tensor, views: int = 6) -> dict[str, torch.Tensor]:
    angles = torch.arange(views) * (2 * torch.pi / views)
    rot = torch.zeros(views, 3, 3)
    rot[:, 0, 0], rot[:, 0, 2] = torch.cos(angles), -torch.sin(angles)
    rot[:, 1, 1] = 1.0
    rot[:, 2, 0], rot[:, 2, 2] = torch.sin(angles), torch.cos(angles)
    campos = centre - 400.0 * rot[:, 2]
    affine = torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]).expand(views, 2, 3)
    one = {"camrot": rot, "campos": campos, "focal": torch.full((views, 2), 300.0),
           "princpt": torch.full((views, 2), 128.0), "affine": affine}
    return {k: v[None].expand(batch, *v.shape).contiguous() for k, v in one.items()}


def _rows(model: DeepHandMesh, spheres: BoneSpheres, batch: int, repeats: int) -> list[list]:
    lap = uniform_laplacian(model.faces, model.hand_model.num_vertices)
    dense = lap.to_dense()
    out = model.decode((torch.rand(batch, 22, 3) - 0.5) * 1.5)
    bind = forward_kinematics(out.local_pose_refined, torch.eye(4), model.tree)
    bind_v = bind_mesh(model.vertices + out.pose_corrective + out.id_corrective,
                       model.skinning_weights, bind, model.global_pose_inv).detach()
    joints0, mesh0 = out.joints.detach(), out.mesh.detach()
    cams = _cameras(batch, mesh0[0].mean(0))
    fixed = (bind[:, :3, 3].detach(), bind_v, model.segmentation, spheres)
    err = (penetration_loss(joints0, mesh0, *fixed)
           - loop_penetration(joints0, mesh0, *fixed)).abs().max().item()
    cases = [
        ("penetration", lambda j, m: penetration_loss(j, m, *fixed),
         "loop", lambda j, m: loop_penetration(j, m, *fixed), err),
        ("laplacian", lambda j, m: uniform_laplacian_loss(m, lap),
         "dense", lambda j, m: (m.transpose(1, 2) @ dense.T).pow(2).sum(1), None),
        ("depth, 6 views 256^2", lambda j, m: render_views(m, model.faces, cams, 256),
         None, None, None),
    ]

    def call(fn, backward: bool) -> None:
        j = joints0.clone().requires_grad_(backward)
        m = mesh0.clone().requires_grad_(backward)
        loss = fn(j, m).sum()
        if backward:
            loss.backward()

    device, rows = torch.device("cpu"), []
    for name, ours, peer_name, peer, diff in cases:
        for backward in (False, True):
            t_ours = time_call(functools.partial(call, ours, backward), device, repeats) * 1e3
            t_peer = (time_call(functools.partial(call, peer, backward), device, repeats) * 1e3
                      if peer else None)
            rows.append([batch, name, "fwd+bwd" if backward else "fwd", f"{t_ours:.2f}",
                         peer_name or "-", "-" if t_peer is None else f"{t_peer:.2f}",
                         "-" if t_peer is None else f"{t_peer / t_ours:.1f}x",
                         "-" if diff is None else f"{diff:.1e}"])
    return rows


def run(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = DeepHandMesh(backbone=False)
    hand = model.hand_model
    spheres = bone_spheres(hand.parents, hand.joint_names, NON_RIGID_JOINTS)
    print(f"machine: {machine_description()}")
    rows = [row for batch in args.batch_sizes for row in _rows(model, spheres, batch,
                                                               args.repeats)]
    print_table(["batch", "loss", "pass", "ours (ms)", "peer", "peer (ms)", "speed-up",
                 "max |ours - peer|"], rows)
