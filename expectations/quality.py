"""quality.quality_runs: the history of validation runs, one row per run × document (appended).

select run_at, file_name, tables_extracted, table_markers, reconciliation_pass_rate,
       rounding_cells, gaps, anomalies_by_kind
from quality.quality_runs order by run_at desc;
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import duckdb

from .checks import VERSION

SCHEMA = "quality"
TABLE = "quality_runs"
LOCK_WAIT_SECONDS = 120
COLUMNS = (  # name, type, meaning
    ("run_id", "VARCHAR", "one validation run (also the GX run name in the Data Docs)"),
    ("run_at", "TIMESTAMP", "start of the run, UTC"),
    ("document_id", "VARCHAR", "sha256 of the report file"),
    ("file_name", "VARCHAR", "report file name"),
    ("suites", "VARCHAR", "suites run, comma-separated"),
    ("run_severity", "VARCHAR", "worst severity of the run over all suites: OK / WARN / ERROR"),
    ("document_severity", "VARCHAR", "worst severity of this document's failures"),
    ("tables_extracted", "BIGINT", "distinct tables in raw.budget_lines + raw.staffing_lines"),
    ("table_markers", "BIGINT", "table markers counted in the text layer"),
    ("tables_match", "BOOLEAN", "tables_extracted = table_markers"),
    ("reconciliation_checked", "BIGINT", "printed parent cells compared with the sum of their children"),
    ("reconciliation_passed", "BIGINT", "of those, exact or within the rounding tolerance"),
    ("reconciliation_pass_rate", "DOUBLE", "reconciliation_passed / reconciliation_checked"),
    ("exact_cells", "BIGINT", "parent cells equal to the sum of their children"),
    ("rounding_cells", "BIGINT", "parent cells within ½ unit × (n+1) of the sum, not equal"),
    ("gaps", "BIGINT", "parent cells beyond the tolerance: the report's own inconsistencies (WARN)"),
    ("not_printed_cells", "BIGINT", "parent cells not comparable because a cell was not printed"),
    ("gap_list", "JSON", "each gap: parent_code, metric, printed, sum, difference, tolerance, page, line"),
    ("anomalies_by_kind", "JSON", "raw.anomalies of this document counted by kind"),
    ("failures_by_suite", "JSON", "failures (ERROR and WARN) of this document per suite"),
    ("suite_severity", "JSON", "severity per suite for the whole run"),
    ("expectations_version", "VARCHAR", "expectations.checks.VERSION"),
    ("database_path", "VARCHAR", "the database validated"),
)


def _connect(database: Path) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return duckdb.connect(str(database), read_only=False)
        except duckdb.IOException as exc:  # another process holds the write lock
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def ensure_table(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"create schema if not exists {SCHEMA}")
    conn.execute(
        f"create table if not exists {SCHEMA}.{TABLE} ("
        + ", ".join(f"{name} {kind}" for name, kind, _ in COLUMNS)
        + ")"
    )
    present = {
        r[0]
        for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [SCHEMA, TABLE],
        ).fetchall()
    }
    for name, kind, _ in COLUMNS:  # history written by an older version keeps its rows
        if name not in present:
            conn.execute(f"alter table {SCHEMA}.{TABLE} add column {name} {kind}")
    for name, _, meaning in COLUMNS:
        conn.execute(f"comment on column {SCHEMA}.{TABLE}.{name} is '{meaning.replace(chr(39), chr(39) * 2)}'")


def record_run(database: Path, run_id: str, run_at: datetime, results: list, documents: dict[str, dict]) -> int:
    """Append one row per document for this run; returns the number of rows written."""
    severities = {r.suite: r.severity for r in results}
    run_severity = max(severities.values(), key=("OK", "WARN", "ERROR").index, default="OK")
    rows = []
    by_name = {d.get("file_name"): doc_id for doc_id, d in documents.items()}
    for document_id, doc in documents.items() or [(None, {})]:
        statuses = doc.get("statuses", {})
        checked = sum(statuses.get(s, 0) for s in ("exact", "rounding", "gap"))
        passed = sum(statuses.get(s, 0) for s in ("exact", "rounding"))
        failures: dict[str, int] = {}
        worst = "OK"
        for result in results:
            mine = [
                f
                for f in result.failures
                if f.get("document") is not None and by_name.get(f.get("document")) == document_id
            ]
            if mine:
                failures[result.suite] = len(mine)
                for f in mine:
                    if ("OK", "WARN", "ERROR").index(f["severity"]) > ("OK", "WARN", "ERROR").index(worst):
                        worst = f["severity"]
        extracted, markers = doc.get("tables_extracted"), doc.get("table_markers")
        rows.append(
            [
                run_id,
                run_at,
                document_id,
                doc.get("file_name"),
                ",".join(r.suite for r in results),
                run_severity,
                worst,
                extracted,
                markers,
                None if extracted is None or markers is None else extracted == markers,
                checked,
                passed,
                (passed / checked) if checked else None,
                statuses.get("exact", 0),
                statuses.get("rounding", 0),
                statuses.get("gap", 0),
                statuses.get("not_printed", 0),
                json.dumps(doc.get("gaps", [])),
                json.dumps(doc.get("anomalies", {})),
                json.dumps(failures),
                json.dumps(severities),
                VERSION,
                str(database),
            ]
        )
    conn = _connect(database)
    try:
        ensure_table(conn)
        names = ", ".join(name for name, _, _ in COLUMNS)
        marks = ", ".join("?" for _ in COLUMNS)
        conn.executemany(f"insert into {SCHEMA}.{TABLE} ({names}) values ({marks})", rows)
    finally:
        conn.close()
    return len(rows)
