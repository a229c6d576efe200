"""Paths and frame selection of the DeepHandMesh dataset (deephandmesh.md §8).

::

    images/subject_{S}/{seq}/cam{cam}/image{NNNNN}.jpg
    annotations/keypoints/subject_{S}/keypoints{frame:04d}.pts
    annotations/depthmaps/subject_{S}/{frame:06d}/depthmap{cam}.pkl
    annotations/KRT_512

Sequences: subject 1 uses the folders ``00*``, the others ``*RT*`` (right single hand); names
containing ``ROM`` are dropped. Cameras: the KRT entries whose name starts with ``40`` (the
colour cameras), in file order. The frame number is the image file name without its first five
characters (``image``) and its extension, as the original parses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from s2hand.data.errors import DataError, missing

KRT_FILE = "KRT_512"
COLOUR_CAMERA_PREFIX = "40"
IMAGE_PREFIX_LEN = 5
IMAGE_HW = (512, 334)


@dataclass(frozen=True)
class DHMLayout:
    """Paths of one subject of a DeepHandMesh dataset root."""

    root: Path
    subject: str = "4"

    @property
    def image_dir(self) -> Path:
        return self.root / "images" / f"subject_{self.subject}"

    @property
    def krt_path(self) -> Path:
        return self.root / "annotations" / KRT_FILE

    def image_path(self, seq: str, cam: str, frame: int) -> Path:
        return self.image_dir / seq / f"cam{cam}" / f"image{frame:05d}.jpg"

    def keypoints_path(self, frame: int) -> Path:
        return (self.root / "annotations" / "keypoints" / f"subject_{self.subject}"
                / f"keypoints{frame:04d}.pts")

    def depth_path(self, frame: int, cam: str) -> Path:
        return (self.root / "annotations" / "depthmaps" / f"subject_{self.subject}"
                / f"{frame:06d}" / f"depthmap{cam}.pkl")


def select_sequences(layout: DHMLayout) -> list[str]:
    """The subject's sequence folders by the original's rule, sorted."""
    if not layout.image_dir.is_dir():
        raise missing(layout.image_dir, "the subject's image folder (one folder per sequence)")
    pattern = "00*" if layout.subject == "1" else "*RT*"
    return sorted(p.name for p in layout.image_dir.glob(pattern)
                  if p.is_dir() and "ROM" not in p.name)


def select_cameras(names: list[str]) -> list[str]:
    """The colour cameras (``40*``) in the given order."""
    return [n for n in names if n.startswith(COLOUR_CAMERA_PREFIX)]


def frame_of(image: Path) -> int:
    """Frame number of ``image{NNNNN}.jpg`` (``int(name[5:-4])`` in the original)."""
    digits = image.stem[IMAGE_PREFIX_LEN:]
    if not digits.isdigit():
        raise DataError(f"{image}: expected an image named like image00123.jpg (five characters, "
                        "then the frame number).")
    return int(digits)


def list_frames(layout: DHMLayout, seq: str, cam: str) -> list[int]:
    """Frame numbers of ``seq``'s images in camera ``cam`` (none if the folder is absent)."""
    folder = layout.image_dir / seq / f"cam{cam}"
    return sorted(frame_of(p) for p in folder.glob("*.jpg")) if folder.is_dir() else []
