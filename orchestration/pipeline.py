"""`make run` as named Dagster jobs on the instance in warehouse/dagster_home.

The inbox is compared with the warehouse (orchestration.state): files it does not hold as
they are run `extract_reports` (one run per report partition, as many at a time as there are
cores), files that left it run `prune_removed_reports`, then `build_warehouse` (dbt, checks,
publish, exports, report). Nothing runs when the inbox, the raw rows, the published snapshot
and the code all agree.

The extractions are `dagster job execute` runs, one process each, as many at once as there
are cores; the prune and the build go through `dagster.execute_job` in this process. All get
the settings as run config and run on the same instance: `make run`'s runs are the UI's runs,
under the same job names. The loads of the parallel extractions take the build database's
writer lock in turn (`WarehouseDuckDB`): one writer by design, no retry on DuckDB's lock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from extract import EXTRACTOR_VERSION

from . import jobs
from .fingerprint import code_hash
from .inbox import read_inbox
from .settings import REPO, Settings
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
    quarantined: dict[str, str] = field(
        default_factory=dict
    )  # file -> reason it is in raw.quarantine (failed or not loaded)
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


def up_to_date(settings: Settings, files: dict[str, str], present=()) -> tuple[bool, InboxPlan, WarehouseState]:
    """(nothing to do, the plan): the inbox agrees with the raw rows, the raw rows with the
    published snapshot, and the published snapshot was built by this code."""
    built = read_database(settings.build_db)
    plan = plan_inbox(files, built, EXTRACTOR_VERSION, present)
    if not plan.empty or not settings.published_db.exists():
        return False, plan, built
    published = read_database(settings.published_db)
    return published.digest() == built.digest() and published.code_hash == code_hash(), plan, built


def build_everything(
    settings: Settings, force: bool = False, workers: int | None = None, progress=None
) -> BuildOutcome:
    """Extract what the warehouse lacks (runs in parallel), prune, then build and publish.

    The caller holds the build lock (orchestration.build_lock)."""
    outcome = BuildOutcome()
    outcome.error, republish = prepare(settings, progress)  # configuration checked, leftovers and damaged files healed
    if outcome.error:
        return outcome
    listing = read_inbox(settings.inbox)  # every entry judged alone: an odd one is named, never fatal
    files = listing.files
    outcome.reports = sorted(files)
    outcome.failed_reports.update(listing.unreadable)
    try:
        agree, plan, built = up_to_date(settings, files, listing.present)
    except WarehouseBusy:
        outcome.error = (
            f"{settings.build_db} is being written by another process (a run of `make ui`?): try again when it is done"
        )
        return outcome
    outcome.error = emptying_refused(settings.inbox, listing, built, settings.allow_empty_inbox)
    if outcome.error:
        return outcome
    if agree and not (force or republish):
        outcome.unchanged = outcome.published = True
        outcome.quarantined = _quarantined(settings, set(files))
        return outcome
    instance = dagster_instance(settings)
    known = set(instance.get_dynamic_partitions("reports"))
    instance.add_dynamic_partitions("reports", [n for n in outcome.reports if n not in known])
    for name in sorted(known - set(files)):
        instance.delete_dynamic_partition("reports", name)
    for name, reason in extract_in_parallel(settings, instance, plan.extract, workers, progress):
        if reason is not None:
            outcome.failed_reports[name] = reason
    # Dagster's own beta notice when it resolves our jobs' sensors (a parameter we do not use)
    warnings.filterwarnings("ignore", category=dg.BetaWarning, message="Parameter `owners`")
    if plan.drop:
        run_job(
            jobs.prune_removed_reports_job,
            instance,
            settings,
            ("warehouse",),
            {"ops": {"drop_removed_reports": {"config": {"file_names": plan.drop}}}},
        )
        outcome.dropped_reports = [n for n in plan.drop if n in built.loaded]
    outcome.quarantined = _quarantined(settings, set(files))
    result = run_job(jobs.build_warehouse_job, instance, settings)
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            outcome.checks[evaluation.asset_check_key.to_user_string()] = evaluation
    published = dg.AssetKey("published_release")
    outcome.published = any(e.asset_key == published for e in result.all_events if e.is_step_materialization)
    if not result.success:
        outcome.error = _failure_reason(result)
    return outcome


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance under warehouse/dagster_home: `make ui` shows the runs of `make run`."""
    from dagster._core.instance.ref import InstanceRef

    from .instance import ensure_home

    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(ensure_home(settings.dagster_home))))


def run_job(
    job_fn,
    instance: dg.DagsterInstance,
    settings: Settings,
    resources=("settings", "warehouse", "build_lock"),
    run_config: dict | None = None,
) -> dg.ExecutionResult:
    """One run, in this process, of the job `job_fn()` returns, with the settings as run config."""
    config = {**QUIET, **jobs.resources_config(settings, resources), **(run_config or {})}
    return dg.execute_job(dg.reconstructable(job_fn), instance, run_config=config, raise_on_error=False)


DAGSTER_CLI = Path(sys.executable).with_name("dagster")  # the venv's, whatever PATH says
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}  # the run's one step in the run's own process
POLL_S = 0.2


def extract_in_parallel(
    settings: Settings, instance: dg.DagsterInstance, names: list[str], workers: int | None, progress=None
) -> list[tuple[str, str | None]]:
    """One `extract_reports` run per report partition, `workers` runs at a time (default: one per core).

    Each run is Dagster's own `dagster job execute` in a process of its own (a Dagster run is
    not thread-safe within one process: its log set-up deadlocks), on the same instance, with
    the settings as run config and the partition as its tag; the extraction itself runs in
    the guarded child of that run. The loads take the build database's writer lock in turn.
    `progress(line)` is told of each report as it finishes.
    """
    if not names:
        return []
    workers = max(1, min(workers or os.cpu_count() or 1, len(names)))
    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home)}  # the child's environment, not ours
    done: list[tuple[str, str | None]] = []
    with tempfile.TemporaryDirectory(prefix="gent-runs-") as tmp:
        config = Path(tmp) / "run_config.json"  # JSON is YAML
        config.write_text(
            json.dumps({**QUIET, **IN_PROCESS, **jobs.resources_config(settings, ("settings", "warehouse"))})
        )
        pending, running = list(names), {}
        while pending or running:
            while pending and len(running) < workers:
                name, request = pending.pop(0), uuid.uuid4().hex
                tags = json.dumps({"dagster/partition": name, REQUEST_TAG: request})
                command = [
                    str(DAGSTER_CLI),
                    "job",
                    "execute",
                    "-m",
                    "orchestration.jobs",
                    "-a",
                    "extract_reports_job",
                    "-c",
                    str(config),
                    "--tags",
                    tags,
                ]
                child = subprocess.Popen(
                    command,
                    env=env,
                    cwd=REPO,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )  # its events are in the instance
                running[child] = (name, request, time.monotonic())
            time.sleep(POLL_S)
            for child in [c for c in running if c.poll() is not None]:
                name, request, started = running.pop(child)
                reason = run_failure(instance, request)
                done.append((name, reason))
                if progress:
                    status = "extracted" if reason is None else "FAILED"
                    detail = (
                        f"{time.monotonic() - started:.0f} s" if reason is None else reason.removeprefix(f"{name}: ")
                    )
                    progress(f"  [{len(done)}/{len(names)}] {status} {name}: {detail}")
    return sorted(done)


REQUEST_TAG = "gent/request"  # which `make run` request a run answers (to find it on the instance)


def run_failure(instance: dg.DagsterInstance, request: str) -> str | None:
    """None when the run tagged with `request` succeeded, else why it failed (from its event log)."""
    runs = instance.get_runs(dg.RunsFilter(tags={REQUEST_TAG: request}))
    if not runs:
        return "the run did not start (see `dagster job execute` for orchestration.jobs:extract_reports_job)"
    if runs[0].status == dg.DagsterRunStatus.SUCCESS:
        return None
    for record in instance.get_records_for_run(runs[0].run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records:
        return _step_failure_reason(record.event_log_entry.dagster_event)
    return f"run {runs[0].status.value.lower()}"


def _quarantined(settings: Settings, present: set[str]) -> dict[str, str]:
    """Inbox files in raw.quarantine with their reason (bad files, and second copies of a report)."""
    state = read_database(settings.build_db)
    return {name: reason for name, (_, reason) in sorted(state.quarantined.items()) if name in present}


def _failure_reason(result: dg.ExecutionResult) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            return _step_failure_reason(event)
    return "failed"


def _step_failure_reason(event: dg.DagsterEvent) -> str:
    error = event.step_failure_data.error
    user = event.step_failure_data.user_failure_data
    return (user.description if user and user.description else None) or (
        error.message.strip().splitlines()[0] if error else "failed"
    )
