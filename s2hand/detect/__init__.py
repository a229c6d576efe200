"""2D hand detection on real images: pluggable backends, OpenPose-format files, quality report.

See docs/detect.md. A backend is a callable over a batch of RGB images returning, per image,
the hands found (:class:`HandDetection`, FreiHAND joint order, image pixels); backends are
registered by name in :mod:`s2hand.detect.registry`.
"""

from s2hand.detect.detection import DetectorError, HandDetection, best_hand
from s2hand.detect.registry import available_backends, build_detector, register_backend

__all__ = ["DetectorError", "HandDetection", "available_backends", "best_hand",
           "build_detector", "register_backend"]
