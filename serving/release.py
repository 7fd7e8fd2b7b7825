"""One release: the published database, the open-data exports and the overview report.

Each part is written whole beside its published place (the staging names below), then all are
switched together (`switch`), the release manifest `.release.json` last: it records what a
whole release holds (size of every file, sha256 of the export and report files). Until the
switch a reader sees the previous release; a failure while staging (a full disk, …) removes
what was staged, leaves the previous release whole and names its cause (`ReleaseError`).
The next start compares the published files with the manifest (serving.heal), so a
release damaged afterwards, or left half-switched by a crash, is published again.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from extract.atomic_files import fsync_folder, replace_folder, sha256_of
from extract.number_format import belgian
from serving.open_data import write_open_data
from serving.snapshot import _remove as remove_database
from serving.snapshot import copy_database

PUBLISHED = {"database": "gent.duckdb", "export": "export", "report": "report"}
STAGED = {"database": ".gent.duckdb.publishing", "export": ".export.release", "report": ".report.release"}
MANIFEST = ".release.json"
WHAT = {"database": "the published database", "export": "the open-data exports", "report": "the overview report"}


class ReleaseError(Exception):
    """A release could not be staged or switched; the previous release is whole."""


def staged(warehouse_dir: Path, part: str) -> Path:
    return Path(warehouse_dir) / STAGED[part]


def published(warehouse_dir: Path, part: str) -> Path:
    return Path(warehouse_dir) / PUBLISHED[part]


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def megabytes(size: int) -> str:
    """8,7 MB: the way the rest of the terminal prints numbers for a Belgian reader."""
    return f"{belgian(size / 1e6, 1)} MB"


def _is_disk_full(exc: BaseException) -> bool:
    # DuckDB reports its own write errors as duckdb.IOException with the OS's words
    return getattr(exc, "errno", None) == errno.ENOSPC or "no space left on device" in str(exc).lower()


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        remove_database(path)


def discard(warehouse_dir: Path) -> None:
    """Remove every staged part (the previous release is untouched)."""
    for part in STAGED:
        _remove(staged(warehouse_dir, part))


@contextmanager
def staging(warehouse_dir: Path, part: str, needed: int):
    """Stage one part: its staging path, fresh; on any failure every staged part is removed, and a full
    disk becomes a ReleaseError that says how much room the part needs (`needed`, an estimate)."""
    target = staged(warehouse_dir, part)
    _remove(target)
    try:
        yield target
    except BaseException as exc:
        discard(warehouse_dir)  # a release is whole or nothing: no part of it waits for the next one
        if _is_disk_full(exc):
            free = shutil.disk_usage(warehouse_dir).free
            raise ReleaseError(
                f"no space left on device: {megabytes(needed)} needed to write {WHAT[part]} "
                f"({megabytes(free)} free in {warehouse_dir}); the previous release is unchanged"
            ) from None
        raise


def stage_database(build_db: Path, warehouse_dir: Path, include_personal_data: bool) -> Path:
    with staging(warehouse_dir, "database", _size(Path(build_db))) as target:
        return copy_database(Path(build_db), target, include_personal_data)


def stage_exports(warehouse_dir: Path, include_personal_data: bool, manifest: Path | None = None) -> dict:
    """The exports of the staged database (the previous export's size is the estimate of the room they need)."""
    needed = _size(published(warehouse_dir, "export")) or _size(staged(warehouse_dir, "database"))
    with staging(warehouse_dir, "export", needed) as target:
        target.mkdir()
        return write_open_data(staged(warehouse_dir, "database"), target, include_personal_data, manifest=manifest)


def stage_report(warehouse_dir: Path, sources: Path | None) -> Path:
    """The report of the staged database, in a folder beside `report/`: its relative links to the
    source files are those of the published place."""
    from serving.report import build_report

    with staging(warehouse_dir, "report", _size(published(warehouse_dir, "report")) or 1_000_000) as target:
        charts = chart_cache_folder(warehouse_dir)
        return build_report(staged(warehouse_dir, "database"), target, sources=sources, charts=charts)


def chart_cache_folder(warehouse_dir: Path) -> Path:
    """Where the report's charts are kept between builds (serving.report.chart_cache), one folder per
    warehouse: outside the warehouse folder, which a failed release leaves as it was, file for file."""
    key = hashlib.sha256(str(Path(warehouse_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "gent-report-charts" / key


def fingerprint(warehouse_dir: Path, names: dict[str, str]) -> dict:
    """What a release holds: per part, every file's size (and sha256 for exports and report).

    The database is checked by size here and by opening it (serving.heal): hashing it
    on every start would cost seconds on a large warehouse."""
    found = {}
    for part, name in names.items():
        path = Path(warehouse_dir) / name
        if part == "database":
            found[part] = {"bytes": path.stat().st_size} if path.is_file() else None
        else:
            found[part] = (
                {
                    p.relative_to(path).as_posix(): {"bytes": p.stat().st_size, "sha256": sha256_of(p)}
                    for p in sorted(path.rglob("*"))
                    if p.is_file()
                }
                if path.is_dir()
                else None
            )
    return found


def switch(warehouse_dir: Path) -> dict:
    """Put the staged database, exports and report in place together; returns the manifest."""
    warehouse_dir = Path(warehouse_dir)
    missing = [WHAT[part] for part in STAGED if not staged(warehouse_dir, part).exists()]
    if missing:
        raise ReleaseError(f"nothing staged for {', '.join(missing)}: not switched, the previous release is unchanged")
    manifest = fingerprint(warehouse_dir, STAGED)
    pending = warehouse_dir / f"{MANIFEST}.staging"
    try:  # written before anything moves: the switch itself needs no room
        with open(pending, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        pending.unlink(missing_ok=True)
        discard(warehouse_dir)
        if _is_disk_full(exc):
            raise ReleaseError(
                "no space left on device: the release manifest could not be written; the previous release is unchanged"
            ) from None
        raise
    os.replace(staged(warehouse_dir, "database"), published(warehouse_dir, "database"))
    for part in ("export", "report"):
        replace_folder(staged(warehouse_dir, part), published(warehouse_dir, part))
    os.replace(pending, warehouse_dir / MANIFEST)
    fsync_folder(warehouse_dir)
    return manifest


def release_problem(warehouse_dir: Path) -> tuple[str, str] | None:
    """(part, how) the published release differs from what its manifest recorded, or None (also
    when there is no manifest: a warehouse published before releases had one)."""
    path = Path(warehouse_dir) / MANIFEST
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return "manifest", f"its manifest {path.name} is unreadable ({exc})"
    current = fingerprint(warehouse_dir, PUBLISHED)
    for part in PUBLISHED:
        now, then = current.get(part), recorded.get(part)
        if now == then:
            continue
        if part == "database" and now and then:
            return part, f"{PUBLISHED[part]} is {now['bytes']:,} bytes, its release wrote {then['bytes']:,}".replace(
                ",", "."
            )
        return part, f"{WHAT[part]}: not what the release wrote"
    return None
