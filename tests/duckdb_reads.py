"""Reading a test's DuckDB file the way a BI reader does: read-only, one connection per query."""

from __future__ import annotations

from pathlib import Path

import duckdb


def read_only_query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()
