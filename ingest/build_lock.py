"""One build at a time: a lock file in the warehouse folder, held from a build's start to its end.

`make run` holds it for its whole run (extraction, prune, build, publish) and the
`build_warehouse` job for its run (`resources.BuildLock`), so two builds never write the
same warehouse at once, whoever started them. The lock is `flock` on `warehouse/.build.lock`:
the kernel releases it when its holder dies (a killed build leaves nothing to clean up). The
file says who holds it, for the message the second build prints.

Re-entrant within a process: the `build_warehouse` run that `make run` executes in its own
process takes the lock its caller already holds.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


class BuildRunning(Exception):
    """Another build holds the warehouse; the message says which process and since when."""


_held: dict[Path, list] = {}  # lock file -> [open file, depth] of the locks this process holds


def holder(lock: Path) -> str:
    """Who holds the lock, as its holder wrote it ("pid 123, make run, since 04:12:03 UTC")."""
    try:
        return lock.read_text().strip() or "another process"
    except OSError:
        return "another process"


@contextmanager
def build_lock(lock: Path, who: str):
    """Hold the warehouse's build lock, or raise BuildRunning at once naming its holder."""
    lock = Path(lock).resolve()
    if lock in _held:
        _held[lock][1] += 1
        try:
            yield
        finally:
            _held[lock][1] -= 1
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock, "a+")  # noqa: SIM115  (held open as long as the build holds the lock)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BuildRunning(
            f"another build is running on {lock.parent} ({holder(lock)}): try again when it is done"
        ) from None
    handle.seek(0), handle.truncate()
    handle.write(f"pid {os.getpid()}, {who}, since {time.strftime('%H:%M:%S UTC', time.gmtime())}\n")
    handle.flush()
    _held[lock] = [handle, 1]
    try:
        yield
    finally:
        del _held[lock]
        handle.seek(0), handle.truncate()
        handle.close()  # closing releases the flock


def is_held(lock: Path) -> bool:
    """Whether some process holds the lock now (for the sensors: no run is launched beside a build)."""
    lock = Path(lock).resolve()
    if lock in _held:
        return True
    if not lock.exists():
        return False
    with open(lock) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False
