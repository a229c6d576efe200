"""DeepHandMesh's depth maps ``depthmap{cam}.pkl``: a pickled 2-D array (mm, 0 = background).

The files are untrusted: they are read with the restricted unpickler allowing plain numpy
arrays only, so a crafted file cannot run code.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from s2hand.data.errors import DataError
from s2hand.data.finite import require_finite
from s2hand.data.pickle_safe import NUMPY_ARRAY_ONLY, load_pickle

WHAT = "a DeepHandMesh depth map"


def read_depth_map(path: str | Path) -> np.ndarray:
    """``(H, W)`` float32 depth in mm. Raises :class:`DataError` (or its
    :class:`~s2hand.data.errors.UnsafePickleError`) naming the file."""
    path = Path(path)
    value = load_pickle(path, NUMPY_ARRAY_ONLY, WHAT, "plain numpy arrays")
    if not isinstance(value, np.ndarray) or value.ndim != 2 or value.dtype.kind not in "uif":
        desc = (f"a {value.ndim}-D {value.dtype} array" if isinstance(value, np.ndarray)
                else type(value).__name__)
        raise DataError(f"{path}: holds {desc}; expected {WHAT}, a 2-D numeric array (mm).")
    return require_finite(value.astype(np.float32), path, WHAT, entries=False)


def depth_map_bytes(depth: np.ndarray) -> bytes:
    """Pickle bytes of a depth map (protocol 4: raw array bytes, readable by Python >= 3.4;
    protocol 2 would store them as a latin-1 string, up to twice as large)."""
    return pickle.dumps(np.ascontiguousarray(depth), protocol=4)
