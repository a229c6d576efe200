"""The real detector is an optional extra: CI installs it and must run it (a missing package
fails there); elsewhere its tests are skipped with the install command as the reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REAL_PHOTO = Path(__file__).parent / "data" / "opencv_calib_right04.jpg"


def require_mediapipe() -> None:
    if os.environ.get("CI"):
        import mediapipe  # noqa: F401 - CI must have the extra
    else:
        pytest.importorskip("mediapipe", reason="pip install --no-deps -r "
                                                "requirements-detect.lock")


@pytest.fixture(scope="session")
def mediapipe_detector():
    require_mediapipe()
    from s2hand.detect import build_detector

    return build_detector("mediapipe")
