"""The project's one Belgian number formatter (extract.number_format) as a SQL function of the checks.

A check's `detail` is part of the rows Great Expectations validates and lists, so its numbers are
written inside the suite's query; the query calls this function instead of spelling the format out
in SQL a second time. Register it on every connection that binds or runs the checks' SQL.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
from duckdb.sqltypes import INTEGER, VARCHAR

from extract.number_format import belgian

FUNCTION = "belgian_number"


def _belgian(value: str, decimals: int) -> str:
    return belgian(Decimal(value), decimals)


def register(conn: duckdb.DuckDBPyConnection) -> None:
    """Add belgian_number(value, decimals) to `conn`; null in gives null out (DuckDB's default)."""
    conn.create_function(FUNCTION, _belgian, [VARCHAR, INTEGER], VARCHAR, side_effects=False)


def belgian_sql(expr: str, decimals: str) -> str:
    """SQL writing the number `expr` as the reports print it, with `decimals` (an SQL integer) places."""
    return f"{FUNCTION}(cast({expr} as varchar), {decimals})"
