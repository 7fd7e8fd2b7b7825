"""The inbox folder: which report files are there, and what changed since last time."""
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


def plan_inbox_changes(current: dict[str, str], previous: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(new files, changed files, removed files) between two inbox states."""
    new = sorted(set(current) - set(previous))
    changed = sorted(k for k in set(current) & set(previous) if current[k] != previous[k])
    removed = sorted(set(previous) - set(current))
    return new, changed, removed
