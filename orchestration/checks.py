"""The Great Expectations suites (expectations/) as Dagster asset checks.

One multi-asset check runs the five suites once after `dbt build` and reports each on the
mart it guards. Completeness, cell consistency, conservation and semantics are blocking
(the extraction or the models are wrong); reconciliation gaps that the report itself
contains are warnings. GX is imported inside the check only: the code location loads fast.
"""
import dagster as dg

from expectations import SUITES

from . import settings

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


def _spec(suite: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=f"gx_{suite}", asset=dg.AssetKey(list(SUITE_TARGETS[suite])), blocking=suite not in NON_BLOCKING,
        description=f"Great Expectations suite '{suite}' (expectations/).",
    )


def check_result(result) -> dg.AssetCheckResult:
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
        },
    )


@dg.multi_asset_check(specs=[_spec(s) for s in SUITES], can_subset=False)
def quality_suites(context: dg.AssetCheckExecutionContext):
    from expectations import run_suites

    results = run_suites(settings.build_db(), run_id=context.run.run_id)
    for result in results:
        yield check_result(result)


warehouse_checks = [quality_suites]
