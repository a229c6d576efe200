"""Exceptions raised for bad or missing dataset files.

Every message names the offending file (and key/index where there is one) and says what was
expected, so that a user can fix the data without reading a traceback.
"""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """A dataset file is missing, malformed, or inconsistent with the rest of the dataset."""


class MissingFileError(DataError, FileNotFoundError):
    """A file the requested queries need does not exist."""


class CorruptImageError(DataError):
    """An image file cannot be decoded or is truncated."""


class DetectionsError(DataError):
    """A 2D-detection file has the wrong structure or does not match the images."""


class UnsafePickleError(DataError):
    """A pickle references a class outside the allow-list of the restricted unpickler."""


def missing(path: Path, what: str) -> MissingFileError:
    """Build the error for a missing file ``path`` holding ``what``."""
    return MissingFileError(
        f"{path}: file not found; expected {what}. Check the dataset root path, or generate a "
        "synthetic dataset with `scripts/make_synthetic.py`."
    )
