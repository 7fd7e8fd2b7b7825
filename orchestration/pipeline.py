"""`make run` as named Dagster jobs on the instance in warehouse/dagster_home.

The inbox is compared with the warehouse (orchestration.state): files it does not hold as
they are run `extract_reports` (one run per report partition, in parallel processes), files
that left it run `prune_removed_reports`, then `build_warehouse` (dbt, checks, publish,
exports, report). Nothing runs when the inbox, the raw rows, the published snapshot and the
code all agree.
"""
from __future__ import annotations

import multiprocessing
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from extract import EXTRACTOR_VERSION

from . import settings
from .fingerprint import code_hash
from .inbox import read_inbox
from .startup import emptying_refused, prepare
from .state import InboxPlan, WarehouseBusy, WarehouseState, plan_inbox, read_database


# The terminal gets make run's own lines (progress, summary); the runs' event logs, stack traces
# included, stay in the instance for the UI (`make ui`).
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class BuildOutcome:
    reports: list[str] = field(default_factory=list)
    failed_reports: dict[str, str] = field(default_factory=dict)  # file -> reason
    dropped_reports: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)  # file -> reason it is in raw.quarantine (failed or not loaded)
    checks: dict[str, dg.AssetCheckEvaluation] = field(default_factory=dict)
    published: bool = False
    unchanged: bool = False  # the inbox, the warehouse and the code agree: nothing was run
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed_reports and self.published and self.error is None and not failed_checks(self.checks)


def failed_checks(checks: dict[str, dg.AssetCheckEvaluation]) -> list[str]:
    """Checks that failed with ERROR severity (a WARN is a warning: reported, never a failure)."""
    return [k for k, c in checks.items() if not c.passed and c.severity != dg.AssetCheckSeverity.WARN]


def up_to_date(files: dict[str, str], present=()) -> tuple[bool, InboxPlan, WarehouseState]:
    """(nothing to do, the plan): the inbox agrees with the raw rows, the raw rows with the
    published snapshot, and the published snapshot was built by this code."""
    built = read_database(settings.build_db())
    plan = plan_inbox(files, built, EXTRACTOR_VERSION, present)
    if not plan.empty or not settings.published_db().exists():
        return False, plan, built
    published = read_database(settings.published_db())
    return published.digest() == built.digest() and published.code_hash == code_hash(), plan, built


def build_everything(force: bool = False, workers: int | None = None, progress=None) -> BuildOutcome:
    """Extract what the warehouse lacks (in parallel processes), prune, then build and publish."""
    outcome = BuildOutcome()
    outcome.error, republish = prepare(progress)  # configuration checked, leftovers and damaged files healed
    if outcome.error:
        return outcome
    listing = read_inbox(settings.inbox())  # every entry judged alone: an odd one is named, never fatal
    files = listing.files
    outcome.reports = sorted(files)
    outcome.failed_reports.update(listing.unreadable)
    try:
        agree, plan, built = up_to_date(files, listing.present)
    except WarehouseBusy:
        outcome.error = f"{settings.build_db()} is being written by another process (a run of `make ui`?): try again when it is done"
        return outcome
    outcome.error = emptying_refused(settings.inbox(), listing, built)
    if outcome.error:
        return outcome
    if agree and not (force or republish):
        outcome.unchanged = outcome.published = True
        outcome.quarantined = _quarantined(set(files))
        return outcome
    instance = dagster_instance()
    known = set(instance.get_dynamic_partitions("reports"))
    instance.add_dynamic_partitions("reports", [n for n in outcome.reports if n not in known])
    for name in sorted(known - set(files)):
        instance.delete_dynamic_partition("reports", name)
    for name, reason in extract_in_parallel(plan.extract, workers, progress):
        if reason is not None:
            outcome.failed_reports[name] = reason
    # Only now the full code location (dbt manifest included): the workers did not wait for it.
    from .definitions import defs  # after the settings are final (env set by the caller)

    # Dagster's own beta notice when it resolves our jobs' sensors (a parameter we do not use)
    warnings.filterwarnings("ignore", category=dg.BetaWarning, message="Parameter `owners`")

    if plan.drop:
        defs.resolve_job_def("prune_removed_reports").execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={**QUIET, "ops": {"drop_removed_reports": {"config": {"file_names": plan.drop}}}})
        outcome.dropped_reports = [n for n in plan.drop if n in built.loaded]
    outcome.quarantined = _quarantined(set(files))
    result = defs.resolve_job_def("build_warehouse").execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
    for evaluation in result.get_asset_check_evaluations():
        outcome.checks[evaluation.asset_check_key.to_user_string()] = evaluation
    published = dg.AssetKey("published_release")
    outcome.published = any(e.asset_key == published for e in result.get_asset_materialization_events())
    if not result.success:
        outcome.error = _failure_reason(result)
    return outcome


def dagster_instance() -> dg.DagsterInstance:
    """The persistent instance under warehouse/dagster_home: `make ui` shows the runs of `make run`."""
    from .instance import ensure_home

    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home()))
    ensure_home(Path(os.environ["DAGSTER_HOME"]))
    return dg.DagsterInstance.get()


def extract_in_parallel(names: list[str], workers: int | None, progress=None) -> list[tuple[str, str | None]]:
    """One `extract_reports` run per report partition, spread over processes (pdfplumber is CPU-bound).

    The loads that follow each extraction wait for DuckDB's single-writer lock in turn.
    `progress(line)` is told of each report as it finishes.
    """
    if not names:
        return []
    workers = max(1, min(workers or os.cpu_count() or 1, len(names)))
    done = []

    def report(name: str, reason: str | None, seconds: float) -> None:
        done.append((name, reason))
        if progress:
            status = "extracted" if reason is None else "FAILED"
            detail = f"{seconds:.0f} s" if reason is None else reason.removeprefix(f"{name}: ")
            progress(f"  [{len(done)}/{len(names)}] {status} {name}: {detail}")

    if workers == 1:
        for name in names:
            report(*extract_partition(name))
        return done
    context = multiprocessing.get_context("spawn")  # no fork of a process that holds threads and DB handles
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for future in as_completed([pool.submit(extract_partition, name) for name in names]):
            report(*future.result())
    return sorted(done)


def extract_partition(name: str) -> tuple[str, str | None, float]:
    """Run `extract_reports` for one report; (name, None or the failure reason, seconds).

    With the raw asset and its one resource only, not the whole code location: a worker
    process starts without loading dbt.
    """
    from .assets.raw import raw_report
    from .jobs import extract_reports
    from .resources import warehouse_resource

    job = dg.Definitions(assets=[raw_report], jobs=[extract_reports],
                         resources={"warehouse": warehouse_resource()}).resolve_job_def(extract_reports.name)
    started = time.monotonic()
    result = job.execute_in_process(partition_key=name, instance=dagster_instance(), raise_on_error=False, run_config=QUIET)
    return name, None if result.success else _failure_reason(result), time.monotonic() - started


def _quarantined(present: set[str]) -> dict[str, str]:
    """Inbox files in raw.quarantine with their reason (bad files, and second copies of a report)."""
    state = read_database(settings.build_db())
    return {name: reason for name, (_, reason) in sorted(state.quarantined.items()) if name in present}


def _failure_reason(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            user = event.step_failure_data.user_failure_data
            return (user.description if user and user.description else None) or (error.message.strip().splitlines()[0] if error else "failed")
    return "failed"
