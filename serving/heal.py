"""Self-healing state, at the start of a build: nothing a killed run or a damaged file leaves
behind needs a person to delete it.

- Leftovers of a killed run (a staged database, staged export or report folders, a pending
  release manifest) are removed: a build stages its release afresh. This assumes one build
  at a time on a warehouse (the build lock).
- A build database that DuckDB cannot open or read is set aside (`build/gent.duckdb.damaged`,
  replacing an older one) and rebuilt from the inbox: the inbox is the source of truth.
- A published database that cannot be opened or read, or that differs from what its release
  wrote (truncated, overwritten), is set aside (`.gent.duckdb.damaged`) and published again;
  exports or a report that differ from their release are published again as well.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingest.state import WarehouseBusy, read_database
from serving.release import MANIFEST, STAGED, release_problem

LEFTOVER_PATTERNS = (
    *STAGED.values(),
    f"{MANIFEST}.staging",
    ".gent.duckdb.publishing.wal",
    ".export.*.staging",
    ".export.old-*",
    ".report.*.staging",
    "report/.index.*.html.tmp",
)


@dataclass
class Healing:
    lines: list[str] = field(default_factory=list)  # what was found and done, for the terminal
    republish: bool = False  # the published release must be written again even if the data agree


def remove_leftovers(warehouse_dir: Path) -> list[str]:
    """Remove what killed runs left in the warehouse folder; returns the names removed."""
    removed = []
    for pattern in LEFTOVER_PATTERNS:
        for path in sorted(Path(warehouse_dir).glob(pattern)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.relative_to(warehouse_dir).as_posix())
    return sorted(removed)


def database_problem(db: Path) -> str | None:
    """Why DuckDB cannot open or read the warehouse tables of `db`, or None (also when it is
    absent, or locked by a writer: busy is not damaged)."""
    try:
        read_database(db)
    except WarehouseBusy:
        return None
    except duckdb.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def set_aside(db: Path, aside: Path) -> None:
    """Move a damaged database (and its WAL) out of the way, replacing an earlier damaged copy."""
    for source, target in ((db, aside), (db.with_name(db.name + ".wal"), aside.with_name(aside.name + ".wal"))):
        target.unlink(missing_ok=True)
        if source.exists():
            source.replace(target)


def heal(warehouse_dir: Path, build_db: Path, published_db: Path) -> Healing:
    healing = Healing()
    removed = remove_leftovers(warehouse_dir)
    if removed:
        healing.lines.append(f"  removed what an interrupted run left behind: {', '.join(removed)}")
    problem = database_problem(build_db)
    if problem:
        aside = build_db.with_name(build_db.name + ".damaged")
        set_aside(build_db, aside)
        healing.lines.append(
            f"  the build database was damaged ({problem}): set aside as {aside}, rebuilt from the inbox"
        )
    if not published_db.exists():
        return healing
    damaged = database_problem(published_db)
    part, problem = ("database", damaged) if damaged else (release_problem(warehouse_dir) or (None, None))
    if problem:
        healing.republish = True
        if part == "database":  # no reader can use it: out of the way until the new one is in place
            aside = published_db.with_name(f".{published_db.name}.damaged")
            set_aside(published_db, aside)
            healing.lines.append(
                f"  the published database was damaged ({problem}): set aside as {aside.name}, published again"
            )
        else:
            healing.lines.append(f"  the published release is not whole ({problem}): published again")
    return healing
