"""DeepHandMesh's corrective ablation (the paper's "effect of identity- and pose-dependent
correctives"): train, then report, the four variants of a config

    a  plain skinning            (no corrective learned)
    b  + skeleton corrective
    c  + identity skin corrective
    d  + pose skin corrective    (the full model)

``python scripts/dhm_ablation.py train --config configs/DeepHandMesh/cpu_demo.json --out DIR``
runs ``examples/train.py`` once per variant (sequentially) into ``DIR/<variant>``;
``python scripts/dhm_ablation.py report --out DIR --table T.md --figure F.png`` reads their
test scores and checkpoints and writes the table and a figure of meshes coloured by error.
``python scripts/dhm_ablation.py bounds --config C.json`` trains nothing: on the same held-out
samples it poses the template (plain skinning, variant a) and the synthetic subject's true
hand model (perfect correctives) with simple pose estimates (the ground-truth angles, the mean
training angles, the training frame nearest in angles): how much of the end-to-end error any
pose estimator that is not better than these leaves to the correctives.
Exit status: 0 done, 1 a training, the report or the bounds failed (bad files), 2 bad usage.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from s2hand.cli.errors import run_reporting_errors
from s2hand.cli.interrupts import KEPT_WHOLE_FILES, run_interruptible
from s2hand.config import ConfigError
from s2hand.data.errors import DataError
from s2hand.outputs import atomic_write_text
from s2hand.stopping import signal_of

VARIANTS = {
    "a": ("plain skinning", {"skeleton": False, "identity": False, "pose": False}),
    "b": ("+ skeleton corrective", {"skeleton": True, "identity": False, "pose": False}),
    "c": ("+ identity skin corrective", {"skeleton": True, "identity": True, "pose": False}),
    "d": ("+ pose skin corrective", {"skeleton": True, "identity": True, "pose": True}),
}
REPO = Path(__file__).resolve().parents[1]
# (score key, column title) of the table, all from the last test pass's scores.json.
COLUMNS = (
    ("vertex_error_gt_pose_mm", "vertex → GT surface, GT pose (mm)"),
    ("vertex_error_mm", "vertex → GT surface, network pose (mm)"),
    ("joint_error_mm", "joint error (mm)"),
    ("depth_error_mm", "depth error, mean (mm)"),
    ("depth_error_median_mm", "depth error, median (mm)"),
    ("depth_iou", "depth IoU"),
    ("bone_length_error_mm", "bone-length error (mm)"),
)
ERROR_RANGE_MM = 3.0  # colour scale of the figure


def _run_child(cmd: list[str]) -> int:
    """Run ``cmd``; a stop of this script (Ctrl-C, SIGTERM) is passed on to the training,
    which saves its state and exits, before the stop goes on up."""
    child = subprocess.Popen(cmd)
    try:
        return child.wait()
    except KeyboardInterrupt as stop:
        child.send_signal(signal_of(stop))
        child.wait()
        raise


def train(args: argparse.Namespace) -> int:
    for name in args.variants:
        out = args.out / name
        sets = [f"deephandmesh.correctives.{k}={str(v).lower()}"
                for k, v in VARIANTS[name][1].items()]
        sets += [f"base_out_path={out}"] + [f"deephandmesh.root={args.root}"] * bool(args.root)
        sets += args.set
        cmd = [sys.executable, str(REPO / "examples" / "train.py"), "--config_json",
               str(args.config)] + [x for s in sets for x in ("--set", s)]
        print(f"[{time.strftime('%H:%M:%S')}] variant {name}: {' '.join(cmd)}", flush=True)
        started = time.perf_counter()
        code = _run_child(cmd)
        print(f"[{time.strftime('%H:%M:%S')}] variant {name}: exit {code} after "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        if code != 0:
            return 1
    return 0


class ReportError(Exception):
    """A trained variant's files are missing or unreadable (exit status 1)."""


def _read_json(path: Path, keys: tuple[str, ...]) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ReportError(f"{path}: cannot read it as JSON ({err}); rerun the variant's "
                          "training, or leave the variant out with --variants") from None
    missing = [k for k in keys if not isinstance(data, dict) or k not in data]
    if missing:
        raise ReportError(f"{path}: no {', '.join(repr(k) for k in missing)}; expected the "
                          "file a finished DeepHandMesh run writes (was the run interrupted?)")
    return data


def _scores(folder: Path) -> tuple[dict, dict]:
    scores = _read_json(folder / "scores.json", ("num_samples",))
    summary = _read_json(folder / "summary.json", ("wall_seconds",))
    return scores, summary


def table(out: Path, variants: list[str]) -> str:
    """Markdown table of the variants' final test scores (and the untrained model's)."""
    head = "| variant | " + " | ".join(t for _, t in COLUMNS) + " | training (s) |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for name in variants:
        scores, summary = _scores(out / name)
        cells = [f"{scores[k]:.3f}" if k in scores else "—" for k, _ in COLUMNS]
        lines.append(f"| ({name}) {VARIANTS[name][0]} | " + " | ".join(cells)
                     + f" | {summary['wall_seconds']:.0f} |")
    scores, _ = _scores(out / variants[0])
    template = scores["bone_length_error_template_mm"]
    lines.append(f"\nBone-length error of the template (no skeleton corrective): "
                 f"{template:.3f} mm. Test samples: {scores['num_samples']}.")
    return "\n".join(lines) + "\n"


def _load(folder: Path):  # noqa: ANN202 - (method, model) of a trained variant
    from s2hand.config import load_config
    from s2hand.experiment.method import build_method
    from s2hand.methods.deephandmesh.checkpoint import load_dhm_checkpoint

    method = build_method(load_config(folder / "config.json", check_paths=False))
    model = method.build_model()
    load_dhm_checkpoint(model, folder / "model" / "latest.t7")
    return method, model.eval()


def figure(out: Path, variants: list[str], path: Path) -> str:
    """Meshes of one held-out frame posed with its GT angles, coloured by the distance of
    each vertex to the GT surface; returns the caption's frame description."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from s2hand.cli.dhm_demo import WRIST_FRAME_VIEWS
    from s2hand.evaluation.surface import point_to_surface_distance
    from s2hand.outputs import atomic_write_bytes
    from s2hand.render.views import render_views

    rows, gt_info = [], None
    for name in variants:
        method, model = _load(out / name)
        gt = method.eval_splits()["DeepHandMesh"].ground_truth
        if gt_info is None:
            test = set(method.test_sequences())
            candidates = [i for (seq, _), i in gt.index.items() if seq in test]
            row = max(candidates, key=lambda i: np.abs(gt.euler[i]).sum())
            seq, frame = next(k for k, i in gt.index.items() if i == row)
            gt_info = (row, seq, frame)
        row = gt_info[0]
        with torch.no_grad():
            euler = torch.as_tensor(gt.euler[row : row + 1], dtype=torch.float32)
            joints = torch.as_tensor(gt.joints[row : row + 1], dtype=torch.float32)
            world = model.pose_aligned(euler, joints).mesh[0].numpy()
            local = model.decode(euler).mesh
        err = point_to_surface_distance(world, gt.vertices[row], gt.faces)
        rows.append((name, local, err))
    cmap = plt.get_cmap("inferno")
    views = {k: WRIST_FRAME_VIEWS[k] for k in ("back", "palm")}
    fig, axes = plt.subplots(len(views), len(rows), squeeze=False,
                             figsize=(2.6 * len(rows), 2.6 * len(views) + 0.6))
    faces = torch.as_tensor(model.hand_model.faces)
    for c, (name, local, err) in enumerate(rows):
        colours = torch.as_tensor(cmap(np.clip(err / ERROR_RANGE_MM, 0, 1))[:, :3],
                                  dtype=torch.float32)
        images = render_views(local, faces, views, colors=colours, image_size=200).numpy()
        for r, view in enumerate(views):
            ax = axes[r, c]
            ax.imshow(images[0, r])
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"({name}) {VARIANTS[name][0]}\nmean {err.mean():.2f} mm",
                             fontsize=8)
            if c == 0:
                ax.set_ylabel(view, fontsize=9)
    mappable = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, ERROR_RANGE_MM))
    fig.colorbar(mappable, ax=axes.ravel().tolist(), orientation="horizontal", fraction=0.05,
                 label="distance of the vertex to the ground-truth surface (mm)")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return f"sequence {gt_info[1]}, frame {gt_info[2]}"


#: Pose estimates of :func:`bounds`: name -> description (the table's rows).
POSE_ESTIMATES = {
    "ground_truth": "ground-truth angles",
    "nearest": "nearest training frame (angles)",
    "mean": "mean training angles",
}


def pose_estimates(gt_euler: np.ndarray, train_euler: np.ndarray,
                   blends: tuple[float, ...] = ()) -> dict[str, np.ndarray]:
    """``(B, J, 3)`` ground-truth angles and ``(T, J, 3)`` those of the training frames ->
    per :data:`POSE_ESTIMATES` name the ``(B, J, 3)`` estimate. "nearest" is an oracle: the
    training frame whose angles are closest (L2) to the truth, i.e. what a network that
    recognised the training poses perfectly, and nothing in between, would predict. Each
    ``t`` of ``blends`` adds ``"blend <t>"``: ``truth + t (nearest - truth)``, a pose error of
    that structure scaled down (how good a pose estimate must be for the correctives to show)."""
    dist = ((gt_euler[:, None] - train_euler[None]) ** 2).sum(axis=(-1, -2))
    nearest = train_euler[dist.argmin(axis=1)]
    mean = np.broadcast_to(train_euler.mean(axis=0), gt_euler.shape)
    out = {"ground_truth": gt_euler, "nearest": nearest, "mean": np.ascontiguousarray(mean)}
    out.update({f"blend {t:g}": gt_euler + t * (nearest - gt_euler) for t in blends})
    return out


def bounds(args: argparse.Namespace) -> int:
    """Held-out errors of the template and of the subject's true hand model posed with the
    :data:`POSE_ESTIMATES`; prints (and writes) a Markdown table."""
    import torch

    from s2hand.config import load_config
    from s2hand.data.synthetic.dhm_subject import make_subject
    from s2hand.experiment.method import build_method
    from s2hand.methods.deephandmesh.metrics import joint_errors, surface_errors
    from s2hand.models.deephandmesh import DeepHandMesh

    method = build_method(load_config(args.config, args.set))
    method.prepare_data()
    info, split = method.synthetic_info(), method.eval_splits()["DeepHandMesh"]
    gt = split.ground_truth
    if info is None or gt is None:
        raise ReportError(f"{method.dhm.root}: no synthetic subject's ground truth "
                          "(synthetic.json); the bounds need the true angles and meshes")
    with np.load(method.dhm.root / info["ground_truth"], allow_pickle=False) as z:
        world = z["world"]
    train = set(method.train_sequences())
    train_euler = gt.euler[[i for (seq, _), i in gt.index.items() if seq in train]]
    template = DeepHandMesh(method.dhm.hand_model, backbone=False).zero_correctives_().eval()
    hand = template.hand_model
    subject = make_subject(hand, int(info["params"]["identity_seed"]))
    root_bind = torch.as_tensor(hand.global_pose[hand.root])
    vertex_sums: dict[tuple[str, str], float] = defaultdict(float)   # (estimate, model)
    joint_sums: dict[str, float] = defaultdict(float)                 # the template's
    count, worst_gt_fit = 0, 0.0
    with torch.no_grad():
        for batch in split.loader:
            rows = gt.rows(batch["seq"], batch["frame"])
            joints, valid = batch["joints"], batch["valid"]
            root = torch.as_tensor(world[rows]) @ root_bind
            for name, euler in pose_estimates(gt.euler[rows], train_euler, args.blend).items():
                e = torch.as_tensor(euler)
                posed = template.pose_aligned(e.float(), joints)
                joint_sums[name] += float(joint_errors(posed.joints, joints, valid).sum())
                for model, mesh in (("template", posed.mesh),
                                    ("subject", subject.pose(e, root).vertices)):
                    err = surface_errors(mesh, gt.vertices[rows], gt.faces)
                    vertex_sums[(name, model)] += float(err.sum())
                    if name == "ground_truth" and model == "subject":
                        worst_gt_fit = max(worst_gt_fit, float(err.max()))
            count += len(rows)
    if worst_gt_fit > 1e-3:
        raise ReportError(f"{method.dhm.root}: the subject rebuilt from identity seed "
                          f"{info['params']['identity_seed']} does not reproduce the ground-truth "
                          f"meshes ({worst_gt_fit:.4f} mm off); was the subject generated by "
                          "another version of the generator?")
    lines = ["| pose estimate | joint error, template (mm) | vertex → GT surface, template = (a) "
             "(mm) | vertex → GT surface, true hand model (mm) | true / template |",
             "|---|---|---|---|---|"]
    titles = dict(POSE_ESTIMATES)
    titles.update({f"blend {t:g}": f"truth + {t:g} × (nearest − truth)" for t in args.blend})
    for name, title in titles.items():
        a, ideal = (vertex_sums[(name, m)] / count for m in ("template", "subject"))
        joint = joint_sums[name] / count
        lines.append(f"| {title} | {joint:.2f} | {a:.3f} | {ideal:.3f} | {ideal / a:.2f} |")
    lines.append(f"\nHeld-out samples: {count} of {', '.join(sorted(method.test_sequences()))}; "
                 f"training frames: {len(train_euler)} of {len(train)} sequences.")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.table is not None:
        atomic_write_text(args.table, text)
    return 0


def report(args: argparse.Namespace) -> int:
    text = table(args.out, args.variants)
    print(text)
    if args.table is not None:
        atomic_write_text(args.table, text)
    if args.figure is not None:
        print("figure:", figure(args.out, args.variants, args.figure), "->", args.figure)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train the variants one after the other")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--root", type=Path, default=None, help="override deephandmesh.root")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="further config overrides for every variant (repeatable)")
    p.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=sorted(VARIANTS))
    p = sub.add_parser("report", help="table and figure from the trained variants")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=sorted(VARIANTS))
    p.add_argument("--table", type=Path, default=None, help="also write the table here")
    p.add_argument("--figure", type=Path, default=None, help="PNG of meshes coloured by error")
    p = sub.add_parser("bounds", help="errors left by simple pose estimates (no training)")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="config overrides (repeatable)")
    p.add_argument("--blend", type=float, nargs="*", default=(), metavar="T",
                   help="also the estimates truth + T (nearest - truth), e.g. 0.1 0.25 0.5")
    p.add_argument("--table", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    missing = ([str(args.out / v) for v in args.variants if not (args.out / v).is_dir()]
               if args.command == "report" else [])
    if missing:
        print(f"dhm_ablation: no trained variant in {', '.join(missing)}; run 'train' first",
              file=sys.stderr)
        return 2
    run = {"train": train, "report": report, "bounds": bounds}[args.command]
    kept = (f"finished variants are kept in {args.out}, the interrupted one saved its state: "
            "rerun with --set resume=auto" if args.command == "train" else KEPT_WHOLE_FILES)
    return run_interruptible("dhm_ablation", lambda: run_reporting_errors(
        "dhm_ablation", run, args, errors=(ConfigError,), data_errors=(ReportError, DataError)),
        kept)


if __name__ == "__main__":
    sys.exit(main())
