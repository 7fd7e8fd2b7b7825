"""Which code built the build database's incremental marts, and so whether dbt may build incrementally.

The per-document models are incremental (dbt_project/macros/incremental_by_document.sql): they
build only the documents they lack. That is right only while the models, seeds and extractor
version are those that built their rows; `raw.mart_code` names that code once a full rebuild
by it succeeded. Any other code (or none recorded: a new or healed database) gets
`dbt build --full-refresh`; the record is cleared before it starts, so that a rebuild that
fails half-way is done again in full.
"""

from __future__ import annotations

import duckdb

from extract import EXTRACTOR_VERSION

from .fingerprint import MART_CODE_PARTS, code_hash
from .raw_load import RAW_SCHEMA, ensure_raw_schema

MART_CODE = f"{RAW_SCHEMA}.mart_code"  # one row at most: the code whose full rebuild the marts descend from


def mart_code() -> str:
    return f"{code_hash(MART_CODE_PARTS)}:{EXTRACTOR_VERSION}"


def start_build(conn: duckdb.DuckDBPyConnection, code: str, force_full: bool = False) -> bool:
    """True when this build must be a full refresh (and then the record is cleared until it succeeds)."""
    ensure_raw_schema(conn)
    recorded = conn.execute(f"SELECT code FROM {MART_CODE}").fetchall()
    full = force_full or recorded != [(code,)]
    if full:
        conn.execute(f"DELETE FROM {MART_CODE}")
    return full


def full_build_succeeded(conn: duckdb.DuckDBPyConnection, code: str) -> None:
    conn.execute(f"DELETE FROM {MART_CODE}")
    conn.execute(f"INSERT INTO {MART_CODE} VALUES (?, now())", [code])
