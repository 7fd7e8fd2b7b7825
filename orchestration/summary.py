"""The short report `make run` prints at the end."""

from __future__ import annotations

import duckdb

from extract.number_format import belgian
from ingest.config import Settings
from ingest.inbox import report_entries

from .pipeline import BuildOutcome, failed_checks

REPORT_QUERY = """
select d.file_name, d.layout, d.report_year, coalesce(d.page_count, 0),
       (select count(*) from raw.nodes n where n.document_id = d.document_id),
       (select count(distinct table_no) from raw.budget_lines b where b.document_id = d.document_id)
     + (select count(distinct table_no) from raw.staffing_lines s where s.document_id = d.document_id),
       (select sum(actual) from raw.budget_lines b join raw.nodes n using (document_id, node_id)
         where b.document_id = d.document_id and n.level in ('action', 'project')
           and b.category = 'exploitatie' and b.direction = 'uitgaven'),
       (select count(*) from raw.anomalies a where a.document_id = d.document_id)
from raw.documents d order by d.file_name
"""


def _euro(value) -> str:
    return "-" if value is None else f"€ {belgian(value)}"


def _reports(db) -> list[tuple]:
    """One row per loaded report; none when the database is absent, locked or damaged (the
    build's own lines say why: a summary never ends in a traceback)."""
    try:
        with duckdb.connect(str(db), read_only=True) as conn:
            return conn.execute(REPORT_QUERY).fetchall()
    except duckdb.Error:
        return []


def exit_code(outcome: BuildOutcome) -> int:
    """0: everything built and published; 1: published, but inbox entries failed (partial
    success); 2: nothing published (an error, or a refusal): the previous release stands."""
    if outcome.ok:
        return 0
    return 1 if outcome.published and outcome.error is None else 2


def print_summary(settings: Settings, outcome: BuildOutcome, seconds: float) -> None:
    print()
    print(f"Gent budget warehouse: {len(outcome.reports)} report(s) in {settings.inbox}")
    if outcome.unchanged:
        print(
            "  nothing changed since the last published build (the warehouse holds these files as they are, built by this code): nothing to do (--force rebuilds)"
        )
    db = settings.published_db if outcome.published else settings.build_db
    for file, layout, year, pages, blocks, tables, opex, anomalies in _reports(db):
        print(
            f"  {file}: {layout} {year}, {pages} pages, {blocks} blocks, {tables} tables, "
            f"actual operating expenditure of its leaves {_euro(opex)}, {anomalies} anomalies recorded"
        )
    for name, reason in sorted(outcome.failed_reports.items()):
        print(f"  FAILED {name}: {reason.removeprefix(f'{name}: ')}")
    for name, reason in sorted(outcome.quarantined.items()):
        if name not in outcome.failed_reports:
            print(f"  NOT LOADED {name}: {reason}")
    for name in outcome.dropped_reports:
        print(f"  removed from the warehouse (no longer in the inbox): {name}")
    for name, reason in report_entries(settings.inbox)[1].ignored.items():
        print(f"  ignored {name}: {reason}")
    if outcome.checks:
        from orchestration.defs.dbt.assets import DBT_LOG, dbt_summary, dbt_target

        print(f"{dbt_summary(dbt_target(settings.build_db))} (its log: {dbt_target(settings.build_db) / DBT_LOG})")
        passed = sum(c.passed for c in outcome.checks.values())
        failed = failed_checks(outcome.checks)
        warned = len(outcome.checks) - passed - len(failed)
        print(
            f"Checks: {passed} of {len(outcome.checks)} passed"
            + (f", {warned} warning(s)" if warned else "")
            + (f", {len(failed)} FAILED" if failed else "")
            + " (dbt tests and quality suites)"
        )
    for key, check in sorted(outcome.checks.items()):
        name = key.split(":")[-1]
        if name.startswith("gx_"):
            verdict = (
                check.metadata["verdict"].value if "verdict" in check.metadata else ("OK" if check.passed else "ERROR")
            )
            print(f"  {name}: {verdict}")
        elif not check.passed:
            print(f"  {'WARN' if key not in failed else 'FAILED'} {name}: {check.description or 'dbt test'}")
    if outcome.error:
        print(f"Build error: {outcome.error}")
    if outcome.published:
        print(f"Warehouse published: {settings.published_db} (open it read-only)")
        export, report = settings.warehouse_dir / "export", settings.warehouse_dir / "report" / "index.html"
        if export.is_dir():
            print(
                f"Open data: {export}/ ({len(list(export.glob('*.parquet')))} tables as Parquet, CSV and CSV for Belgian Excel (*.excel.csv), datapackage.json)"
            )
        if report.exists():
            print(f"Overview report: {report} (open it in a browser)")
    else:
        print("Warehouse NOT published: the previous snapshot, if any, is unchanged.")
    print(f"Done in {seconds:.0f} s. Browse the assets: make ui, then http://localhost:3000")
