"""Each suite's query run once, into a table of a scratch database that Great Expectations then reads.

GX resolves every expectation's metrics with queries of their own over the suite's query asset:
over the checks' SQL itself (joins and sums over the whole warehouse) that repeats the heavy
work once per metric, and the memory of DuckDB inside GX's connection grew with the warehouse
(1,36 GB for the reconciliation suite at 100 reports, BENCHMARKS.md). Here DuckDB runs each
suite's union once, within MEMORY_LIMIT (spilling to the scratch folder beyond it), and GX
validates `select * from <suite>`: a table of one row per checked unit.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .sql_numbers import register as register_sql_numbers

SCRATCH_CATALOG = "gx_suite_rows"  # the scratch file's stem: DuckDB names the catalog after it
MEMORY_LIMIT = "384MB"  # DuckDB's share of the process; the suites' queries spill beyond it


@contextmanager
def scratch_database(database: Path):
    """A scratch DuckDB file beside `database` (same disk, no size limit of /tmp), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=".quality-", dir=database.parent))
    try:
        yield folder / f"{SCRATCH_CATALOG}.duckdb"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def materialise(database: Path, catalog: str, scratch: Path, queries: dict[str, str]) -> dict[str, str]:
    """Run each suite's query once into a table of `scratch`; suite -> its error (the suites that failed).

    The warehouse is attached read-only under its own catalog name (`catalog`, which the checks'
    SQL names) and made the default catalog.
    """
    errors: dict[str, str] = {}
    conn = duckdb.connect(str(scratch), config={"memory_limit": MEMORY_LIMIT, "preserve_insertion_order": False})
    register_sql_numbers(conn)
    try:
        conn.execute(f"ATTACH '{database}' AS \"{catalog}\" (READ_ONLY)")
        conn.execute(f'USE "{catalog}"')
        for suite, query in queries.items():
            try:
                conn.execute(f'CREATE TABLE {SCRATCH_CATALOG}.main."{suite}" AS {query}')
            except duckdb.Error as exc:
                errors[suite] = str(exc).splitlines()[0]
    finally:
        conn.close()
    return errors


def rows_per_check(scratch: Path, suite: str) -> dict[str, int]:
    """check name -> rows it gave (the number of units it checked)."""
    conn = duckdb.connect(str(scratch), read_only=True)
    try:
        return dict(conn.execute(f'SELECT check_name, count(*) FROM "{suite}" GROUP BY ALL').fetchall())
    finally:
        conn.close()
