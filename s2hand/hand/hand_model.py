"""``HandModel``: the arrays of a MANO-format hand, and loading/saving them (.pkl/.npz)."""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from s2hand.hand.joint_orders import MANO_PARENTS, MANO_TIP_IDS
from s2hand.hand.mano_pickle import load_mano_pickle
from s2hand.outputs import atomic_write_bytes

ASSET_DIR = Path(__file__).resolve().parent / "assets"
OPEN_HAND_FILE = "open_hand.npz"
SIDES = ("right", "left")
NUM_JOINTS = 16
MANO_NUM_VERTICES = 778
# Arrays stored in files, by file key (MANO's names; smplx reads the same keys).
_REQUIRED_KEYS = ("v_template", "f", "shapedirs", "posedirs", "J_regressor", "weights",
                  "kintree_table", "hands_components", "hands_mean")


class HandModelError(ValueError):
    """A hand-model file is missing, unreadable or has inconsistent contents."""


@dataclass(frozen=True, eq=False)
class HandModel:
    """A MANO-format hand model (float64 numpy arrays, metres).

    Attributes:
        v_template: ``(V, 3)`` rest-pose vertices. faces: ``(F, 3)`` int64, counter-clockwise
            seen from outside. shapedirs: ``(V, 3, S)``. posedirs: ``(V, 3, 135)``.
        J_regressor: ``(16, V)`` dense. weights: ``(V, 16)``. parents: ``(16,)`` int64,
            ``parents[0] = -1``. hands_components: ``(45, 45)`` PCA rows.
        hands_mean: ``(45,)``. tip_ids: ``(5,)`` int64 thumb, index, middle, ring, pinky.
        side: ``"right"`` or ``"left"``. name: free text.
    """

    v_template: np.ndarray
    faces: np.ndarray
    shapedirs: np.ndarray
    posedirs: np.ndarray
    J_regressor: np.ndarray
    weights: np.ndarray
    parents: np.ndarray
    hands_components: np.ndarray
    hands_mean: np.ndarray
    tip_ids: np.ndarray
    side: str = "right"
    name: str = "hand"

    @property
    def num_vertices(self) -> int:
        return int(self.v_template.shape[0])

    @property
    def num_betas(self) -> int:
        return int(self.shapedirs.shape[2])

    def replace(self, **changes: Any) -> HandModel:
        """A copy with some fields replaced (validated)."""
        return validate(dataclasses.replace(self, **changes), source=self.name)


def _fail(source: str, message: str) -> None:
    raise HandModelError(f"hand model {source}: {message}")


def validate(model: HandModel, source: str = "<memory>") -> HandModel:
    """Check shapes, index ranges and side; return the model unchanged or raise HandModelError."""
    v = model.v_template
    if v.ndim != 2 or v.shape[1] != 3 or v.shape[0] < 4:
        _fail(source, f"'v_template' must have shape (V, 3), got {v.shape}")
    n = v.shape[0]
    expected = {
        "faces": (None, 3), "shapedirs": (n, 3, None), "posedirs": (n, 3, 9 * (NUM_JOINTS - 1)),
        "J_regressor": (NUM_JOINTS, n), "weights": (n, NUM_JOINTS), "parents": (NUM_JOINTS,),
        "hands_components": (None, 45), "hands_mean": (45,), "tip_ids": (5,),
    }
    for key, shape in expected.items():
        arr = getattr(model, key)
        ok = arr.ndim == len(shape) and all(e is None or e == s for e, s in zip(shape, arr.shape,
                                                                               strict=True))
        if not ok:
            want = "(" + ", ".join("*" if e is None else str(e) for e in shape) + ")"
            _fail(source, f"'{key}' must have shape {want} for V={n}, got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            _fail(source, f"'{key}' contains NaN or infinite values")
    if model.faces.size and (model.faces.min() < 0 or model.faces.max() >= n):
        _fail(source, f"'f' indexes vertices outside [0, {n}): range "
                      f"[{model.faces.min()}, {model.faces.max()}]")
    if model.tip_ids.min() < 0 or model.tip_ids.max() >= n:
        _fail(source, f"'tip_ids' {model.tip_ids.tolist()} outside [0, {n})")
    if tuple(int(p) for p in model.parents) != MANO_PARENTS:
        _fail(source, f"kinematic tree parents {model.parents.tolist()} differ from MANO's "
                      f"{list(MANO_PARENTS)}")
    if model.side not in SIDES:
        _fail(source, f"side must be one of {SIDES}, got {model.side!r}")
    return model


def _as(arr: Any, dtype: type, key: str, source: str) -> np.ndarray:
    try:
        return np.ascontiguousarray(np.asarray(arr, dtype=dtype))
    except (TypeError, ValueError) as err:
        raise HandModelError(f"hand model {source}: key '{key}' is not numeric ({err})") from None


def infer_side(hands_mean: np.ndarray) -> str:
    """Right or left from the mean pose: the mean flexion (local z) of a right hand is positive.

    Mirroring a hand across x flips the sign of axis-angle y and z, so a mirrored (left) mean
    pose curls with negative z.
    """
    flexion = np.asarray(hands_mean).reshape(15, 3)[:, 2].sum()
    return "right" if flexion >= 0 else "left"


def model_from_arrays(data: dict[str, Any], source: str, name: str | None = None) -> HandModel:
    """Build and validate a :class:`HandModel` from a dict with MANO's file keys."""
    missing = [k for k in _REQUIRED_KEYS if k not in data]
    if missing:
        _fail(source, f"missing keys {missing}; a MANO-format file needs {list(_REQUIRED_KEYS)}")
    v = _as(data["v_template"], np.float64, "v_template", source)
    kintree = _as(data["kintree_table"], np.int64, "kintree_table", source)
    if kintree.ndim != 2 or kintree.shape[1] != NUM_JOINTS:
        _fail(source, f"'kintree_table' must have shape (2, 16), got {kintree.shape}")
    parents = kintree[0].copy()
    parents[0] = -1  # stored as uint32 max in the official files
    if "tip_ids" not in data and v.shape[0] != MANO_NUM_VERTICES:
        _fail(source, f"no 'tip_ids' key and {v.shape[0]} vertices: the default fingertip "
                      f"vertices {list(MANO_TIP_IDS)} only apply to MANO's "
                      f"{MANO_NUM_VERTICES}-vertex mesh")
    tips = data.get("tip_ids", MANO_TIP_IDS)
    side = str(np.asarray(data["side"])) if "side" in data else None
    hands_mean = _as(data["hands_mean"], np.float64, "hands_mean", source).reshape(-1)
    model = HandModel(
        v_template=v,
        faces=_as(data["f"], np.int64, "f", source),
        shapedirs=_as(data["shapedirs"], np.float64, "shapedirs", source),
        posedirs=_as(data["posedirs"], np.float64, "posedirs", source),
        J_regressor=_as(data["J_regressor"], np.float64, "J_regressor", source),
        weights=_as(data["weights"], np.float64, "weights", source),
        parents=parents,
        hands_components=_as(data["hands_components"], np.float64, "hands_components", source),
        hands_mean=hands_mean,
        tip_ids=_as(tips, np.int64, "tip_ids", source).reshape(-1),
        side=side if side is not None else infer_side(hands_mean) if hands_mean.size == 45
        else "right",
        name=name or (str(np.asarray(data["name"])) if "name" in data else Path(source).stem),
    )
    return validate(model, source)


def model_to_arrays(model: HandModel) -> dict[str, np.ndarray]:
    """The file representation (MANO keys, plus ``tip_ids``, ``side``, ``name``)."""
    kintree = np.stack([model.parents, np.arange(NUM_JOINTS)]).astype(np.int64)
    return {
        "v_template": model.v_template, "f": model.faces, "shapedirs": model.shapedirs,
        "posedirs": model.posedirs, "J_regressor": model.J_regressor, "weights": model.weights,
        "kintree_table": kintree, "hands_components": model.hands_components,
        "hands_mean": model.hands_mean, "tip_ids": model.tip_ids,
        "side": np.asarray(model.side), "name": np.asarray(model.name),
    }


def save_hand_model(model: HandModel, path: str | Path, compressed: bool = True) -> Path:
    """Write ``model`` as an ``.npz`` readable by :func:`load_hand_model` (and by smplx)."""
    path = Path(path)
    arrays = model_to_arrays(validate(model, str(path)))
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return atomic_write_bytes(path, buffer.getvalue())


def default_hand_model_path() -> Path:
    """The shipped OpenHand ``.npz`` (the default everywhere no MANO file is configured)."""
    return ASSET_DIR / OPEN_HAND_FILE


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise HandModelError(
            f"hand model file {path} does not exist. Pass the path of a MANO_RIGHT.pkl / "
            "MANO_LEFT.pkl (from https://mano.is.tue.mpg.de), an .npz written by "
            "s2hand-convert-mano, or None for the shipped OpenHand."
        )
    suffix = path.suffix.lower()
    if suffix == ".pkl":
        return load_mano_pickle(path)
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {k: npz[k] for k in npz.files}
        except (OSError, ValueError) as err:
            raise HandModelError(f"hand model file {path}: not a readable .npz ({err})") from None
    raise HandModelError(f"hand model file {path}: expected a .pkl or .npz file, got '{suffix}'")


def load_hand_model(path: str | Path | None = None, side: str = "right") -> HandModel:
    """Load a MANO-format hand model.

    Args:
        path: an official MANO ``.pkl`` (read without chumpy through a restricted unpickler), an
            ``.npz`` with the same keys, or ``None`` for the shipped OpenHand.
        side: the hand wanted. A model of the other side is mirrored across x
            (:func:`s2hand.hand.mirror.mirror_model`). An official left MANO file gets the known
            ``shapedirs[:, 0]`` sign fix when its shape directions are not mirrored.
    Returns:
        A validated :class:`HandModel` of the requested side.
    """
    from s2hand.hand.mirror import fix_left_shapedirs, mirror_model

    if side not in SIDES:
        raise HandModelError(f"load_hand_model: side must be one of {SIDES}, got {side!r}")
    file = default_hand_model_path() if path is None else Path(path)
    data = _read_file(file)
    name = "OpenHand" if path is None else None
    model = model_from_arrays(data, str(file), name=name)
    if "side" not in data and "LEFT" in file.name.upper():
        model = dataclasses.replace(model, side="left")
    if model.side == "left" and "side" not in data:
        model = fix_left_shapedirs(model)
    if model.side != side:
        model = mirror_model(model)
    return model
