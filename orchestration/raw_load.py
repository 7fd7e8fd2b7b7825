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
    return {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.bool_(): "BOOLEAN"}[t]


def ensure_raw_schema(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    for name, schema in SCHEMAS.items():
        columns = ", ".join(f'"{f.name}" {_duck_type(f)}' for f in schema)
        conn.execute(f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.{name} ({columns})")


def replace_document(conn: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> list[str]:
    """Replace one document's rows; returns the document_ids whose rows were removed."""
    ensure_raw_schema(conn)
    document = tables["documents"].to_pylist()[0]
    conn.execute("BEGIN TRANSACTION")
    try:
        stale = [r[0] for r in conn.execute(
            f"SELECT document_id FROM {RAW_SCHEMA}.documents WHERE document_id = ? OR file_name = ?",
            [document["document_id"], document["file_name"]],
        ).fetchall()]
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
    """Remove every row of the document loaded from file_name (a report removed from the inbox)."""
    ensure_raw_schema(conn)
    ids = [r[0] for r in conn.execute(f"SELECT document_id FROM {RAW_SCHEMA}.documents WHERE file_name = ?", [file_name]).fetchall()]
    conn.execute("BEGIN TRANSACTION")
    for name in RAW_TABLES:
        conn.execute(f"DELETE FROM {RAW_SCHEMA}.{name} WHERE document_id IN (SELECT unnest(?))", [ids])
    conn.execute("COMMIT")
    return len(ids)
