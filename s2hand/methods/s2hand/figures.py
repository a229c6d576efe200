"""Figures of one sample (input, detections, projections, renders, 3D skeleton) and mesh export.

Replaces the original's 4×4 dpi-800 panel (§5.5) with a 2×4 panel at a modest resolution; the
GT-only panels (mask, depth) are left out because self-supervised data has no such GT. Drawing
uses matplotlib's Agg backend, so no display is needed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from s2hand.hand.joint_orders import FREI_BONES  # noqa: E402
from s2hand.outputs import atomic_savefig, atomic_write_bytes, atomic_write_text  # noqa: E402

FINGER_COLOURS = ("tab:red", "tab:orange", "tab:green", "tab:blue", "tab:purple")


def _np(x: Any) -> np.ndarray | None:
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        x = x[-1] if x else None
        if x is None:
            return None
    return x.detach().float().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _bone_colour(child: int) -> str:
    return FINGER_COLOURS[(child - 1) // 4]


def _draw_skeleton_2d(ax: Any, pts: np.ndarray, conf: np.ndarray | None = None,
                      style: str = "-") -> None:
    """``pts (21,2)`` pixels in FreiHAND order; bones with a zero-confidence end are skipped."""
    for parent, child in FREI_BONES:
        if conf is not None and (conf[parent] <= 0 or conf[child] <= 0):
            continue
        ax.plot(pts[[parent, child], 0], pts[[parent, child], 1], style,
                color=_bone_colour(child), linewidth=1.2)
    keep = np.ones(len(pts), bool) if conf is None else conf > 0
    ax.scatter(pts[keep, 0], pts[keep, 1], s=4, c="white", edgecolors="black", linewidths=0.3)


def _draw_skeleton_3d(ax: Any, joints: np.ndarray, style: str = "-") -> None:
    """``joints (21,3)`` camera metres, root-relative, drawn with y and z flipped for viewing."""
    pts = (joints - joints[:1]) * np.array([1.0, -1.0, -1.0])
    for parent, child in FREI_BONES:
        ax.plot(pts[[parent, child], 0], pts[[parent, child], 2], pts[[parent, child], 1],
                style, color=_bone_colour(child), linewidth=1.2)


def sample_panel(batch: Any, output: Any, index: int = 0,
                 title: str = "") -> plt.Figure:
    """A 2×4 figure for sample ``index`` of a normalised batch and an ``S2HandOutput``.

    Panels: input + detections, projected 3D joints, 2D-branch keypoints, masked input, and the
    rendered silhouette, RGB and depth, plus the 3D skeleton (prediction solid, GT dashed when the
    batch carries GT joints for display). Missing outputs give an empty panel.
    """
    def item(x: Any) -> np.ndarray | None:
        arr = _np(x)
        return None if arr is None else arr[index]

    image = item(batch.images)
    image = np.clip(image.transpose(1, 2, 0), 0, 1) if image is not None else None
    fig = plt.figure(figsize=(12, 6))
    axes = [fig.add_subplot(2, 4, i + 1) for i in range(7)]
    ax3d = fig.add_subplot(2, 4, 8, projection="3d")

    def show(ax: Any, img: np.ndarray | None, name: str, cmap: str | None = None) -> None:
        ax.set_title(name, fontsize=8)
        ax.axis("off")
        if img is not None:
            ax.imshow(img, cmap=cmap)

    show(axes[0], image, "input + detections")
    det, con = item(batch.detections), item(batch.detection_conf)
    if det is not None:
        _draw_skeleton_2d(axes[0], det, conf=None if con is None else con.reshape(-1))
    show(axes[1], image, "projected 3D joints")
    if (j2d := item(output.joints_2d)) is not None:
        _draw_skeleton_2d(axes[1], j2d)
    show(axes[2], image, "2D-branch keypoints")
    if (hm := item(output.heatmap_joints_2d)) is not None:
        _draw_skeleton_2d(axes[2], hm)
    mask_rgb = item(output.masked_images)
    show(axes[3], None if mask_rgb is None else np.clip(mask_rgb.transpose(1, 2, 0), 0, 1),
         "masked input")
    show(axes[4], item(output.rendered_silhouette), "rendered silhouette", cmap="gray")
    re_img = item(output.rendered_rgb)
    show(axes[5], None if re_img is None else np.clip(re_img.transpose(1, 2, 0), 0, 1),
         "rendered RGB")
    show(axes[6], item(output.rendered_depth), "rendered depth", cmap="viridis")
    ax3d.set_title("3D joints (pred solid, GT dashed)", fontsize=8)
    if (joints := item(output.joints)) is not None:
        _draw_skeleton_3d(ax3d, joints)
    if (gt := item(batch.gt_joints)) is not None:
        _draw_skeleton_3d(ax3d, gt, style="--")
    ax3d.tick_params(labelsize=5)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def save_panel(path: str | Path, batch: Any, output: Any, index: int = 0,
               title: str = "", dpi: int = 100) -> np.ndarray:
    """Write :func:`sample_panel` as PNG; returns the image as ``(H,W,3)`` uint8 (for TB)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = sample_panel(batch, output, index=index, title=title)
    atomic_savefig(fig, path, dpi=dpi)
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return rgb


def save_per_image(folder: str | Path, stem: str, batch: Any, output: Any,
                   index: int = 0) -> list[Path]:
    """``img_wise_save``: single-image PNGs of sample ``index`` at input resolution.

    Writes ``<folder>/<stem>_{raw_img, detect_kp, proj_kp, raw_fg, re_img, re_sil}.png`` (the
    original's names, §5.5), each only when its data exists; returns the paths written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def item(x: Any) -> np.ndarray | None:
        arr = _np(x)
        return None if arr is None else arr[index]

    def rgb(x: Any) -> np.ndarray | None:
        arr = item(x)
        return None if arr is None else np.clip(arr.transpose(1, 2, 0), 0, 1)

    written: list[Path] = []

    def plain(name: str, img: np.ndarray | None, cmap: str | None = None) -> None:
        if img is not None:
            path = folder / f"{stem}_{name}.png"
            buffer = io.BytesIO()
            plt.imsave(buffer, img, cmap=cmap, format="png")
            atomic_write_bytes(path, buffer.getvalue())
            written.append(path)

    def overlay(name: str, img: np.ndarray, pts: np.ndarray | None,
                conf: np.ndarray | None = None) -> None:
        if pts is None:
            return
        h, w = img.shape[:2]
        fig = plt.figure(figsize=(w / 100, h / 100), dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.axis("off")
        ax.imshow(img)
        _draw_skeleton_2d(ax, pts, conf=conf)
        path = folder / f"{stem}_{name}.png"
        atomic_savefig(fig, path, dpi=100)
        plt.close(fig)
        written.append(path)

    image = rgb(batch.images)
    if image is not None:
        plain("raw_img", image)
        con = item(batch.detection_conf)
        overlay("detect_kp", image, item(batch.detections),
                None if con is None else con.reshape(-1))
        overlay("proj_kp", image, item(output.joints_2d))
    plain("raw_fg", rgb(output.masked_images))
    plain("re_img", rgb(output.rendered_rgb))
    plain("re_sil", item(output.rendered_silhouette), cmap="gray")
    return written


def export_obj(path: str | Path, vertices: torch.Tensor, faces: torch.Tensor) -> Path:
    """Write one mesh ``vertices (V,3)``, ``faces (F,3)`` as Wavefront .obj (via trimesh)."""
    import trimesh

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mesh = trimesh.Trimesh(vertices=_np(vertices), faces=_np(faces).astype(np.int64),
                           process=False)
    return atomic_write_text(path, mesh.export(file_type="obj"))
