"""Detector backends by name: ``register_backend(name, factory)``, ``build_detector(name)``.

A factory takes keyword options and returns a :data:`~s2hand.detect.detection.Detector`
(a callable over a batch of RGB uint8 images). Adding a backend, e.g. an OpenPose hand network
with weights the user supplies::

    from s2hand.detect import register_backend

    def openpose_hand(weights: str, **_):
        net = load_my_network(weights)
        return lambda images: [net.hands(img) for img in images]

    register_backend("openpose-hand", openpose_hand)

after which ``build_detector("openpose-hand", weights=...)`` works (the CLI passes
``--backend-option key=value`` pairs as options).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from s2hand.detect.detection import Detector, DetectorError

_FACTORIES: dict[str, Callable[..., Detector]] = {}


def register_backend(name: str, factory: Callable[..., Detector]) -> None:
    """Make ``factory`` available as backend ``name`` (replacing one of the same name)."""
    _FACTORIES[name] = factory


def available_backends() -> list[str]:
    """Registered backend names."""
    return sorted(_FACTORIES)


def build_detector(name: str, **options: Any) -> Detector:
    """The detector of backend ``name`` built with ``options``.

    Raises :class:`DetectorError` for an unknown name or options the factory refuses.
    """
    if name not in _FACTORIES:
        raise DetectorError(f"unknown detector backend {name!r}; available: "
                            f"{', '.join(available_backends()) or 'none'}")
    try:
        return _FACTORIES[name](**options)
    except TypeError as err:
        raise DetectorError(f"backend {name!r} does not accept options {sorted(options)}: "
                            f"{err}") from err


def _mediapipe(**options: Any) -> Detector:
    from s2hand.detect.mediapipe_backend import MediaPipeHands

    return MediaPipeHands(**options)


register_backend("mediapipe", _mediapipe)
