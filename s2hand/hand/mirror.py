"""Left hands: mirroring a MANO-format model across the x = 0 plane, and the left-file fix."""

from __future__ import annotations

import dataclasses

import numpy as np

from s2hand.hand.hand_model import HandModel, validate

_MIRROR = np.array([-1.0, 1.0, 1.0])


def mirror_axis_angle(pose: np.ndarray) -> np.ndarray:
    """Mirror axis-angle vectors across x = 0: ``(..., 3k) -> (..., 3k)``, each
    ``(x, y, z) -> (x, -y, -z)``.

    ``M R(r) M = R(det(M) M r)`` for the reflection ``M = diag(-1, 1, 1)``.
    """
    shape = pose.shape
    return (pose.reshape(*shape[:-1], -1, 3) * -_MIRROR).reshape(shape)


def mirror_model(model: HandModel) -> HandModel:
    """The same hand reflected across x = 0 (right <-> left).

    Posing the mirrored model with :func:`mirror_axis_angle` of a pose gives the reflection of
    the original posed mesh. Pose blend shapes follow from ``R' - I = M (R - I) M``; faces are
    re-wound so that they stay counter-clockwise seen from outside.
    """
    rows = _MIRROR[:, None] * _MIRROR[None, :]                         # m_i m_k, (3, 3)
    pose_sign = _MIRROR[:, None] * np.tile(rows.reshape(-1), 15)[None, :]  # (3, 135)
    return validate(dataclasses.replace(
        model,
        v_template=model.v_template * _MIRROR,
        faces=model.faces[:, [0, 2, 1]].copy(),
        shapedirs=model.shapedirs * _MIRROR[None, :, None],
        posedirs=model.posedirs * pose_sign[None],
        hands_components=mirror_axis_angle(model.hands_components),
        hands_mean=mirror_axis_angle(model.hands_mean),
        side="left" if model.side == "right" else "right",
    ), source=model.name)


def _size_direction_signs(model: HandModel) -> np.ndarray:
    """Per axis, the sign of the correlation between the first shape direction and the
    centred template (the first MANO beta mostly scales the hand)."""
    centred = model.v_template - model.v_template.mean(axis=0)
    return np.sign((centred * model.shapedirs[:, :, 0]).sum(axis=0))


def fix_left_shapedirs(model: HandModel) -> HandModel:
    """Apply the known fix for official MANO_LEFT files (``shapedirs[:, 0, :] *= -1``).

    Those files carry the right hand's x shape components. The fix is applied only when the
    first shape direction scales x against y and z (an unmirrored x), so files that were
    already fixed are left alone.
    """
    sx, sy, sz = _size_direction_signs(model)
    if sy == sz and sx == -sy and sy != 0:
        shapedirs = model.shapedirs.copy()
        shapedirs[:, 0, :] *= -1.0
        return dataclasses.replace(model, shapedirs=shapedirs)
    return model
