"""Replacing a file or a folder so that a reader sees the old one or the new one, never a mix,
and the change survives a crash (fsync): the one helper of the extractor, the release, the
exports and the report. Also the one file digest (sha256) of the project."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def sha256_of(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def fsync_folder(folder: Path) -> None:
    """Make the renames in `folder` survive a crash."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Every file directly in `folder`, then the folder itself, on disk."""
    for path in sorted(folder.iterdir()):
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    fsync_folder(folder)


def write_bytes(target: Path, data: bytes, mode: int = 0o644) -> Path:
    """`data` as `target`: written beside it under a temporary name, fsynced, renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE, which `os` does not offer);
    False when not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def replace_folder(staged: Path, target: Path) -> None:
    """Put the folder `staged` at `target` (an earlier `target` is swapped out whole, then removed)."""
    if not target.exists():
        os.replace(staged, target)
    elif _exchange(staged, target):
        shutil.rmtree(staged)  # now holds the previous folder
    else:  # portable fallback: two renames, a moment without target but never a half-written one
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(staged, target)
        shutil.rmtree(old)
    fsync_folder(target.parent)
