"""Each suite's query run once, into a table of a scratch database that Great Expectations then reads.

GX resolves every expectation's metrics with queries of their own over the suite's query asset:
over the checks' SQL itself (joins and sums over the whole warehouse) that repeats the heavy
work once per metric, and the memory of DuckDB inside GX's connection grew with the warehouse
(1,36 GB for the reconciliation suite at 100 reports, BENCHMARKS.md). Here DuckDB runs each
suite's union once, within MEMORY_LIMIT (spilling to the scratch folder beyond it), and GX
validates `select * from <suite>`: a table of one row per checked unit.

A suite whose checks compare rows within one document (PER_DOCUMENT) is run in batches of
BATCH documents: the warehouse's tables are seen through views that keep the batch's rows,
so DuckDB's working set is a batch's whatever the number of reports. (The reconciliation
suite's query run whole needed ~370 MB at 100 reports and ran out of the limit in a build:
its ordered string_agg and full outer join do not spill.)
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
THREADS = 2  # each DuckDB thread holds buffers of its own: more threads, more memory for little gain here
RECONCILIATION_ROWS = "reconciliation_rows"  # checks.reconciliation_sql's rows, for quality_runs' per-document counts
PER_DOCUMENT = {"reconciliation", RECONCILIATION_ROWS}  # every row within one document (parents vs children)
BATCH = 10  # documents per query of a PER_DOCUMENT suite
WAREHOUSE = "gx_warehouse"  # the warehouse's catalog name while a PER_DOCUMENT suite reads it through views
DOCUMENTS = "gx_documents"  # the DuckDB variable holding a batch's document ids


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
    SQL names) and made the default catalog; a PER_DOCUMENT suite then reads it in batches.
    """
    errors: dict[str, str] = {}
    spill = scratch.parent / "spill"  # explicit: the default beside the scratch file is not guaranteed
    config = {
        "memory_limit": MEMORY_LIMIT,
        "preserve_insertion_order": False,
        "temp_directory": str(spill),
        "threads": THREADS,
    }
    conn = duckdb.connect(str(scratch), config=config)
    register_sql_numbers(conn)
    try:
        conn.execute(f"ATTACH '{database}' AS \"{catalog}\" (READ_ONLY)")
        conn.execute(f'USE "{catalog}"')
        whole = {suite: query for suite, query in queries.items() if suite not in PER_DOCUMENT}
        for suite, query in whole.items():
            _run(conn, errors, suite, [f'CREATE TABLE {SCRATCH_CATALOG}.main."{suite}" AS {query}'])
        batched = {suite: query for suite, query in queries.items() if suite in PER_DOCUMENT}
        if batched:
            batches = _batches_through_views(conn, database, catalog)
            for suite, query in batched.items():
                table = f'{SCRATCH_CATALOG}.main."{suite}"'
                statements = [f"CREATE TABLE {table} AS SELECT * FROM ({query}) LIMIT 0"]
                for batch in batches:
                    statements += [(f"SET VARIABLE {DOCUMENTS} = ?", batch), f"INSERT INTO {table} {query}"]
                _run(conn, errors, suite, statements)
    finally:
        conn.close()
    return errors


def _run(conn: duckdb.DuckDBPyConnection, errors: dict[str, str], suite: str, statements: list) -> None:
    """Run a suite's statements (SQL, or (SQL, parameters)); its first error recorded under its name."""
    try:
        for statement in statements:
            sql, *parameters = statement if isinstance(statement, tuple) else (statement,)
            conn.execute(sql, parameters or None)
    except duckdb.Error as exc:
        errors[suite] = str(exc).splitlines()[0]


def _batches_through_views(conn: duckdb.DuckDBPyConnection, database: Path, catalog: str) -> list[list[str]]:
    """Re-attach the warehouse as WAREHOUSE and make `catalog` an in-memory catalog of views over
    it, each table with a document_id keeping the rows of the documents in the DOCUMENTS variable;
    the batches of document ids, over every table that has them."""
    conn.execute(f"USE {SCRATCH_CATALOG}")
    conn.execute(f'DETACH "{catalog}"')
    conn.execute(f"ATTACH '{database}' AS {WAREHOUSE} (READ_ONLY)")
    conn.execute(f"ATTACH ':memory:' AS \"{catalog}\"")
    tables = conn.execute(
        f"""select schema_name, table_name, list_contains(list(column_name), 'document_id')
            from duckdb_columns() where database_name = '{WAREHOUSE}' group by all"""
    ).fetchall()
    with_documents = []
    for schema, table, has_documents in tables:
        source = f'{WAREHOUSE}."{schema}"."{table}"'
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{catalog}"."{schema}"')
        keep = f" WHERE document_id IN (SELECT unnest(getvariable('{DOCUMENTS}')))" if has_documents else ""
        conn.execute(f'CREATE VIEW "{catalog}"."{schema}"."{table}" AS SELECT * FROM {source}{keep}')
        with_documents += [source] if has_documents else []
    conn.execute(f'USE "{catalog}"')
    union = " UNION ".join(f"SELECT DISTINCT document_id FROM {source}" for source in with_documents)
    ids = [row[0] for row in conn.execute(f"SELECT * FROM ({union}) ORDER BY 1").fetchall()] if union else []
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def rows_per_check(scratch: Path, suite: str) -> dict[str, int]:
    """check name -> rows it gave (the number of units it checked)."""
    conn = duckdb.connect(str(scratch), read_only=True)
    try:
        return dict(conn.execute(f'SELECT check_name, count(*) FROM "{suite}" GROUP BY ALL').fetchall())
    finally:
        conn.close()
