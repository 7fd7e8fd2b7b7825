"""What the warehouse holds right now: which relations exist and their columns.

The checks are SQL over the warehouse. Mart-only checks ask the catalog for their relations
and columns and are skipped, with the reason, when the marts are not built (or a column they
need is not there), so that suites 1-2 and the raw parts of 3-5 run on a raw-only warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb


class Skip(Exception):
    """Raised by a check's SQL builder: the check cannot run on this warehouse (reason in args[0])."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Catalog:
    database: str  # DuckDB catalog name of the main database (the file's stem)
    columns: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, conn: duckdb.DuckDBPyConnection) -> Catalog:
        database = conn.execute("select current_database()").fetchone()[0]
        rows = conn.execute(
            """select table_schema, table_name, column_name
               from information_schema.columns
               where table_catalog = current_database()
               order by table_schema, table_name, ordinal_position"""
        ).fetchall()
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in rows:
            columns.setdefault((schema, table), []).append(column)
        return cls(database, columns)

    def has(self, schema: str, table: str) -> bool:
        return (schema, table) in self.columns

    def has_marts(self) -> bool:
        return any(schema == "marts" for schema, _ in self.columns)

    def rel(self, schema: str, table: str) -> str:
        """Fully qualified name: a database file called e.g. marts.duckdb would make `marts.x` ambiguous."""
        return f"{_quote(self.database)}.{_quote(schema)}.{_quote(table)}"

    def raw(self, table: str) -> str:
        return self.rel("raw", table)

    def require(self, schema: str, table: str) -> str:
        if not self.has(schema, table):
            if schema == "marts" and not self.has_marts():
                raise Skip("marts not built")
            raise Skip(f"{schema}.{table} not built")
        return self.rel(schema, table)

    def column(self, schema: str, table: str, *candidates: str, required: bool = True) -> str | None:
        """The first of the candidate column names the relation has (quoted)."""
        present = self.columns.get((schema, table), [])
        for name in candidates:
            if name in present:
                return _quote(name)
        if required:
            raise Skip(f"{schema}.{table} has no column {' / '.join(candidates)}")
        return None
