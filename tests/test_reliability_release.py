"""Issue 19.4-5: the published database, exports and report are one release, and state heals itself.

In-process, on the session's warehouse of the bundled dumps (`dumps_warehouse`): a first
release R1 is published once per module; each case copies it, then tries to publish a second
release R2 (the same warehouse with one report's rows left out of the marts, so that a mix of
R1 and R2 would show) with a full disk simulated at one step (the writer raises
OSError(ENOSPC)), or damages the published files, and compares every file with R1 or with a
clean release of R2.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from test_reliability_build import table_hashes

from serving import release
from serving.heal import heal, remove_leftovers

DISK_FULL = OSError(errno.ENOSPC, "No space left on device")


def publish(build_db: Path, warehouse: Path, manifest: Path) -> dict:
    release.stage_database(build_db, warehouse, include_personal_data=False)
    release.stage_exports(warehouse, include_personal_data=False, manifest=manifest)
    release.stage_report(warehouse, sources=None)
    return release.switch(warehouse)


def published(warehouse: Path) -> dict:
    """What readers get: every export and report file byte for byte, the database table by table
    (DuckDB does not write the same bytes twice for the same tables)."""
    found = {name: sha for name, sha in files(warehouse).items() if name not in ("gent.duckdb", release.MANIFEST)}
    with duckdb.connect(str(warehouse / "gent.duckdb"), read_only=True) as conn:
        for schema in ("raw", "marts"):
            found[schema] = table_hashes(conn, schema)
    return found


def files(warehouse: Path) -> dict[str, str]:
    """sha256 of every file of the warehouse folder (published parts, manifest, anything staged)."""
    return {
        p.relative_to(warehouse).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(warehouse.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def releases(dumps_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("releases")
    manifest = dumps_warehouse.target / "manifest.json"
    first = root / "r1"
    publish(dumps_warehouse.db, first, manifest)
    # R2's build database: R1's rows without one report in the marts (what a removed report gives)
    second_db = root / "second.duckdb"
    shutil.copyfile(first / "gent.duckdb", second_db)
    with duckdb.connect(str(second_db)) as conn:
        dropped = conn.execute("select document_id from marts.dim_document order by file_name limit 1").fetchone()[0]
        for table in ("fct_spending", "fct_staffing"):
            conn.execute(f"delete from marts.{table} where document_id = ?", [dropped])
    clean = root / "r2_clean"
    publish(second_db, clean, manifest)
    return {"first": first, "second_db": second_db, "manifest": manifest, "clean": clean}


@pytest.fixture
def warehouse(releases, tmp_path):
    copy = tmp_path / "warehouse"
    shutil.copytree(releases["first"], copy)
    return copy


def test_the_two_releases_differ(releases):
    assert files(releases["first"])["export/fct_spending.csv"] != files(releases["clean"])["export/fct_spending.csv"]
    assert published(releases["first"])["marts"] != published(releases["clean"])["marts"]


def fail_on_call(monkeypatch, target, name: str, call: int = 1):
    """Make target.name raise ENOSPC on its call-th call (the earlier ones write as usual)."""
    real, calls = getattr(target, name), []

    def writer(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise DISK_FULL
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, writer)
    return calls


def _stage_all(releases, warehouse):
    publish(releases["second_db"], warehouse, releases["manifest"])


@pytest.mark.parametrize("step", ["database", "export", "report", "manifest"])
def test_a_full_disk_at_any_step_leaves_the_previous_release_whole_and_names_the_cause(
    releases, warehouse, monkeypatch, step
):
    from extract import atomic_files
    from serving import snapshot as publish_module
    from serving.open_data import export as exports

    before = files(warehouse)
    if step == "database":
        fail_on_call(monkeypatch, publish_module.os, "fsync")  # the copy is written, its fsync finds the disk full
    elif step == "export":
        fail_on_call(monkeypatch, exports, "_write_csv", call=3)  # a few files in
    elif step == "report":
        fail_on_call(monkeypatch, atomic_files.os, "fdopen")
    else:
        fail_on_call(monkeypatch, release.json, "dump")
    with pytest.raises(release.ReleaseError) as caught:
        _stage_all(releases, warehouse)
    message = str(caught.value)
    assert message.startswith("no space left on device")
    if step != "manifest":
        assert f" MB needed to write {release.WHAT[step]}" in message and "MB free" in message
    assert "the previous release is unchanged" in message
    assert files(warehouse) == before  # every published file as it was, nothing staged left behind


def test_a_failure_becomes_the_steps_reason_in_dagster():
    import dagster as dg

    from orchestration.defs.publishing.assets import as_dagster_failure

    with pytest.raises(dg.Failure) as caught, as_dagster_failure():
        raise release.ReleaseError("no space left on device: 8,7 MB needed to write the open-data exports")
    assert caught.value.description == "no space left on device: 8,7 MB needed to write the open-data exports"


def test_after_a_failed_release_the_next_one_equals_a_clean_release(releases, warehouse, monkeypatch):
    from serving.open_data import export as exports

    fail_on_call(monkeypatch, exports, "_write_csv", call=2)
    with pytest.raises(release.ReleaseError):
        _stage_all(releases, warehouse)
    monkeypatch.undo()
    _stage_all(releases, warehouse)
    assert published(warehouse) == published(releases["clean"])
    assert not [name for name in files(warehouse) if name.startswith(tuple(release.STAGED.values()))]


def test_nothing_staged_is_never_switched(warehouse):
    before = files(warehouse)
    with pytest.raises(release.ReleaseError, match="nothing staged"):
        release.switch(warehouse)
    assert files(warehouse) == before


# ------------------------------------------------------------------ healing (issue 19.4)


def test_a_whole_release_needs_no_healing(warehouse):
    healing = heal(warehouse, warehouse / "build" / "gent.duckdb", warehouse / "gent.duckdb")
    assert (healing.lines, healing.republish) == ([], False)


def test_a_truncated_published_database_is_set_aside_and_republished(warehouse):
    published = warehouse / "gent.duckdb"
    whole = published.stat().st_size
    with open(published, "r+b") as handle:
        handle.truncate(whole // 3)
    healing = heal(warehouse, warehouse / "build" / "gent.duckdb", published)
    assert healing.republish and not published.exists()
    assert (warehouse / ".gent.duckdb.damaged").stat().st_size == whole // 3
    assert "the published database was damaged" in healing.lines[0]


def test_a_published_database_of_the_same_size_but_garbage_is_set_aside(warehouse):
    published = warehouse / "gent.duckdb"
    size = published.stat().st_size
    published.write_bytes(b"\0garbage" * (size // 8) + b"\0" * (size % 8))
    healing = heal(warehouse, warehouse / "build" / "gent.duckdb", published)
    assert healing.republish and not published.exists()


def test_exports_that_differ_from_their_release_are_republished_in_place(warehouse):
    (warehouse / "export" / "fct_spending.csv").write_text("stale\n")  # as a crash between two renames would leave it
    healing = heal(warehouse, warehouse / "build" / "gent.duckdb", warehouse / "gent.duckdb")
    assert healing.republish and (warehouse / "gent.duckdb").exists()  # the database is fine: it stays for readers
    assert "the open-data exports: not what the release wrote" in healing.lines[0]


def test_a_damaged_build_database_is_set_aside(warehouse):
    build = warehouse / "build" / "gent.duckdb"
    build.parent.mkdir()
    build.write_bytes(bytes(range(256)) * 400)
    healing = heal(warehouse, build, warehouse / "gent.duckdb")
    assert not build.exists() and (build.parent / "gent.duckdb.damaged").exists()
    assert "the build database was damaged" in healing.lines[0] and not healing.republish


def test_leftovers_of_a_killed_run_are_removed_and_nothing_else(warehouse):
    before = files(warehouse)
    (warehouse / ".gent.duckdb.publishing").write_bytes(b"half a copy")
    (warehouse / ".export.k3j4.staging").mkdir()
    (warehouse / ".export.k3j4.staging" / "fct_spending.csv").write_text("half")
    (warehouse / ".report.release").mkdir()
    (warehouse / "report" / ".index.abc.html.tmp").write_text("<html")
    removed = remove_leftovers(warehouse)
    assert sorted(removed) == [
        ".export.k3j4.staging",
        ".gent.duckdb.publishing",
        ".report.release",
        "report/.index.abc.html.tmp",
    ]
    assert files(warehouse) == before
