"""Finiteness of numeric dataset inputs, checked when a file is loaded.

A NaN in one camera matrix would otherwise surface only as "non-finite loss" batches until the
run aborts, without naming the file; here it is reported with the file, the entry and the key.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from s2hand.data.errors import DataError


def require_finite(values: np.ndarray, path: str | Path, what: str, key: str | None = None,
                   entries: bool = True) -> np.ndarray:
    """Return ``values`` unless it holds NaN or +-inf; then raise :class:`DataError` naming
    ``path``, the first bad entry (``values[i]`` when ``entries``) and position, and ``key``."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return values
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    named = f"key {key!r}, " if key else ""
    if entries and values.ndim > 1:
        count = int(bad.reshape(len(values), -1).any(axis=1).sum())
        where = f"entry {first[0]}, {named}element {list(first[1:])}"
        total = f"{count} of {len(values)} entries hold non-finite values"
    else:
        where = f"{named}element {list(first)}"
        total = f"{int(bad.sum())} non-finite value(s) in all"
    raise DataError(f"{path}: {where} is {values[first]}; expected {what}, every number finite "
                    f"({total}). Repair or regenerate the file.")
