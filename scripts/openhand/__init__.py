"""The OpenHand generator: an open hand model in MANO format, generated procedurally (see
docs/hand_model.md). Not part of the runtime package: ``scripts/make_open_hand.py`` runs it to
write the shipped ``s2hand/hand/assets/open_hand.npz``."""

from openhand.build import build_open_hand

__all__ = ["build_open_hand"]
