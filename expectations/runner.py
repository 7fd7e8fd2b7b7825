"""run_suites: validate the warehouse with the five suites and report per suite.

The API the Dagster asset checks call; `python -m expectations` is the same for a person.
No Great Expectations import at module level (see gx_backend.py for why it is deferred).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from extract.number_format import belgian

from . import SUITES
from .catalog import Catalog, Skip
from .checks import BLOCKING, COMMON_COLUMNS, SUITE_TITLES, VERSION, Check, checks_of, reconciliation_sql
from .materialise import RECONCILIATION_ROWS, materialise, rows_per_check, scratch_database
from .offline_docs import make_offline
from .sql_numbers import register as register_sql_numbers

SEVERITY_ORDER = {"OK": 0, "WARN": 1, "ERROR": 2}


@dataclass
class SuiteResult:
    suite: str  # 'completeness' | 'cell_consistency' | 'reconciliation' | 'conservation' | 'semantics'
    blocking: bool  # True for 1, 2, 4, 5; False for reconciliation
    passed: bool  # nothing blocking went wrong (reconciliation: gaps alone still pass, as WARN)
    severity: str  # 'ERROR' | 'WARN' | 'OK'
    statistics: dict = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)  # each: document, page, line, message, …
    skipped: list[str] = field(default_factory=list)
    could_not_run: str | None = None  # why the suite did not run at all (no finding: nothing was checked)

    @property
    def title(self) -> str:
        return SUITE_TITLES.get(self.suite, self.suite)

    @property
    def verdict(self) -> str:
        """The one sentence every surface shows for this suite (terminal, UI, Data Docs, report)."""
        if self.could_not_run:
            return could_not_run_verdict(self.suite, self.could_not_run)
        return verdict(self.suite, self.severity, self.statistics, len(self.failures))


# What a WARN of a suite that does not block publication means: shown wherever "failed" could be read.
NON_BLOCKING_NOTE = (
    "non-blocking: these are findings in the reports themselves, listed with document, page "
    "and line; the warehouse is still published"
)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def could_not_run_verdict(suite: str, reason: str) -> str:
    """A suite that did not run checked nothing: it is no finding. Its ERROR blocks publication
    only when the suite is blocking, and the sentence says which."""
    tail = "blocking: not published" if BLOCKING.get(suite, True) else "non-blocking: published without this suite"
    return f"ERROR — could not run: {reason} ({tail})"


def could_not_run(suite: str, reason: str, skipped: list[str] | None = None) -> SuiteResult:
    """The result of a suite that could not run (an ERROR, never passed: a blocking one blocks)."""
    counts = ("evaluated_expectations", "successful_expectations", "unsuccessful_expectations", "failures")
    statistics = {**dict.fromkeys(counts, 0), "errors": 0, "warnings": 0, "expectations": [], "could_not_run": reason}
    return SuiteResult(suite, BLOCKING[suite], False, "ERROR", statistics, [], list(skipped or []), reason)


class QueryFailed(RuntimeError):
    """A suite's query failed in DuckDB (materialise); the message is DuckDB's first line."""


def verdict(suite: str, severity: str, statistics: dict, failures: int) -> str:
    """`OK — 12 of 12 expectations met`, `WARN — 54 gaps in the reports' own arithmetic, 6 cells not
    printed (non-blocking: …)`, `ERROR — 3 failures (blocking: not published)`."""
    if severity == "OK" and suite == "reconciliation":
        return "OK — no gaps in the reports' own arithmetic"
    if severity == "OK":
        return (
            f"OK — {statistics.get('successful_expectations', 0)} of "
            f"{statistics.get('evaluated_expectations', 0)} expectations met"
        )
    parts = []
    if suite == "reconciliation":
        gaps, not_printed = statistics.get("gaps", 0), statistics.get("not_printed_cells", 0)
        if gaps:
            parts.append(_count(gaps, "gap in the reports' own arithmetic", "gaps in the reports' own arithmetic"))
        if not_printed:
            parts.append(_count(not_printed, "cell not printed", "cells not printed"))
        failures -= gaps + not_printed
    if failures > 0 or not parts:
        parts.append(
            _count(failures, "other finding" if parts else "finding", "other findings" if parts else "findings")
        )
    if severity == "ERROR":
        tail = "blocking: not published" if BLOCKING.get(suite, True) else "non-blocking: still published"
    else:
        tail = NON_BLOCKING_NOTE if not BLOCKING.get(suite, True) else "warnings only: published"
    return f"{severity} — {', '.join(parts)} ({tail})"


def run_suites(
    database: str | Path | None = None,
    suites: list[str] | None = None,
    data_docs_dir: Path | None = None,
    record_run: bool = True,
    run_id: str | None = None,
    *,
    data_docs: bool = True,
) -> list[SuiteResult]:
    """Validate `database` (default: the settings' build database, GENT_BUILD_DB) with the given
    suites (default all five).

    The database is opened read-only for the validation. Data Docs go to `data_docs_dir`
    (default: the settings' GENT_GX_DOCS_DIR or <GENT_WAREHOUSE_DIR>/gx; `data_docs=False`: none). With
    `record_run`, one row per document is appended to quality.quality_runs in the same
    database (read-write, after the validation has released the file).
    """
    started = time.monotonic()
    settings = _settings() if database is None or (data_docs and not data_docs_dir) else None
    database = Path(database or settings.build_db).resolve()
    if not database.is_file():
        raise FileNotFoundError(f"warehouse database not found: {database}")
    wanted = list(suites or SUITES)
    unknown = [s for s in wanted if s not in SUITES]
    if unknown:
        raise ValueError(f"unknown suite(s) {unknown}; known: {', '.join(SUITES)}")
    run_id = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
    run_at = datetime.now(UTC).replace(tzinfo=None)
    docs_dir = (Path(data_docs_dir) if data_docs_dir else settings.data_docs_dir).resolve() if data_docs else None

    conn = duckdb.connect(str(database), read_only=True)
    register_sql_numbers(conn)  # _prepare binds the checks' SQL here
    try:
        catalog = Catalog.read(conn)
        prepared = {suite: _prepare(conn, catalog, suite) for suite in wanted}
        documents = _document_statistics(conn, catalog)
    finally:
        conn.close()

    outcomes: dict[str, object] = {}
    with scratch_database(database) as scratch:
        plans = [p.plan for p in prepared.values() if p.plan is not None]
        queries = {plan.suite: plan.query for plan in plans}
        if documents:  # quality_runs' per-document statuses and gaps, in the scratch's memory limit
            queries[RECONCILIATION_ROWS] = reconciliation_sql(catalog)
        failed = materialise(database, catalog.database, scratch, queries)
        if documents and failed.pop(RECONCILIATION_ROWS, None) is None:
            _reconciliation_by_document(scratch, documents)
        outcomes.update({suite: QueryFailed(reason) for suite, reason in failed.items()})
        plans = [plan.on_table() for plan in plans if plan.suite not in failed]
        for plan in plans:
            prepared[plan.suite].rows.update({c.name: 0 for c in prepared[plan.suite].checks})
            prepared[plan.suite].rows.update(rows_per_check(scratch, plan.suite))
        if plans:
            from .gx_backend import validate  # imports great_expectations (seconds)

            outcomes.update(validate(scratch, plans, docs_dir, run_id))
            if docs_dir is not None:
                make_offline(docs_dir)  # GX's pages load their CSS and scripts from CDNs
    results = [_result(suite, prepared[suite], outcomes.get(suite)) for suite in wanted]
    elapsed = round(time.monotonic() - started, 2)
    index = docs_dir / "index.html" if docs_dir is not None and (docs_dir / "index.html").exists() else None
    for result in results:
        result.statistics["run_id"] = run_id
        result.statistics["seconds"] = elapsed
        if index:
            result.statistics["data_docs"] = str(index)
    if record_run:
        from .quality import record_run as _record

        _record(database, run_id, run_at, results, documents)
    return results


def _settings():
    """The warehouse's settings (ingest.config: the one reader of the environment), for the defaults."""
    from ingest.config import Settings  # here: it imports pyarrow, which the checks need only then

    return Settings.from_env()


# ---------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    plan: Any  # _SuitePlanSpec | None (nothing to validate)
    checks: list[Check]
    skipped: list[str]
    errors: list[dict]
    rows: dict[str, int]  # check → rows checked


def _prepare(conn: duckdb.DuckDBPyConnection, catalog: Catalog, suite: str) -> _Prepared:
    """Build the suite's union query from the checks that can run on this warehouse."""
    active: list[tuple[Check, str]] = []
    skipped: list[str] = []
    errors: list[dict] = []
    rows: dict[str, int] = {}
    if not catalog.has("raw", "documents"):
        errors.append(
            _failure(
                suite,
                "raw",
                "raw",
                "ERROR",
                "the warehouse has no raw schema (raw.documents missing): nothing to validate",
            )
        )
        return _Prepared(None, [], skipped, errors, rows)
    for check in checks_of(suite):
        try:
            sql = check.build(catalog)
            conn.execute(f"describe select * from ({sql})")  # bound, not run: the suite's table runs it once
        except Skip as reason:
            skipped.append(f"{check.name}: skipped: {reason}")
            continue
        except duckdb.Error as exc:
            errors.append(
                _failure(
                    suite, check.name, check.name, "ERROR", f"check {check.name} could not run: {exc}".splitlines()[0]
                )
            )
            continue
        active.append((check, sql))
    if not active:
        return _Prepared(None, [], skipped, errors, rows)
    union = "\nunion all by name\n".join(f"select * from ({sql})" for _, sql in active)
    described = conn.execute(f"describe select * from ({union})").fetchall()
    columns = [row[0] for row in described]
    # DECIMAL → DOUBLE for GX: it converts every Decimal it serialises with a precision check
    # that inspects the call stack (seconds per suite). Whole euros are exact as doubles and
    # 0,01 VTE round-trip; the comparisons themselves are done in SQL on the DECIMAL values.
    select = ", ".join(
        f'cast("{name}" as double) as "{name}"' if str(kind).upper().startswith("DECIMAL") else f'"{name}"'
        for name, kind, *_ in described
    )
    union = f"select {select} from (\n{union}\n)"
    plan = _SuitePlanSpec(
        suite=suite,
        query=union,
        expectations=[(c.name, e) for c, _sql in active for e in c.expectations],
        index_columns=columns,
        meta={
            "title": SUITE_TITLES[suite],
            "version": VERSION,
            "blocking": BLOCKING[suite],
            "checks": {c.name: c.description for c, _sql in active},
            "skipped": skipped,
            **({} if BLOCKING[suite] else {"note": NON_BLOCKING_NOTE}),
        },
    )
    return _Prepared(plan, [c for c, _ in active], skipped, errors, rows)


@dataclass
class _SuitePlanSpec:
    """What gx_backend.validate needs per suite (defined here: preparing must not import GX)."""

    suite: str
    query: str
    expectations: list
    index_columns: list[str]
    meta: dict

    def on_table(self) -> _SuitePlanSpec:
        """The same plan on the suite's table in the scratch database (expectations.materialise).

        The checks' SQL rides along as a comment: the Data Docs show what was checked, not only
        which table was read."""
        origin = self.query.replace("*/", "* /")
        table = f'select * from "{self.suite}"'
        return replace(self, query=f"{table}\n/* the rows of the checks, materialised once from:\n{origin}\n*/")


def _result(suite: str, prepared: _Prepared, outcome: object) -> SuiteResult:
    if isinstance(outcome, Exception):  # its query or its validation failed (e.g. out of memory)
        reason = str(outcome) if isinstance(outcome, QueryFailed) else f"{type(outcome).__name__}: {outcome}"
        return could_not_run(suite, reason, prepared.skipped)
    failures = list(prepared.errors)
    expectations: list[dict] = []
    gx_stats: dict = {}
    if outcome is not None:
        gx_stats = dict(outcome.statistics)
        for r in outcome.results:
            expectations.append(_expectation_summary(r))
            failures.extend(_failures_of(suite, r))
    failures.sort(
        key=lambda f: (f["document"] is not None, f["document"] or "", f["page"] or 0, f["line"] or 0, f["check"] or "")
    )
    worst = max((SEVERITY_ORDER[f["severity"]] for f in failures), default=0)
    severity = {0: "OK", 1: "WARN", 2: "ERROR"}[worst]
    blocking = BLOCKING[suite]
    passed = severity == "OK" or (not blocking and severity == "WARN")
    statistics = {
        "evaluated_expectations": gx_stats.get("evaluated_expectations", 0),
        "successful_expectations": gx_stats.get("successful_expectations", 0),
        "unsuccessful_expectations": gx_stats.get("unsuccessful_expectations", 0),
        "success_percent": gx_stats.get("success_percent"),
        "failed": sum(1 for e in expectations if not e["success"]),
        "failures": len(failures),
        "errors": sum(1 for f in failures if f["severity"] == "ERROR"),
        "warnings": sum(1 for f in failures if f["severity"] == "WARN"),
        "skipped_checks": len(prepared.skipped),
        "rows_checked": prepared.rows,
        "expectations": expectations,
    }
    if suite == "reconciliation":
        statistics.update(_reconciliation_statistics(failures, expectations))
    return SuiteResult(suite, blocking, passed, severity, statistics, failures, list(prepared.skipped))


def _raised(info: Any) -> str | None:
    """The exception message of a GX result, whatever the nesting (1.x keys it by metric id)."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "exception") if info.get("raised_exception") else None
    for value in info.values():
        message = _raised(value)
        if message:
            return message
    return None


def _expectation_summary(r) -> dict:
    config = r.expectation_config
    meta = config.meta or {}
    result = r.result or {}
    return {
        "name": meta.get("expectation"),
        "check": meta.get("check"),
        "type": config.type,
        "severity": "WARN" if _severity(config) == "warning" else "ERROR",
        "success": bool(r.success),
        "observed_value": _plain(result.get("observed_value")),
        "element_count": result.get("element_count"),
        "unexpected_count": result.get("unexpected_count"),
        "unexpected_percent": result.get("unexpected_percent"),
        "exception": _raised(r.exception_info),
    }


def _severity(config) -> str:
    value = getattr(config, "severity", None)
    return str(getattr(value, "value", value) or "critical")


def _failures_of(suite: str, r) -> list[dict]:
    config = r.expectation_config
    meta = config.meta or {}
    check, name = meta.get("check"), meta.get("expectation")
    severity = "WARN" if _severity(config) == "warning" else "ERROR"
    raised = _raised(r.exception_info)
    if raised:
        return [_failure(suite, check, name, "ERROR", f"expectation {name} could not be evaluated: {raised}")]
    if r.success:
        return []

    def failure(message: str, **extra) -> dict:
        return _failure(suite, check, name, severity, message, **extra)

    result = r.result or {}
    rows = result.get("unexpected_index_list")
    if not rows:
        observed = _plain(result.get("observed_value"))
        kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
        return [failure(f"{name}: observed {observed}, expected {kwargs} (all documents)", observed_value=observed)]
    out = []
    more = (result.get("unexpected_count") or 0) - len(rows)
    if more > 0:
        out.append(failure(f"{name}: {more} more unexpected rows not listed (the first {len(rows)} are)"))
    for row in rows:
        row = {k: _plain(v) for k, v in row.items() if v is not None}
        document, page, line, node = row.get("document"), row.get("page"), row.get("line"), row.get("node_id")
        message = _message(check, row)
        extra = {k: v for k, v in row.items() if k not in COMMON_COLUMNS}
        if check == "parents_match_children":  # a gap: document, parent code, metric, printed, sum, difference
            extra["measure"] = extra.get("metric")  # budget / actual / actual_prev / plan_fte / …
            extra["metric"] = extra.pop("metric_label", extra.get("metric"))  # category × direction × measure
            extra["sum"] = extra.get("children_sum")
        out.append(
            failure(message, document=document, page=page, line=line, node_id=node, detail=row.get("detail"), **extra)
        )
    return out


def _failure(
    suite, check, expectation, severity, message, *, document=None, page=None, line=None, node_id=None, **extra
) -> dict:
    """One failure row; without a document, page, line or node it is about the whole suite or check."""
    return {
        "suite": suite,
        "check": check,
        "expectation": expectation,
        "severity": severity,
        "document": document,
        "page": page,
        "line": line,
        "node_id": node_id,
        "message": message,
        **extra,
    }


def _where(row: dict) -> str:
    document = row.get("document") or "(unknown document)"
    page = row.get("page")
    line = row.get("line")
    if page is None and line is None:
        return f"{document} (whole document)"
    return f"{document}, page {page if page is not None else '?'}, line {line if line is not None else '?'}"


def _message(check: str | None, row: dict) -> str:
    if check == "parents_match_children" and row.get("status") == "gap":
        unit = "VTE" if row.get("unit") == "FTE" else "EUR"
        return (
            f"{_where(row)}: {row.get('parent_level')} {row.get('parent_code')}, {row.get('metric_label')}: "
            f"printed {_be(row.get('printed'), unit)} but its {row.get('n_children')} children sum to "
            f"{_be(row.get('children_sum'), unit)}: difference {_be(row.get('difference'), unit)} "
            f"beyond the rounding tolerance {_be(row.get('tolerance'), unit, tolerance=True)}"
        )
    detail = str(row.get("detail") or row)
    node = row.get("node_id")
    return f"{_where(row)}: {node + ': ' if node and node not in detail else ''}{detail}"


def _be(value: Any, unit: str, tolerance: bool = False) -> str:
    """Belgian style, as printed in the reports: 1.234.567 (EUR) / 1.097,07 (VTE)."""
    if value is None:
        return "null"
    number = Decimal(str(value))
    if tolerance:  # ½ unit × (n+1): 3,5 EUR / 0,035 VTE
        places = 0 if number == number.to_integral_value() else (3 if unit == "VTE" else 1)
    else:
        places = 2 if unit == "VTE" else 0
    return belgian(number, places) + (" VTE" if unit == "VTE" else " EUR")


def _plain(value: Any) -> Any:
    """JSON-friendly numbers: Decimal → int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _reconciliation_statistics(failures: list[dict], expectations: list[dict]) -> dict:
    gaps = [f for f in failures if f.get("check") == "parents_match_children" and f.get("status") == "gap"]
    not_printed = [f for f in failures if f.get("expectation") == "parent_cells_printed"]
    by_document: dict[str, int] = {}
    for gap in gaps:
        by_document[gap["document"]] = by_document.get(gap["document"], 0) + 1
    rate = next((e["observed_value"] for e in expectations if e["name"] == "reconciliation_pass_rate"), None)
    return {
        "gaps": len(gaps),
        "gaps_by_document": by_document,
        "not_printed_cells": len(not_printed),
        "pass_rate": rate,
    }


def _document_statistics(conn: duckdb.DuckDBPyConnection, catalog: Catalog) -> dict[str, dict]:
    """Per document: tables vs markers, anomalies by kind (quality_runs); the reconciliation
    counts are added from the scratch database (_reconciliation_by_document)."""
    from .checks import _tables_vs_markers

    if not catalog.has("raw", "documents"):
        return {}
    documents: dict[str, dict] = {}
    for document_id, file_name, extracted, markers in conn.execute(
        f"select document_id, document, tables_extracted, table_markers from ({_tables_vs_markers(catalog)})"
    ).fetchall():
        documents[document_id] = {
            "file_name": file_name,
            "tables_extracted": extracted,
            "table_markers": markers,
            "statuses": {},
            "anomalies": {},
            "gaps": [],
        }
    for document_id, kind, n in conn.execute(
        f"select document_id, kind, count(*) from {catalog.raw('anomalies')} group by all order by all"
    ).fetchall():
        documents.setdefault(document_id, {"anomalies": {}})["anomalies"][kind] = n
    return documents


def _reconciliation_by_document(scratch: Path, documents: dict[str, dict]) -> None:
    """Statuses and gaps per document, from the reconciliation rows materialised in `scratch`
    (run per document there: the warehouse-wide query outgrew the memory limit)."""
    conn = duckdb.connect(str(scratch), read_only=True)
    try:
        for document_id, status, n in conn.execute(
            f"select document_id, status, count(*) from {RECONCILIATION_ROWS} group by all"
        ).fetchall():
            documents.setdefault(document_id, {"statuses": {}})["statuses"][status] = n
        for row in conn.execute(
            f"""select document_id, parent_code, metric_label, printed, children_sum, difference, tolerance, page, line
                from {RECONCILIATION_ROWS} where status = 'gap' order by document_id, page, line, metric_label"""
        ).fetchall():
            documents[row[0]].setdefault("gaps", []).append(
                {
                    "parent_code": row[1],
                    "metric": row[2],
                    "printed": _plain(row[3]),
                    "sum": _plain(row[4]),
                    "difference": _plain(row[5]),
                    "tolerance": _plain(row[6]),
                    "page": row[7],
                    "line": row[8],
                }
            )
    finally:
        conn.close()
