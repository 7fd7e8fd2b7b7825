"""The inbox folder: which report files are there, with their content hashes."""
from __future__ import annotations

import hashlib
from pathlib import Path

REPORT_SUFFIXES = {".pdf"}


def inbox_files(inbox: Path) -> dict[str, str]:
    """File name -> sha256 of the reports directly in the inbox (no links leading out of it)."""
    found = {}
    root = inbox.resolve()
    for path in sorted(inbox.iterdir()) if inbox.is_dir() else []:
        if path.suffix.lower() not in REPORT_SUFFIXES or not path.is_file():
            continue
        if path.resolve().parent != root:  # a symlink pointing outside the inbox is ignored
            continue
        found[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def same_size_files(inbox: Path, name: str, sha: str, size: int) -> dict[str, str]:
    """The inbox's report files that may be copies of `name` (same size), with their sha256.

    Only files of the same size are read: one partition does not hash the whole inbox.
    The result holds `name` itself, with its `sha`, and every file name in the inbox mapped to
    something, so that `set(result)` tells which files are present.
    """
    root = inbox.resolve()
    found = {}
    for path in inbox.iterdir() if inbox.is_dir() else []:
        if path.suffix.lower() not in REPORT_SUFFIXES or not path.is_file() or path.resolve().parent != root:
            continue
        if path.name == name:
            found[name] = sha
        elif path.stat().st_size == size:
            found[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[path.name] = ""  # present, not a copy
    return found
