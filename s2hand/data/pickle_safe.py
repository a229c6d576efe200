"""Restricted unpickler for HO3D ``meta/*.pkl`` files.

HO3D metas are (Python 2) pickles of a dict of numpy arrays, numbers, strings and ``None``.
``pickle.load`` would execute any callable a crafted file names, so only the numpy
reconstruction helpers are allowed; anything else raises :class:`UnsafePickleError`.
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


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase, source: Path):
        super().__init__(file, encoding="latin1")
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise UnsafePickleError(
                f"{self._source}: pickle references the class {module}.{name}, which is not "
                "allowed in a HO3D meta file (only numpy arrays, numbers, strings, lists and "
                "dicts are). The file is corrupt or not a HO3D meta file; refusing to load it.")
        return super().find_class(module, name)


def load_pickle(path: Path) -> Any:
    """Load ``path`` with the restricted unpickler (Python 2 pickles decoded as latin1)."""
    path = Path(path)
    if not path.is_file():
        raise missing(path, "a HO3D meta pickle")
    with open(path, "rb") as f:
        try:
            return _RestrictedUnpickler(f, path).load()
        except UnsafePickleError:
            raise
        except Exception as err:  # any unpickling failure means a broken file
            raise DataError(f"{path}: cannot be unpickled ({type(err).__name__}: {err}).") from err
