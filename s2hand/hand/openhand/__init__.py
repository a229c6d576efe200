"""OpenHand: an open hand model in MANO format, generated procedurally (see docs/hand_model.md)."""

from s2hand.hand.openhand.build import build_open_hand

__all__ = ["build_open_hand"]
