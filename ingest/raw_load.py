"""Load extracted rows into the warehouse's `raw` schema, one document at a time.

Idempotent: a document's rows (and those of any earlier edition loaded from the same file
name) are deleted and inserted in one transaction, so a re-run never duplicates rows and a
failure leaves the previous rows in place.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from extract.records import SCHEMAS

RAW_SCHEMA = "raw"
RAW_TABLES = tuple(SCHEMAS)  # documents, nodes, responsibles, budget_lines, …


def _duck_type(field: pa.Field) -> str:
    t = field.type
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision}, {t.scale})"
    if pa.types.is_list(t):
        return _duck_type(t.value_field) + "[]"
    return {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.bool_(): "BOOLEAN"}[t]


# Bookkeeping beside the extracted rows: which file was loaded when, and what was refused.
BOOKKEEPING = {
    "load_history": "file_name VARCHAR, document_id VARCHAR, extractor_version VARCHAR, action VARCHAR, recorded_at TIMESTAMP",
    "quarantine": "file_name VARCHAR, document_id VARCHAR, reason VARCHAR, recorded_at TIMESTAMP",
    "publications": "code_hash VARCHAR, published_at TIMESTAMP",  # which code built each published snapshot
    # what a file refused for an overlap reports (ingest.identity): weighed again without extracting it
    "refused_identities": "file_name VARCHAR, document_id VARCHAR, report_year BIGINT, leaves VARCHAR[], "
    "content VARCHAR, recorded_at TIMESTAMP",
    "mart_code": "code VARCHAR, recorded_at TIMESTAMP",  # which code rebuilt the incremental marts (mart_builds.py)
}
DUPLICATE_REASON = "same content as"  # how raw.quarantine names a second copy of a loaded report


def ensure_raw_schema(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    present = set(
        conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?", [RAW_SCHEMA]
        ).fetchall()
    )
    tables = {table for table, _ in present}
    for name, schema in SCHEMAS.items():
        columns = ", ".join(f'"{f.name}" {_duck_type(f)}' for f in schema)
        conn.execute(f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.{name} ({columns})")
        # A build database made by an older extractor gains the columns added since (its
        # documents are extracted again: the extractor version changed).
        for f in schema:
            if name in tables and (name, f.name) not in present:
                conn.execute(f'ALTER TABLE {RAW_SCHEMA}.{name} ADD COLUMN "{f.name}" {_duck_type(f)}')
    for name, columns in BOOKKEEPING.items():
        conn.execute(f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.{name} ({columns})")


def load_decision(
    conn: duckdb.DuckDBPyConnection, file_name: str, document_id: str, extractor_version: str, present: dict[str, str]
) -> tuple[str, str | None]:
    """('load', None), ('unchanged', None) or ('duplicate', other file name) for a file about to be loaded.

    Unchanged: the same bytes were loaded from this file by this extractor version (the
    content hash is the document_id). Duplicate: the same bytes are loaded under another
    name that is still in the inbox with these bytes (`present`: file name -> sha256, "" when
    not read): one report is loaded once.
    """
    ensure_raw_schema(conn)
    rows = conn.execute(
        f"SELECT file_name, extractor_version FROM {RAW_SCHEMA}.documents WHERE document_id = ?", [document_id]
    ).fetchall()
    for other, version in rows:
        if other == file_name:
            return ("unchanged", None) if version == extractor_version else ("load", None)
        if present.get(other) == document_id:
            return "duplicate", other
    return "load", None


def record(conn: duckdb.DuckDBPyConnection, table: str, file_name: str, document_id: str | None, detail: str) -> None:
    """Append to raw.load_history (detail = extractor version and action) or raw.quarantine (detail = reason)."""
    ensure_raw_schema(conn)
    if table == "quarantine":
        forget_refusal(conn, file_name)
        conn.execute(f"INSERT INTO {RAW_SCHEMA}.quarantine VALUES (?, ?, ?, now())", [file_name, document_id, detail])
    else:
        version, action = detail.split(":", 1)
        conn.execute(
            f"INSERT INTO {RAW_SCHEMA}.load_history VALUES (?, ?, ?, ?, now())",
            [file_name, document_id, version, action],
        )


def release_from_quarantine(conn: duckdb.DuckDBPyConnection, file_name: str) -> None:
    ensure_raw_schema(conn)
    forget_refusal(conn, file_name)


def forget_refusal(conn: duckdb.DuckDBPyConnection, file_name: str) -> None:
    """Remove a file's quarantine entry and the identity kept with it."""
    conn.execute(f"DELETE FROM {RAW_SCHEMA}.quarantine WHERE file_name = ?", [file_name])
    conn.execute(f"DELETE FROM {RAW_SCHEMA}.refused_identities WHERE file_name = ?", [file_name])


def replace_document(
    conn: duckdb.DuckDBPyConnection,
    tables: dict[str, pa.Table],
    supersedes: tuple[str, ...] = (),
    evicts: tuple[str, ...] = (),
) -> list[str]:
    """Replace one document's rows; returns the document_ids whose rows were removed.

    `supersedes`: document_ids of older editions loaded from other files, `evicts`: of loaded
    documents that overlap it and are not kept (see `ingest.identity`); they leave in the
    same transaction, recorded as 'superseded' and 'overlapped'.
    """
    supersedes = (*supersedes, *evicts)
    ensure_raw_schema(conn)
    document = tables["documents"].to_pylist()[0]
    conn.execute("BEGIN TRANSACTION")
    try:
        rows = conn.execute(
            f"SELECT document_id, file_name, extractor_version FROM {RAW_SCHEMA}.documents "
            "WHERE document_id = ? OR file_name = ? OR document_id IN (SELECT unnest(?))",
            [document["document_id"], document["file_name"], list(supersedes)],
        ).fetchall()
        stale = [r[0] for r in rows]
        for document_id, file_name, version in rows:  # the same bytes loaded under another name (a rename),
            if file_name != document["file_name"]:  # or an older edition: that file leaves the warehouse
                action = (
                    "overlapped" if document_id in evicts else "superseded" if document_id in supersedes else "dropped"
                )
                conn.execute(
                    f"INSERT INTO {RAW_SCHEMA}.load_history VALUES (?, ?, ?, ?, now())",
                    [file_name, document_id, version, action],
                )
        for name in RAW_TABLES:
            if stale:
                conn.execute(f"DELETE FROM {RAW_SCHEMA}.{name} WHERE document_id IN (SELECT unnest(?))", [stale])
            data = tables[name]
            conn.register("incoming", data)
            columns = ", ".join(f'"{c}"' for c in data.column_names)
            conn.execute(f"INSERT INTO {RAW_SCHEMA}.{name} ({columns}) SELECT {columns} FROM incoming")
            conn.unregister("incoming")
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return stale


def drop_document(conn: duckdb.DuckDBPyConnection, file_name: str) -> int:
    """Remove every row of the document loaded from file_name (a report removed from the inbox).

    Its quarantine entry goes too, and raw.load_history records the departure: a file put
    back later is a new arrival (its sensor run key counts departures).
    """
    ensure_raw_schema(conn)
    rows = conn.execute(
        f"SELECT document_id, extractor_version FROM {RAW_SCHEMA}.documents WHERE file_name = ?", [file_name]
    ).fetchall()
    refused = conn.execute(
        f"SELECT document_id FROM {RAW_SCHEMA}.quarantine WHERE file_name = ?", [file_name]
    ).fetchall()
    ids = [r[0] for r in rows]
    if not rows and not refused:
        return 0
    conn.execute("BEGIN TRANSACTION")
    try:
        for name in RAW_TABLES:
            conn.execute(f"DELETE FROM {RAW_SCHEMA}.{name} WHERE document_id IN (SELECT unnest(?))", [ids])
        forget_refusal(conn, file_name)
        document_id, version = rows[0] if rows else (refused[0][0], None)
        conn.execute(
            f"INSERT INTO {RAW_SCHEMA}.load_history VALUES (?, ?, ?, 'dropped', now())",
            [file_name, document_id, version],
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return len(ids)


def record_publication(conn: duckdb.DuckDBPyConnection, code_hash: str) -> None:
    """Note in the database about to be published which code built it."""
    ensure_raw_schema(conn)
    conn.execute(f"INSERT INTO {RAW_SCHEMA}.publications VALUES (?, now())", [code_hash])
