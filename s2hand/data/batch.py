"""Turn a collated raw batch (original query names) into a :class:`HandBatch`, the typed
normalised batch (the original's ``data_dic``, s2hand.md §4.4). This is the edge where the
original query names end: inside the project a batch field says what it holds.

The datasets already deliver OpenCV-frame, FreiHAND-order quantities with the augmentation or
crop folded into ``trans_Ks``, so this step only picks the right keys and computes
``texture_con`` (§3.2). Shapes are made explicit so that batch size 1 works (§6 Q18: the
original's ``squeeze()`` broke ``texture_con`` there).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import torch
from torch import Tensor

from s2hand.data.catalog import dataset_spec
from s2hand.render.projection import project_points

# FreiHAND texture_con: confidences below this switch the appearance losses off for the image.
TEXTURE_MIN_CONF = 0.1


@dataclass
class HandBatch:
    """One normalised batch; ``B`` = batch size, FreiHAND joint order, OpenCV frame.

    Attributes (original ``data_dic`` key in brackets):
        images: ``(B,3,224,224)`` network input in [0,1], augmented/cropped when so queried.
        intrinsics: ``(B,3,3)`` OpenCV intrinsics of ``images`` [Ks].
        sample_ids: ``(B,)`` long, index of each sample in its dataset [idxs].
        dataset: catalog name of the dataset, per sample.
        detections: ``(B,21,2)`` 2D detections in ``images`` pixels [open_2dj].
        detection_conf: ``(B,21)`` their confidences, 0 = missing [open_2dj_con].
        texture_weight: ``(B,)`` per-image appearance-loss weight (§3.2) [texture_con].
        gt_joints: ``(B,21,3)`` GT 3D joints (metrics, figures; never SSL losses) [joints].
        gt_joints_2d: ``(B,21,2)`` their projection [j2d_gt].
        gt_vertices: ``(B,V,3)`` GT vertices [verts].
        gt_masks: ``(B,1,H,W)`` GT masks [masks].
        gt_bone_scale: ``(B,)`` reference bone length [scales].
        gt_mano: ``(B,61)`` GT MANO parameters [manos].
        sequence_ids: ``(B,)`` long, video of each sample (Folder; -1 = a still image).
        frame_index: ``(B,)`` long, its frame number in that video (-1 = a still image).
        skipped_files: unreadable training images replaced by the next sample while loading
            this batch (``on_bad_image="skip"``), so that the loop can count skips made in
            DataLoader workers.
    """

    images: Tensor
    intrinsics: Tensor
    sample_ids: Tensor
    dataset: list[str]
    detections: Tensor | None = None
    detection_conf: Tensor | None = None
    texture_weight: Tensor | None = None
    gt_joints: Tensor | None = None
    gt_joints_2d: Tensor | None = None
    gt_vertices: Tensor | None = None
    gt_masks: Tensor | None = None
    gt_bone_scale: Tensor | None = None
    gt_mano: Tensor | None = None
    sequence_ids: Tensor | None = None
    frame_index: Tensor | None = None
    skipped_files: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def _map(self, fn) -> HandBatch:
        return replace(self, **{f.name: fn(getattr(self, f.name)) for f in fields(self)
                                if isinstance(getattr(self, f.name), Tensor)})

    def to(self, device: torch.device | str, non_blocking: bool = False) -> HandBatch:
        """The batch with every tensor on ``device``."""
        return self._map(lambda t: t.to(device, non_blocking=non_blocking))

    def pin_memory(self) -> HandBatch:
        """Called by ``DataLoader(pin_memory=True)``."""
        return self._map(Tensor.pin_memory)


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


# The catalog's ``texture_con`` rules: confidences (B,21) and the raw batch -> (B,).
TEXTURE_CON_RULES = {
    "freihand_versions": lambda con, raw: freihand_texture_con(con, raw.get("versions")),
    "mean_confidence": lambda con, raw: ho3d_texture_con(con),
}


def _first(raw: dict, *keys: str) -> torch.Tensor | None:
    for key in keys:
        if key in raw:
            return raw[key]
    return None


def normalize_batch(raw: dict, dataset: str) -> HandBatch:
    """:class:`HandBatch` from a collated raw batch of ``dataset`` (a catalog name).

    Raises ``KeyError`` with the available keys when neither images nor intrinsics are present.
    """
    texture_con = TEXTURE_CON_RULES[dataset_spec(dataset).texture_con]
    images = _first(raw, "trans_images", "images")
    Ks = _first(raw, "trans_Ks", "Ks")
    if images is None or Ks is None:
        raise KeyError(f"normalize_batch({dataset}): the batch needs images and intrinsics "
                       f"(query trans_images/trans_Ks or images/Ks); it has {sorted(raw)}")
    batch_size = images.shape[0]
    out = HandBatch(images=images, intrinsics=Ks.reshape(batch_size, 3, 3),
                    sample_ids=torch.as_tensor(raw["idxs"]).long().reshape(batch_size),
                    dataset=[dataset] * batch_size)
    open_2dj = _first(raw, "trans_open_2dj", "open_2dj")
    if open_2dj is not None:
        con = raw["open_2dj_con"].reshape(batch_size, 21)
        out.detections = open_2dj.reshape(batch_size, 21, 2)
        out.detection_conf = con
        # With semi_ratio, GT 2D (conf 1) has replaced some detections; the appearance weight
        # still comes from the detector's confidences, as the original computes it.
        detected = raw.get("detection_con", raw["open_2dj_con"]).reshape(batch_size, 21)
        out.texture_weight = texture_con(detected, raw)
    augmented = "trans_images" in raw
    joints = _first(raw, "trans_joints", "joints") if augmented else raw.get("joints")
    if joints is not None:
        out.gt_joints = joints.reshape(batch_size, 21, 3)
        out.gt_joints_2d = project_points(out.gt_joints, out.intrinsics)
    verts = _first(raw, "trans_verts", "verts") if augmented else raw.get("verts")
    if verts is not None:
        out.gt_vertices = verts
    masks = _first(raw, "trans_masks", "masks") if augmented else raw.get("masks")
    if masks is not None:
        out.gt_masks = masks.reshape(batch_size, 1, *masks.shape[-2:])
    if "scales" in raw:
        out.gt_bone_scale = torch.as_tensor(raw["scales"]).reshape(batch_size).float()
    if "manos" in raw:
        out.gt_mano = raw["manos"].reshape(batch_size, 61)
    if "sequence_ids" in raw:  # video frames (Folder): the temporal smoothness term pairs them
        out.sequence_ids = torch.as_tensor(raw["sequence_ids"]).long().reshape(batch_size)
        out.frame_index = torch.as_tensor(raw["frame_index"]).long().reshape(batch_size)
    if "skipped_files" in raw:  # unreadable images replaced by the next sample (training)
        out.skipped_files = [f for joined in raw["skipped_files"] for f in joined.split(";")
                             if f]
    return out
