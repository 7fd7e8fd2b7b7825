"""Publish the built warehouse atomically for readers (BI tools, notebooks).

The build database is copied next to the published file and renamed over it: a reader
never sees a half-written file, and one that has the old file open keeps its consistent
view (the old inode lives until it closes).

The copy is not a byte copy: the build database is written by DuckDB 2.x in a storage format
1.x readers refuse ("version number 69 ... can only read versions between 64 and 68"), and the
DuckDB CLI, DBeaver's and Metabase's drivers are 1.x builds. `COPY FROM DATABASE` into a file
attached with an old STORAGE_VERSION writes every schema, table, view and comment in a format
every reader since DuckDB 1.0 opens (storage version 64).

Personal names (the aldermen a 2021 report names) stay out of the published copy unless the
switch of the open-data exports says otherwise (`GENT_EXPORT_PERSONAL_DATA=1`): the build
database keeps them, the file every BI user reads does not.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from extract.atomic_files import fsync_folder

# File header version 64, the lowest DuckDB 2.0 writes: read by every DuckDB since 1.0 (1.4 and 1.5 CLIs tested).
STORAGE_VERSION = "v1.0.0"
COPY_MEMORY_LIMIT = "256MB"  # DuckDB's share while the readers' copy is written (it spills beyond it)


def _sql_string(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _remove(database: Path) -> None:
    for path in (database, database.with_name(database.name + ".wal")):
        path.unlink(missing_ok=True)


PERSONAL_NAMES_TABLE = ("raw", "responsibles")  # the aldermen named by the 2021 report
REDACTED = "[naam weggelaten]"


def _leave_out_personal_names(conn, database: str) -> int:
    """Empty the table of personal names in the copy, and replace each name wherever a table
    of the copy still prints it (the lineage `raw_text` of a plan header, a paragraph): the
    same rule as the open-data exports, so a BI user sees no name unless the switch says so.
    Returns how many cells were rewritten."""
    schema, table = PERSONAL_NAMES_TABLE
    exists = conn.execute(
        "select count(*) from information_schema.tables where table_catalog = ? and table_schema = ? "
        "and table_name = ?",
        [database, schema, table],
    ).fetchone()[0]
    if not exists:
        return 0
    names = [
        n
        for (n,) in conn.execute(
            f"select distinct name from {_quote(database)}.{schema}.{table} where name is not null"
        ).fetchall()
    ]
    conn.execute(f"delete from {_quote(database)}.{schema}.{table}")
    columns = conn.execute(
        "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
        "join information_schema.tables t using (table_catalog, table_schema, table_name) "
        "where c.table_catalog = ? and t.table_type = 'BASE TABLE' and c.data_type = 'VARCHAR'",
        [database],
    ).fetchall()
    rewritten = 0
    for name in sorted(names, key=len, reverse=True):
        for schema_name, table_name, column in columns:
            target, col = f"{_quote(database)}.{_quote(schema_name)}.{_quote(table_name)}", _quote(column)
            rewritten += conn.execute(
                f"update {target} set {col} = replace({col}, ?, ?) where contains({col}, ?)", [name, REDACTED, name]
            ).fetchone()[0]
    return rewritten


def copy_database(build_db: Path, target: Path, include_personal_data: bool = False) -> Path:
    """Write the readers' copy of the build database to `target` (replaced), fsynced; a failure
    leaves no `target` behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove(target)  # of a killed run
    # through the build database's own connection: a process that holds it open (dbt's adapter)
    # shares its instance, a second instance on the same file would be refused
    conn = duckdb.connect(str(build_db))
    limit = conn.execute("select current_setting('memory_limit')").fetchone()[0]
    try:
        # COPY FROM DATABASE buffers the copy up to DuckDB's limit (80 % of RAM by default): the
        # publish step took the build's main process past 1 GB at 100 reports. Bounded, it spills.
        conn.execute(f"SET memory_limit = '{COPY_MEMORY_LIMIT}'")
        conn.execute("CHECKPOINT")  # everything in the main file, nothing left in the WAL
        build = conn.execute("select current_database()").fetchone()[0]
        conn.execute(f"ATTACH {_sql_string(target)} AS gent_publishing (STORAGE_VERSION '{STORAGE_VERSION}')")
        try:
            conn.execute(f"COPY FROM DATABASE {_quote(build)} TO gent_publishing")
            if not include_personal_data:
                _leave_out_personal_names(conn, "gent_publishing")
        finally:
            conn.execute("DETACH gent_publishing")  # checkpoints: the whole database in the file, no WAL
        with open(target, "rb") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        _remove(target)
        raise
    finally:
        conn.execute(f"SET memory_limit = '{limit}'")  # (a shared instance keeps its own setting)
        conn.close()
    return target


def publish_database(build_db: Path, published_db: Path, include_personal_data: bool = False) -> Path:
    """The copy alone, renamed over `published_db` (the pipeline publishes a whole release: serving.release)."""
    staging = copy_database(build_db, published_db.with_name(f".{published_db.name}.publishing"), include_personal_data)
    os.replace(staging, published_db)
    fsync_folder(published_db.parent)
    return published_db
