"""`make run` as named Dagster jobs on the instance in warehouse/dagster_home.

The inbox is compared with the warehouse (ingest.state): files it does not hold as
they are run `extract_inbox` (one run, a step per report, as many at a time as there are
cores), files that left it run `prune_removed_reports`, then `build_warehouse` (dbt, checks,
publish, exports, report). Nothing runs when the inbox, the raw rows, the published snapshot
and the code all agree.

All three go through `dagster.execute_job` from this process, with the settings as run config,
on the same instance: `make run`'s runs are the UI's runs, under the same job names. The
extraction's steps run in processes of Dagster's multiprocess executor; their loads take the
build database's writer lock in turn (`WarehouseDuckDB`): one writer by design, no retry on
DuckDB's lock.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from extract import EXTRACTOR_VERSION
from ingest.config import Settings
from ingest.fingerprint import code_hash
from ingest.inbox import read_inbox
from ingest.state import InboxPlan, WarehouseBusy, WarehouseState, plan_inbox, read_database
from serving.startup import emptying_refused, prepare

from .defs.automation import jobs

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

    The caller holds the build lock (ingest.build_lock)."""
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
    extract = plan.extract
    for _ in range(EXTRACTION_ROUNDS):  # a refusal that went stale in a round is judged again in the next
        for name, reason in extract_in_parallel(settings, instance, extract, workers, progress):
            outcome.failed_reports.pop(name, None)
            if reason:
                outcome.failed_reports[name] = reason
        # a bad file is quarantined with its bytes, so it is settled; what is left was judged
        # against files loaded again since (or failed unrecorded, and is tried again, a few times at most)
        extract = plan_inbox(files, read_database(settings.build_db), EXTRACTOR_VERSION, listing.present).extract
        if not extract:
            break
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
    from .definitions import build_warehouse_job  # loads dbt's manifest: only when a build is due

    full = {"ops": {"warehouse_dbt_models": {"config": {"full_refresh": True}}}} if force else None
    result = run_job(build_warehouse_job, instance, settings, run_config=full)  # --force: marts rebuilt whole
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


POLL_S = 0.5
# An identity refusal names the files it was judged against; when one of them is loaded again in
# the same round (another edition, or it was itself replaced by the reports it overlaps), the
# refused file is judged again. A concatenation loaded first and its two parts need three rounds
# (tests/test_end_to_end.py); the fourth is a margin.
EXTRACTION_ROUNDS = 4
REQUEST_TAG = "gent/request"  # which `make run` request a run answers (to find it on the instance)
# Step processes fork from a server that imported the job's modules once: a step starts in a
# fraction of a second instead of importing Dagster and the extractor afresh (spawn).
FORKSERVER = {"forkserver": {"preload_modules": ["orchestration.defs.automation.jobs", "extract.document"]}}


def extract_in_parallel(
    settings: Settings, instance: dg.DagsterInstance, names: list[str], workers: int | None, progress=None
) -> list[tuple[str, str | None]]:
    """One `extract_inbox` run: a step per report, `workers` at a time (default: one per core).

    Dagster's multiprocess executor runs the steps, each in a process forked from a preloaded
    server; the extraction itself runs in the guarded child of its step, and the loads take
    the build database's writer lock in turn. `progress(line)` is told of each report as its
    step ends (read from the run's events on the instance, while the run goes on).
    """
    if not names:
        return []
    workers = max(1, min(workers or os.cpu_count() or 1, len(names)))
    steps = jobs.report_steps(names)
    config = {
        **QUIET,
        **jobs.resources_config(settings, ("settings", "warehouse")),
        "ops": {"inbox_reports": {"config": {"file_names": names}}},
        "execution": {"config": {"max_concurrent": workers, "start_method": FORKSERVER}},
    }
    request = uuid.uuid4().hex
    watching = threading.Event()
    watcher = threading.Thread(
        target=_report_steps, args=(instance, request, steps, progress, watching), daemon=True, name="progress"
    )
    if progress:
        watcher.start()
    try:
        with stderr_to(extraction_log(settings)):  # the step processes' own lines; the events are in the instance
            result = dg.execute_job(
                dg.reconstructable(jobs.extract_inbox_job), instance, run_config=config, tags={REQUEST_TAG: request}
            )
    finally:
        watching.set()
        if progress:
            watcher.join()
    ended = _ended_steps(instance, result.run_id, steps)
    return sorted((name, ended.get(name, ("run " + result.dagster_run.status.value.lower(), 0))[0]) for name in names)


def extraction_log(settings: Settings) -> Path:
    return settings.build_db.parent / "extract_inbox.log"


@contextmanager
def stderr_to(path: Path):
    """Send this process's stderr, and that of the processes it starts meanwhile, to `path`.

    The multiprocess executor's step workers log their start to the console before the run's
    logger configuration applies (Dagster's context-free logger, DEBUG); make run's terminal
    shows its own lines only, so their stderr goes to a file next to the build database."""
    sys.stderr.flush()
    saved = os.dup(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _ended_steps(
    instance: dg.DagsterInstance, run_id: str, steps: dict[str, str]
) -> dict[str, tuple[str | None, float]]:
    """Report -> (None or why its step failed, seconds it took), for the steps of the run that ended."""
    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    started, ended = {}, {}
    for record in instance.get_records_for_run(run_id, of_type=kinds, limit=100_000).records:
        entry = record.event_log_entry
        event, name = entry.dagster_event, steps.get(entry.step_key)
        if name is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[name] = entry.timestamp
        else:
            reason = None if event.is_step_success else _step_failure_reason(event)
            ended[name] = (reason, entry.timestamp - started.get(name, entry.timestamp))
    return ended


def _report_steps(instance, request: str, steps: dict[str, str], progress, stop: threading.Event) -> None:
    """Print a line per report as its step ends, until `stop` (then once more, for the last ones)."""
    shown: set[str] = set()
    while True:
        stopping = stop.wait(POLL_S)
        runs = instance.get_runs(dg.RunsFilter(tags={REQUEST_TAG: request}), limit=1)
        ended = _ended_steps(instance, runs[0].run_id, steps) if runs else {}
        for name in sorted(ended.keys() - shown, key=list(steps.values()).index):
            shown.add(name)
            reason, seconds = ended[name]
            status, detail = ("extracted", f"{seconds:.0f} s") if reason is None else ("FAILED", reason)
            progress(f"  [{len(shown)}/{len(steps)}] {status} {name}: {detail.removeprefix(f'{name}: ')}")
        if stopping:
            return


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
