"""Turn a collated raw batch (original query names) into the normalised batch of
ARCHITECTURE.md (the original's ``data_dic``, s2hand.md §4.4).

The datasets already deliver OpenCV-frame, FreiHAND-order quantities with the augmentation or
crop folded into ``trans_Ks``, so this step only picks the right keys and computes
``texture_con`` (§3.2). Shapes are made explicit so that batch size 1 works (§6 Q18: the
original's ``squeeze()`` broke ``texture_con`` there).
"""

from __future__ import annotations

import torch

from s2hand.render.projection import project_points

FREIHAND, HO3D = "FreiHand", "HO3D"
# FreiHAND texture_con: confidences below this switch the appearance losses off for the image.
TEXTURE_MIN_CONF = 0.1


def freihand_texture_con(con: torch.Tensor, versions: torch.Tensor | None) -> torch.Tensor:
    """FreiHAND appearance weight ``(B,)`` from confidences ``con (B,21)``.

    ``mean_j(1[min_j c > 0.1] · c_j) × (1[gs version] + 0.1)``: the original's ``idx < 32560``
    test is the "first (gs) version" test, so the factor is 1.1 for gs images and 0.1 for the
    other versions.
    """
    valid = (con.min(dim=1).values > TEXTURE_MIN_CONF).to(con.dtype)
    gs = torch.ones_like(valid) if versions is None else (versions == 0).to(con.dtype)
    return (valid[:, None] * con).mean(dim=1) * (gs + 0.1)


def ho3d_texture_con(con: torch.Tensor) -> torch.Tensor:
    """HO3D appearance weight ``(B,)``: the mean confidence ``mean_j c_j``."""
    return con.mean(dim=1)


def _first(raw: dict, *keys: str) -> torch.Tensor | None:
    for key in keys:
        if key in raw:
            return raw[key]
    return None


def normalize_batch(raw: dict, dataset: str) -> dict:
    """Normalised batch (keys of ARCHITECTURE.md) from a collated raw batch of ``dataset``.

    Raises ``KeyError`` with the available keys when neither images nor intrinsics are present.
    """
    if dataset not in (FREIHAND, HO3D):
        raise ValueError(f"normalize_batch: unknown dataset {dataset!r}; "
                         f"expected {FREIHAND!r} or {HO3D!r}")
    images = _first(raw, "trans_images", "images")
    Ks = _first(raw, "trans_Ks", "Ks")
    if images is None or Ks is None:
        raise KeyError(f"normalize_batch({dataset}): the batch needs images and intrinsics "
                       f"(query trans_images/trans_Ks or images/Ks); it has {sorted(raw)}")
    batch_size = images.shape[0]
    out: dict = {"images": images, "Ks": Ks.reshape(batch_size, 3, 3),
                 "idxs": torch.as_tensor(raw["idxs"]).long().reshape(batch_size),
                 "dataset": [dataset] * batch_size}
    open_2dj = _first(raw, "trans_open_2dj", "open_2dj")
    if open_2dj is not None:
        con = raw["open_2dj_con"].reshape(batch_size, 21)
        out["open_2dj"] = open_2dj.reshape(batch_size, 21, 2)
        out["open_2dj_con"] = con
        # With semi_ratio, GT 2D (conf 1) has replaced some detections; the appearance weight
        # still comes from the detector's confidences, as the original computes it.
        detected = raw.get("detection_con", raw["open_2dj_con"]).reshape(batch_size, 21)
        out["texture_con"] = (freihand_texture_con(detected, raw.get("versions"))
                              if dataset == FREIHAND else ho3d_texture_con(detected))
    joints = _first(raw, "trans_joints", "joints") if "trans_images" in raw else raw.get("joints")
    if joints is not None:
        out["joints"] = joints.reshape(batch_size, 21, 3)
        out["j2d_gt"] = project_points(out["joints"], out["Ks"])
    verts = _first(raw, "trans_verts", "verts") if "trans_images" in raw else raw.get("verts")
    if verts is not None:
        out["verts"] = verts
    masks = _first(raw, "trans_masks", "masks") if "trans_images" in raw else raw.get("masks")
    if masks is not None:
        out["masks"] = masks.reshape(batch_size, 1, *masks.shape[-2:])
    if "scales" in raw:
        out["scales"] = torch.as_tensor(raw["scales"]).reshape(batch_size).float()
    if "manos" in raw:
        out["manos"] = raw["manos"].reshape(batch_size, 61)
    if "skipped_files" in raw:  # unreadable images replaced by the next sample (training)
        out["skipped_files"] = [f for joined in raw["skipped_files"] for f in joined.split(";")
                                if f]
    return out
