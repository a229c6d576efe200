"""File readers shared by the dataset classes: JSON annotations and images.

Images are decoded with OpenCV (fast, releases the GIL); JPEG files are checked for the
end-of-image marker because libjpeg silently pads a truncated file with grey.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from s2hand.data.errors import CorruptImageError, DataError, missing
from s2hand.data.finite import require_finite

# Process-wide on purpose: DataLoader workers are the parallelism (more OpenCV threads per worker
# only oversubscribe the cores), and changing OpenCV's thread count inside a forked worker whose
# parent already started OpenCV's pool can deadlock, so it is set once, here, before any fork.
cv2.setNumThreads(1)

_JPEG_EOI = b"\xff\xd9"


def load_json(path: Path, what: str) -> Any:
    """Parse the JSON file ``path`` (described as ``what`` in errors)."""
    if not path.is_file():
        raise missing(path, what)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise DataError(f"{path}: invalid JSON ({err}); expected {what}.") from err


def load_array_list(path: Path, what: str, item_shape: tuple[int, ...],
                    length: int | None = None) -> np.ndarray:
    """Load a JSON list of equally shaped arrays as one float64 array ``(N, *item_shape)``.

    Items of size ``prod(item_shape)`` in any nesting (e.g. FreiHAND's ``[1, 61]`` MANO rows)
    are accepted; ``length`` (when given) is the required number of items.
    """
    data = load_json(path, what)
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON list of {what}, got {type(data).__name__}.")
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (ValueError, TypeError) as err:
        raise DataError(f"{path}: items are not equally shaped numeric arrays ({err}); "
                        f"expected {what} of shape {item_shape} each.") from err
    size = int(np.prod(item_shape))
    if arr.ndim == 0 or (arr.size // max(len(arr), 1)) != size or arr.size != len(arr) * size:
        raise DataError(f"{path}: items have shape {arr.shape[1:]}, expected {item_shape} "
                        f"({what}).")
    if length is not None and len(arr) != length:
        raise DataError(f"{path}: has {len(arr)} entries, expected {length} ({what}).")
    return require_finite(arr.reshape((len(arr), *item_shape)), path, what)


def read_image(path: Path) -> np.ndarray:
    """Decode ``path`` to an RGB ``uint8`` array ``(H, W, 3)``.

    Raises :class:`CorruptImageError` for undecodable or truncated files and
    :class:`MissingFileError` for missing ones.
    """
    try:
        buf = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise missing(path, "an image") from None
    if path.suffix.lower() in (".jpg", ".jpeg") and _JPEG_EOI not in buf[-16:].tobytes():
        raise CorruptImageError(f"{path}: truncated JPEG (no end-of-image marker in the last "
                                f"bytes of {buf.size} bytes); re-extract or re-download it.")
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if img is None:
        raise CorruptImageError(f"{path}: cannot be decoded as an image ({buf.size} bytes); the "
                                "file is truncated or corrupt.")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def read_mask(path: Path) -> np.ndarray:
    """Decode a mask image to a float32 ``(H, W)`` array in {0, 1} (threshold at half range)."""
    try:
        buf = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise missing(path, "a mask image") from None
    img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise CorruptImageError(f"{path}: cannot be decoded as a mask image ({buf.size} bytes).")
    return (img > 127).astype(np.float32)


def write_image(path: Path, rgb: np.ndarray, jpeg_quality: int = 92) -> None:
    """Encode an RGB ``uint8`` array ``(H, W, 3)`` (or grey ``(H, W)``) by file extension."""
    img = rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    # Huffman-only PNG: ~2x faster to write than OpenCV's default and about as small on
    # noisy photographs.
    params = ([cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if path.suffix.lower() == ".jpg"
              else [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY,
                    cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY])
    ok, enc = cv2.imencode(path.suffix, img, params)
    if not ok:
        raise DataError(f"{path}: OpenCV could not encode the image.")
    enc.tofile(path)
