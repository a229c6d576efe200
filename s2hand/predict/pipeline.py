"""One image through ``s2hand-predict``: hands -> crops -> fit and/or network -> results.

Problems of one hand or image (no hand found, box outside the image, too few keypoints for a
fit) become messages in the image's record; they never stop the other hands or images.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from s2hand.data.hand_crop import CropError, HandCrop, crop_hand, unmirror_points
from s2hand.detect.detection import Detector, HandDetection
from s2hand.hand import ManoLayer
from s2hand.predict.fit import PALM_JOINTS, fit_hand
from s2hand.predict.inputs import GivenHand
from s2hand.predict.network import NetworkPredictor, as_fit_start
from s2hand.predict.overlay import overlay_picture
from s2hand.predict.results import MESH_FORMATS, write_mesh, write_picture, write_record

METHODS = ("fit", "network")


@dataclass
class Predictor:
    """Everything a run needs. ``methods`` among :data:`METHODS`; ``detector`` finds hands
    (and keypoints for box-only hands); ``network`` is needed for ``"network"``."""

    methods: tuple[str, ...]
    layer: ManoLayer
    detector: Detector | None = None
    network: NetworkPredictor | None = None
    fit_steps: int = 150
    max_hands: int = 2
    min_fit_joints: int = 10
    detector_name: str = "detector"
    faces: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.faces = self.layer.faces.cpu().numpy()

    # ---- hands -------------------------------------------------------------------------
    def find_hands(self, image: np.ndarray, given: list[GivenHand] | None
                   ) -> tuple[list[dict], list[str]]:
        """Hands as dicts (side, keypoints/conf or None, box, source) and messages."""
        messages: list[str] = []
        detected: list[HandDetection] = []
        needs_detector = given is None or any(g.keypoints is None for g in given) and (
            "fit" in self.methods)
        if needs_detector and self.detector is not None:
            detected = self.detector([image])[0]
        if given is None:
            if self.detector is None:
                raise ValueError("no hands given and no detector")
            detected = sorted(detected, key=lambda d: -d.score)[:self.max_hands]
            hands = [{"side": d.side, "keypoints": d.xy, "conf": d.conf, "box": d.box(),
                      "source": f"detector {self.detector_name} (score {d.score:.2f})"}
                     for d in detected]
            if not hands:
                messages.append(f"no hand found by the {self.detector_name} detector")
            return hands, messages
        hands = []
        for g in given:
            if g.keypoints is not None:
                hands.append({"side": g.side, "keypoints": g.keypoints, "conf": g.conf,
                              "box": _box(g.keypoints, g.conf), "source": "hands JSON keypoints"})
                continue
            match = _best_overlap(g.box, detected)
            hands.append({"side": g.side, "box": g.box, "source": "hands JSON box",
                          "keypoints": None if match is None else match.xy,
                          "conf": None if match is None else match.conf})
        return hands, messages

    # ---- one hand ----------------------------------------------------------------------
    def predict_hand(self, image: np.ndarray, K: np.ndarray, hand: dict) -> tuple[dict, list]:
        """Crop, fit and/or run the network on one hand; returns its record and messages."""
        messages = []
        kp, conf = hand["keypoints"], hand["conf"]
        found = kp[conf > 0] if kp is not None else None
        points = found if found is not None and len(found) >= 2 else \
            hand["box"].reshape(2, 2)
        crop = crop_hand(image, K, points, hand["side"] == "left", kp, conf)
        if crop.at_border:
            messages.append("hand at the image border: it is probably cut off there; expect "
                            "a worse result")
        record = {"side": hand["side"], "source": hand["source"], "box": hand["box"],
                  "keypoints_2d": kp, "keypoint_conf": conf, "at_border": crop.at_border,
                  "crop": {"affine": crop.affine, "K": crop.K, "mirrored": crop.mirrored}}
        net = None
        if "network" in self.methods:
            net = self.network(crop.image[None], crop.K[None])
            record["network"] = self._method_record(
                crop, net["joints"][0], net["vertices"][0],
                {k: net[k][0] for k in ("rot", "pose", "shape", "scale", "trans")})
        if "fit" in self.methods:
            found = np.ones(21, bool) if conf is None else np.asarray(conf) > 0
            palm_missing = not found[list(PALM_JOINTS)].all()
            if found.sum() < self.min_fit_joints or palm_missing:
                messages.append(f"fit skipped: {int(found.sum())} of 21 keypoints found"
                                + (", not all of the wrist and five finger bases" if palm_missing
                                   else "") + f"; the fit needs the wrist, the five finger "
                                f"bases and {self.min_fit_joints} keypoints in all")
            else:
                starts = [] if net is None else [as_fit_start(net, 0)]
                result, err = fit_hand(self.layer, crop.keypoints, crop.K, starts,
                                       steps=self.fit_steps,
                                       conf=None if conf is None else np.asarray(conf))
                params = {k: getattr(result, k)[0].numpy()
                          for k in ("rot", "theta", "beta", "scale", "trans")}
                record["fit"] = self._method_record(crop, result.joints[0].double().numpy(),
                                                    result.vertices[0].double().numpy(), params)
                record["fit"]["reprojection_error_px_crop"] = err
        return record, messages

    def _method_record(self, crop: HandCrop, joints: np.ndarray, vertices: np.ndarray,
                       params: dict) -> dict:
        return {"joints_3d": unmirror_points(joints, crop.mirrored),
                "vertices": unmirror_points(vertices, crop.mirrored),
                "params": params,
                "params_frame": ("right-hand model on the mirrored crop (x negated back for the "
                                 "joints and vertices)") if crop.mirrored else "right-hand model"}

    # ---- one image ---------------------------------------------------------------------
    def process(self, name: str, image: np.ndarray, K: np.ndarray, K_source: str,
                given: list[GivenHand] | None, out_dir: Path, overlay: bool = True) -> dict:
        """Predict every hand of ``image`` and write its files; returns the record."""
        hands, messages = self.find_hands(image, given)
        records = []
        for k, hand in enumerate(hands):
            try:
                rec, notes = self.predict_hand(image, K, hand)
            except CropError as err:
                messages.append(f"hand {k}: {err}; skipped")
                continue
            messages += [f"hand {k}: {m}" for m in notes]
            records.append(rec)
        record = {"image": name, "size_wh": [image.shape[1], image.shape[0]], "K": K,
                  "K_source": K_source, "joint_order": "freihand",
                  "units": "metres, OpenCV camera frame of the image (x right, y down, z forward)",
                  "methods": list(self.methods), "hands": records, "messages": messages}
        self._write(name, image, K, record, out_dir, overlay)
        return record

    def _write(self, name: str, image: np.ndarray, K: np.ndarray, record: dict, out_dir: Path,
               overlay: bool) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        shown = []
        for k, rec in enumerate(record["hands"]):
            faces = self.faces[:, [0, 2, 1]] if rec["crop"]["mirrored"] else self.faces
            for method in self.methods:
                if method in rec:
                    for fmt in MESH_FORMATS:
                        write_mesh(out_dir / f"{name}_hand{k}_{method}.{fmt}",
                                   rec[method]["vertices"], faces)
            best = rec.get("fit") or rec.get("network")
            if best is not None:
                shown.append(({"vertices": best["vertices"], "joints": best["joints_3d"],
                               "keypoints": rec["keypoints_2d"] if rec["keypoints_2d"] is not None
                               else _project(best["joints_3d"], K),
                               "conf": rec["keypoint_conf"]}, faces))
        if overlay:
            picture = overlay_picture(image, K, [s[0] for s in shown], [s[1] for s in shown])
            record["overlay"] = str(write_picture(out_dir / f"{name}_overlay.png", picture).name)
        write_record(out_dir / f"{name}.json", record)


def _project(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    uvw = X @ K.T
    return uvw[:, :2] / uvw[:, 2:]


def _box(kp: np.ndarray, conf: np.ndarray) -> np.ndarray:
    found = kp[conf > 0]
    return np.concatenate([found.min(0), found.max(0)]) if len(found) else np.zeros(4)


def _best_overlap(box: np.ndarray, hands: list[HandDetection]) -> HandDetection | None:
    """The detected hand whose keypoint box overlaps ``box`` most (IoU > 0.1), or None."""
    best, best_iou = None, 0.1
    for h in hands:
        b = h.box()
        inter = np.clip(np.minimum(box[2:], b[2:]) - np.maximum(box[:2], b[:2]), 0, None).prod()
        union = np.prod(box[2:] - box[:2]) + np.prod(b[2:] - b[:2]) - inter
        iou = inter / union if union > 0 else 0.0
        if iou > best_iou:
            best, best_iou = h, iou
    return best
