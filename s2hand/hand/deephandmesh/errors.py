"""The one error type of the DeepHandMesh hand-model files."""

from __future__ import annotations

from pathlib import Path


class HandModelFileError(ValueError):
    """A DeepHandMesh hand-model file is missing or malformed.

    The message names the file and, where there is one, the line and the offending value:
    ``"<file>, line <n>: <what was found>; expected <what>"``.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path = Path(path)
        self.line = line
