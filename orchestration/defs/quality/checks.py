"""The Great Expectations suites (expectations/) as Dagster asset checks.

One multi-asset check runs the five suites once after `dbt build` and reports each on the
mart it guards. Completeness, cell consistency, conservation and semantics are blocking
(the extraction or the models are wrong); reconciliation gaps that the report itself
contains are warnings. A suite that could not run (its query out of memory, GX failing) is
no finding: its verdict says "could not run: <reason>", and it blocks publication only when
the suite is blocking. GX is imported inside the check only: the code location loads fast.
"""

import dagster as dg

from expectations import SUITES
from orchestration.child_process import in_child_process
from orchestration.resources import WarehouseSettings

# Which mart each suite guards, and whether a failure blocks publication.
SUITE_TARGETS = {
    "completeness": ("marts", "dim_document"),
    "cell_consistency": ("marts", "fct_spending_reported"),
    "reconciliation": ("marts", "rpt_reconciliation"),
    "conservation": ("marts", "fct_spending"),
    "semantics": ("marts", "fct_staffing"),
}
NON_BLOCKING = {"reconciliation"}
FAILURES_SHOWN = 50
# Metadata of each suite's result: the fingerprint of the loaded rows it validated
# (WarehouseState.digest); the publish step publishes only those rows.
CHECKED_ROWS = "loaded_rows_fingerprint"


def _spec(suite: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=f"gx_{suite}",
        asset=dg.AssetKey(list(SUITE_TARGETS[suite])),
        blocking=suite not in NON_BLOCKING,
        description=f"Great Expectations suite '{suite}' (expectations/).",
    )


def check_result(result, checked_rows: str | None = None) -> dg.AssetCheckResult:
    """A SuiteResult as a Dagster check result: failures listed with document, page and line."""
    messages = [f.get("message") or str(f) for f in result.failures]
    # OK passes; WARN is Dagster's warning (yellow, never blocks); ERROR fails (blocks when the suite is blocking)
    return dg.AssetCheckResult(
        check_name=f"gx_{result.suite}",
        asset_key=dg.AssetKey(list(SUITE_TARGETS[result.suite])),
        passed=result.severity == "OK",
        severity=dg.AssetCheckSeverity.WARN if result.severity == "WARN" else dg.AssetCheckSeverity.ERROR,
        description=result.verdict,
        metadata={
            "verdict": result.verdict,
            "severity": result.severity,
            "statistics": dg.MetadataValue.json(result.statistics),
            "failures": len(result.failures),
            "first_failures": dg.MetadataValue.json(messages[:FAILURES_SHOWN]),
            "skipped": dg.MetadataValue.json(result.skipped),
            **({CHECKED_ROWS: checked_rows} if checked_rows else {}),
        },
    )


@dg.multi_asset_check(specs=[_spec(s) for s in SUITES], can_subset=False)
def quality_suites(context: dg.AssetCheckExecutionContext, settings: WarehouseSettings):
    from expectations import run_suites
    from expectations.runner import could_not_run
    from ingest.state import read_database

    config = settings.get()
    checked_rows = read_database(config.build_db).digest()
    try:  # in a child process: the suites' DuckDB and Great Expectations leave the main process as it was
        results = in_child_process(
            run_suites, config.build_db, run_id=context.run.run_id, data_docs_dir=config.data_docs_dir
        )
    except Exception as exc:  # each suite then says why it did not run; a blocking one blocks publication
        context.log.exception("the quality suites could not run")
        results = [could_not_run(suite, f"{type(exc).__name__}: {exc}") for suite in SUITES]
    for result in results:
        yield check_result(result, checked_rows)


warehouse_checks = [quality_suites]
