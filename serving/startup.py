"""Before a build touches anything: refuse what would fail later with a traceback or lose data,
then heal what earlier runs left (serving.heal).

- `DAGSTER_HOME` must be an absolute path (Dagster's rule), said up front;
- the warehouse folders must be writable (a read-only folder is named, nothing is tried);
- an inbox that is missing, or holds no readable report while the warehouse holds some, never
  empties the warehouse unless asked for explicitly (`--allow-empty`, GENT_ALLOW_EMPTY_INBOX=1).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ingest.config import Settings
from ingest.inbox import InboxListing
from ingest.state import WarehouseState


def prepare(settings: Settings, progress=None) -> tuple[str | None, bool]:
    """The start of a build: (why it must not run, or None; whether the release must be published
    again). Heals the warehouse (serving.heal) once the configuration is sound."""
    from serving.heal import heal

    problem = configuration_problem(settings)
    if problem:
        return problem, False
    healing = heal(settings.warehouse_dir, settings.build_db, settings.published_db)
    for line in healing.lines if progress else []:
        progress(line)
    return None, healing.republish


def configuration_problem(settings: Settings) -> str | None:
    """Why a build cannot start in this configuration, or None."""
    home = os.environ.get("DAGSTER_HOME")
    if home and not os.path.isabs(home):
        return (
            f"DAGSTER_HOME must be an absolute path, not {home!r} (Dagster's rule): "
            f"set it to {Path(home).resolve()} or leave it unset ({settings.warehouse_dir / 'dagster_home'})"
        )
    for folder in dict.fromkeys([settings.warehouse_dir, settings.build_db.parent, settings.dagster_home]):
        problem = not_writable(folder)
        if problem:
            return problem
    return None


def not_writable(folder: Path) -> str | None:
    """Why nothing can be written in `folder` (made if missing), or None."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"cannot write in {folder} ({exc.strerror}): the warehouse folder must be writable"
    return None


def emptying_refused(inbox: Path, listing: InboxListing, built: WarehouseState, allowed: bool = False) -> str | None:
    """Why a build must not run on this inbox, or None: a missing inbox, or one without a
    readable report next to a warehouse that holds reports, would empty the warehouse
    (unless `allowed`: the settings' allow_empty_inbox)."""
    if allowed:
        return None
    if not inbox.is_dir():
        return (
            f"the inbox {inbox} is missing (or not a folder): nothing was built and the warehouse is unchanged "
            "(--allow-empty builds from an empty inbox)"
        )
    if not listing.files and built.loaded:
        return (
            f"the inbox {inbox} holds no readable report, the warehouse {len(built.loaded)}: not emptied, "
            "the warehouse is unchanged (--allow-empty empties it)"
        )
    return None
