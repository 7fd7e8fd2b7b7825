"""The one error a caller sees for a file that cannot be extracted."""

from __future__ import annotations

from pathlib import Path


class ExtractionError(Exception):
    """A file that is not a readable report of this kind; the message names file and reason."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}: {reason}")
