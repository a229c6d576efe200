"""Read official MANO ``.pkl`` files without chumpy, through a restricted unpickler.

The official files are Python-2 pickles holding numpy arrays, a ``scipy.sparse.csc_matrix``
(``J_regressor``) and chumpy objects (``shapedirs`` is a ``chumpy.reordering.Select`` over a
``chumpy.ch.Ch``). The unpickler admits only numpy array/dtype reconstruction, scipy sparse
matrices and those chumpy classes, which it replaces by inert stand-ins that are converted to
plain arrays afterwards. Any other global (functions, ``os.system``, ...) is refused, so a
pickle can never run code.
"""

from __future__ import annotations

import codecs
import copyreg
import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle referenced a global that the restricted unpickler does not admit."""


class _ChumpyStandIn:
    """Inert replacement for a chumpy class: records the pickled state, nothing else."""

    chumpy_name = "chumpy object"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.state: dict[str, Any] = {}

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:
            merged: dict[str, Any] = {}
            for part in state:
                if isinstance(part, dict):
                    merged.update(part)
            state = merged
        if not isinstance(state, dict):
            raise UnsafePickleError(
                f"{self.chumpy_name}: expected a dict as pickled state, got {type(state).__name__}"
            )
        self.state = state


class _Ch(_ChumpyStandIn):
    chumpy_name = "chumpy.ch.Ch"


class _Select(_ChumpyStandIn):
    chumpy_name = "chumpy.reordering.Select"


_CHUMPY_CLASSES: dict[tuple[str, str], type] = {
    ("chumpy.ch", "Ch"): _Ch,
    ("chumpy.reordering", "Select"): _Select,
}
_NUMPY_GLOBALS: dict[str, Any] = {
    "_reconstruct": np.ndarray.__new__,  # replaced below by the real function
    "ndarray": np.ndarray,
    "dtype": np.dtype,
}
_BUILTINS: dict[str, type] = {"object": object, "set": set, "frozenset": frozenset,
                               "slice": slice}
_SPARSE_CLASSES = {
    "csc_matrix": scipy.sparse.csc_matrix,
    "csr_matrix": scipy.sparse.csr_matrix,
    "coo_matrix": scipy.sparse.coo_matrix,
}


def _numpy_reconstruct() -> Any:
    try:
        from numpy._core.multiarray import _reconstruct  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


def _numpy_scalar() -> Any:
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import scalar
    return scalar


_NUMPY_GLOBALS["_reconstruct"] = _numpy_reconstruct()
_NUMPY_GLOBALS["scalar"] = _numpy_scalar()


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only numpy, scipy.sparse and chumpy stand-in globals."""

    def __init__(self, file: io.BufferedIOBase, source: str) -> None:
        super().__init__(file, encoding="latin1")
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _CHUMPY_CLASSES:
            return _CHUMPY_CLASSES[(module, name)]
        numpy_modules = ("numpy", "numpy.core.multiarray", "numpy._core.multiarray",
                         "numpy.core.numeric", "numpy._core.numeric")
        if module in numpy_modules and name in _NUMPY_GLOBALS:
            return _NUMPY_GLOBALS[name]
        if module.startswith("scipy.sparse") and name in _SPARSE_CLASSES:
            return _SPARSE_CLASSES[name]
        if (module, name) in (("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor")):
            return copyreg._reconstructor
        if module in ("__builtin__", "builtins") and name in _BUILTINS:
            return _BUILTINS[name]
        if (module, name) == ("_codecs", "encode"):
            # Python-3 pickles (protocol < 3) store bytes as _codecs.encode(str, "latin1").
            return codecs.encode
        raise UnsafePickleError(
            f"{self.source}: the pickle references the global '{module}.{name}', which is not "
            "allowed. Only numpy arrays, scipy sparse matrices and chumpy Ch/Select objects "
            "(as in the official MANO files) are accepted; the file was not loaded."
        )


def _to_array(value: Any, key: str, source: str) -> Any:
    """Turn chumpy stand-ins and sparse matrices into plain numpy arrays."""
    if isinstance(value, _Ch):
        if "x" not in value.state:
            raise UnsafePickleError(f"{source}: key '{key}': chumpy.ch.Ch without an 'x' array")
        return np.asarray(value.state["x"])
    if isinstance(value, _Select):
        try:
            base = _to_array(value.state["a"], key, source)
            idxs = np.asarray(value.state["idxs"], dtype=np.int64)
            shape = tuple(int(s) for s in value.state["preferred_shape"])
        except KeyError as err:
            raise UnsafePickleError(
                f"{source}: key '{key}': chumpy.reordering.Select lacks field {err}"
            ) from None
        return np.asarray(base).ravel()[idxs].reshape(shape)
    if scipy.sparse.issparse(value):
        return np.asarray(value.toarray())
    return value


def load_mano_pickle(path: str | Path) -> dict[str, Any]:
    """Load a MANO-format pickle into a dict of plain numpy arrays (and strings).

    Raises:
        UnsafePickleError: the file references anything but numpy/scipy.sparse/chumpy data.
    """
    path = Path(path)
    with path.open("rb") as handle:
        try:
            data = RestrictedUnpickler(handle, str(path)).load()
        except UnsafePickleError:
            raise
        except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError) as err:
            raise UnsafePickleError(f"{path}: not a readable MANO pickle ({err})") from None
    if not isinstance(data, dict):
        raise UnsafePickleError(
            f"{path}: expected the pickle to hold a dict of arrays, got {type(data).__name__}"
        )
    return {str(k): _to_array(v, str(k), str(path)) for k, v in data.items()}
