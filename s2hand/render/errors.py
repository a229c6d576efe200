"""Error type for bad renderer input."""

from __future__ import annotations


class RenderInputError(ValueError):
    """A renderer argument has the wrong shape, dtype or value; the message says which."""
