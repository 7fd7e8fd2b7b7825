"""Running the suites in Great Expectations 1.x: an ephemeral context, GX's SQL datasource on
the DuckDB file (duckdb-engine), one query asset per suite, and the Data Docs site.

Importing this module imports great_expectations (seconds): only runner.run_suites does, at
call time.

DuckDB through duckdb-engine, and "Observed: N/A"
---------------------------------------------------
GX's SQL engine runs each metric query in `with engine.connect() as conn: result = conn.execute(q)`
and fetches the rows *after* the block. Closing the connection makes SQLAlchemy roll back, and a
DuckDB connection drops its pending result on ROLLBACK (duckdb-engine's cursor is the connection
itself), so GX fetches nothing: older GX showed "Observed: N/A"; GX 1.24 raises
`MetricResolutionError: list index out of range` for every metric. GX already keeps one persistent
connection for the in-process databases it knows (SQLite, …): `_enable_duckdb_persisted_connection`
puts DuckDB on that list, and tests/test_expectations.py asserts that observed values are numbers.

Why a private attribute: GX 1.24 offers no public switch (the list is consulted inside
`SqlAlchemyExecutionEngine.__init__`, no datasource or context option reaches it), and the public
engine options of SQLAlchemy do not keep the result either: with duckdb-engine 0.17 a query
fetched after `with engine.connect()` gives [] by default, with `pool_reset_on_return=None` and
with `poolclass=StaticPool`, and `isolation_level="AUTOCOMMIT"` is refused by duckdb-engine
(no `set_isolation_level`). Re-check when GX or duckdb-engine is upgraded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier
from great_expectations.execution_engine import sqlalchemy_execution_engine as _sqlee

DOCS_SITE = "gent_warehouse"
RESULTS_FOLDER = ".validation_results"  # GX's JSON validation results, inside the Data Docs folder
# GX lists at most this many unexpected rows (with their lineage) per expectation on SQL; the
# runner says how many more there were.
MAX_ROWS_PER_EXPECTATION = 5000
logging.getLogger("great_expectations").setLevel(logging.ERROR)


class _DuckDBDialect(str):
    """Stands in a GXSqlDialect member for 'duckdb' in GX's persisted-connection list."""

    value = "duckdb"


def _enable_duckdb_persisted_connection() -> None:
    dialects = _sqlee._PERSISTED_CONNECTION_DIALECTS
    if not any(getattr(d, "value", d) == "duckdb" for d in dialects):
        _sqlee._PERSISTED_CONNECTION_DIALECTS = (*dialects, _DuckDBDialect("duckdb"))


def validate(database: Path, plans: list, docs_dir: Path | None, run_name: str) -> dict[str, object]:
    """Validate each suite's query; returns suite → GX ExpectationSuiteValidationResult (or the exception).

    A plan (runner._SuitePlanSpec) has: suite, query (the union of its checks), expectations
    [(check name, checks.Expect)], index_columns (returned for every unexpected row: lineage
    and detail), meta.
    """
    _enable_duckdb_persisted_connection()
    context = gx.get_context(mode="ephemeral", project_config=_context_config(docs_dir))
    source = context.data_sources.add_sql(
        name="warehouse",
        connection_string=f"duckdb:///{database}",
        kwargs={"connect_args": {"read_only": True}},
    )
    results: dict[str, object] = {}
    run_id = gx.core.run_identifier.RunIdentifier(run_name=run_name)
    documented: list = []  # the identifiers of each suite and its result, for the Data Docs
    try:
        for plan in plans:
            try:
                results[plan.suite], identifiers = _validate_one(context, source, plan, run_id)
                documented += identifiers
            except Exception as exc:  # the suite could not run at all: reported as an ERROR by the runner
                results[plan.suite] = exc
        if docs_dir is not None and documented:
            # once for all suites (a checkpoint's UpdateDataDocsAction would rebuild the site's index per suite)
            context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=documented)
    finally:
        _close(source)
    return results


def _context_config(docs_dir: Path | None) -> DataContextConfig:
    """Ephemeral context: suites and definitions live in memory, built from code on every run.

    With Data Docs, validation results are kept as JSON next to the site (RESULTS_FOLDER), so
    the site's index lists the runs before this one too (and per-suite calls from separate
    Dagster checks end up on one site).
    """
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        config.stores[config.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir / RESULTS_FOLDER),
            },
        }
        config.data_docs_sites = {
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        }
    return config


def _validate_one(context, source, plan, run_id) -> tuple[object, list]:
    """(the suite's validation result, the identifiers of the suite and of its stored result)."""
    asset = source.add_query_asset(name=plan.suite, query=plan.query)
    batch = asset.add_batch_definition_whole_table("all rows")
    note = plan.meta.get("note")  # a non-blocking suite: what its "Failed" means, on its pages of the Data Docs
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=plan.suite,
            meta=plan.meta,
            notes=f"A failed expectation of this suite is a WARN ({note}), as in the terminal, the Dagster UI and the overview report."
            if note
            else None,
        )
    )
    for check, spec in plan.expectations:
        cls = getattr(gxe, spec.type)
        warn = f"WARN if unmet ({note}). " if note and spec.severity == "warning" else ""
        suite.add_expectation(
            cls(
                **spec.kwargs,
                severity=spec.severity,
                description=(warn + (spec.description or "")) or None,
                meta={"check": check, "expectation": spec.name},
            )
        )
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=plan.suite, data=batch, suite=suite))
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=plan.suite,
            validation_definitions=[definition],
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": plan.index_columns,
                "partial_unexpected_count": MAX_ROWS_PER_EXPECTATION,
            },
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = checkpoint.run(run_id=run_id)
    ((result_id, result),) = outcome.run_results.items()
    return result, [result_id, ExpectationSuiteIdentifier(name=plan.suite)]


def _close(source) -> None:
    """Release the DuckDB file: the runner writes quality.quality_runs with a read-write connection next.

    Also empties SQLAlchemy's statement and type caches: they hold DuckDB type objects (from
    cursor descriptions) that would otherwise outlive the duckdb module at interpreter exit, which
    nanobind reports as "leaked instances".
    """
    engines = []
    with contextlib.suppress(Exception):  # best effort
        execution_engine = source.get_execution_engine()
        connection = getattr(execution_engine, "_connection", None)
        if connection is not None:
            connection.close()
            execution_engine._connection = None
        engines.append(execution_engine.engine)
    with contextlib.suppress(Exception):
        engines.append(source.get_engine())
    for engine in engines:
        try:
            engine.dispose()
            if getattr(engine, "_compiled_cache", None) is not None:
                engine._compiled_cache.clear()
            engine.dialect._type_memos.clear()  # result processors keyed by DuckDB type objects
        except Exception:  # pragma: no cover
            pass
