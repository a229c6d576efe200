"""Restricted unpickler for untrusted pickles (HO3D ``meta/*.pkl``, DeepHandMesh depth maps).

HO3D metas are (Python 2) pickles of a dict of numpy arrays, numbers, strings and ``None``.
``pickle.load`` would execute any callable a crafted file names, so only the numpy
reconstruction helpers are allowed; anything else raises :class:`UnsafePickleError`.
Callers may pass a narrower allow-list (e.g. :data:`NUMPY_ARRAY_ONLY`).
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from s2hand.data.errors import DataError, UnsafePickleError, missing

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),  # protocol 5
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("collections", "OrderedDict"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
    ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 store bytes
}
#: Plain numpy arrays (any protocol, Python 2 or 3): nothing else can be built.
NUMPY_ARRAY_ONLY = frozenset({
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
})


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase, source: Path, allowed: frozenset | set,
                 what: str, contents: str):
        super().__init__(file, encoding="latin1")
        self._source = source
        self._allowed = allowed
        self._what = what
        self._contents = contents

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._allowed:
            raise UnsafePickleError(
                f"{self._source}: pickle references the class {module}.{name}, which is not "
                f"allowed in {self._what} (only {self._contents} are). The file is corrupt or "
                f"not {self._what}; refusing to load it.")
        return super().find_class(module, name)


def load_pickle(path: Path, allowed: frozenset | set = frozenset(_ALLOWED),
                what: str = "a HO3D meta file",
                contents: str = "numpy arrays, numbers, strings, lists and dicts") -> Any:
    """Load ``path`` with the restricted unpickler (Python 2 pickles decoded as latin1).

    ``allowed``: the ``(module, name)`` pairs the pickle may reference; ``what`` and
    ``contents`` describe the expected file in error messages.
    """
    path = Path(path)
    if not path.is_file():
        raise missing(path, f"{what} (pickle)")
    with open(path, "rb") as f:
        try:
            return _RestrictedUnpickler(f, path, allowed, what, contents).load()
        except UnsafePickleError:
            raise
        except Exception as err:  # any unpickling failure means a broken file
            raise DataError(f"{path}: cannot be unpickled ({type(err).__name__}: {err}).") from err
