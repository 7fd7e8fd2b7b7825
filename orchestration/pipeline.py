"""Materialise every asset in-process: the engine behind `make run` and the end-to-end tests."""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from . import settings
from .fingerprint import build_fingerprint, last_published, remember_published
from .raw_load import drop_document
from .inbox import inbox_files


# The console shows warnings and errors only; the UI keeps the full event log.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class BuildOutcome:
    reports: list[str] = field(default_factory=list)
    failed_reports: dict[str, str] = field(default_factory=dict)  # file -> reason
    dropped_reports: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)  # file -> reason it is in raw.quarantine (failed or not loaded)
    checks: dict[str, dg.AssetCheckEvaluation] = field(default_factory=dict)
    published: bool = False
    unchanged: bool = False  # same inbox and code as the last published build: nothing was run
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed_reports and self.published and self.error is None and all(c.passed for c in self.checks.values())


def build_everything(force: bool = False, workers: int | None = None) -> BuildOutcome:
    """Extract the changed reports (in parallel processes), then dbt, checks, publish, serve."""
    outcome = BuildOutcome()
    files = inbox_files(settings.inbox())
    outcome.reports = sorted(files)
    fingerprint = build_fingerprint(files)
    if not force and fingerprint == last_published():
        outcome.unchanged = outcome.published = True
        return outcome
    instance = dagster_instance()
    known = set(instance.get_dynamic_partitions("reports"))
    instance.add_dynamic_partitions("reports", [n for n in outcome.reports if n not in known])
    for name, reason in extract_in_parallel(outcome.reports, workers):
        if reason is not None:
            outcome.failed_reports[name] = reason
    # Only now the full code location (dbt manifest included): the workers did not wait for it.
    from .definitions import defs  # after the settings are final (env set by the caller)

    outcome.dropped_reports = _drop_removed_reports(defs.resources["warehouse"], set(files))
    outcome.quarantined = _quarantined(defs.resources["warehouse"], set(files))
    raw = defs.get_assets_def(dg.AssetKey(["raw", "documents"]))
    everything = list(defs.assets) + list(defs.asset_checks or [])
    result = dg.materialize(
        everything, instance=instance, resources=defs.resources, raise_on_error=False, run_config=QUIET,
        selection=(dg.AssetSelection.all() - dg.AssetSelection.assets(raw)) | dg.AssetSelection.checks_for_assets(raw),
    )
    for evaluation in result.get_asset_check_evaluations():
        outcome.checks[evaluation.asset_check_key.to_user_string()] = evaluation
    published = dg.AssetKey("published_warehouse")
    outcome.published = any(e.asset_key == published for e in result.get_asset_materialization_events())
    if not result.success:
        outcome.error = _failure_reason(result)
    if outcome.ok:
        remember_published(fingerprint)
    return outcome


def dagster_instance() -> dg.DagsterInstance:
    """The persistent instance under warehouse/dagster_home: `make ui` shows the runs of `make run`."""
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home()))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.get()


def extract_in_parallel(names: list[str], workers: int | None) -> list[tuple[str, str | None]]:
    """One Dagster run per report partition, spread over processes (pdfplumber is CPU-bound).

    The loads that follow each extraction wait for DuckDB's single-writer lock in turn.
    """
    workers = max(1, min(workers or os.cpu_count() or 1, len(names)))
    if workers == 1:
        return [extract_partition(name) for name in names]
    context = multiprocessing.get_context("spawn")  # no fork of a process that holds threads and DB handles
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(extract_partition, names))


def extract_partition(name: str) -> tuple[str, str | None]:
    """Materialise the raw asset for one report; (name, None) or (name, failure reason).

    With the raw asset and its one resource only, not the whole code location: a worker
    process starts without loading dbt.
    """
    from .assets.raw import raw_report
    from .resources import warehouse_resource

    result = dg.materialize([raw_report], partition_key=name, instance=dagster_instance(),
                            resources={"warehouse": warehouse_resource()}, raise_on_error=False, run_config=QUIET)
    return name, None if result.success else _failure_reason(result)


def _drop_removed_reports(warehouse, present: set[str]) -> list[str]:
    """Reports loaded earlier whose file is no longer in the inbox leave the warehouse."""
    with warehouse.get_connection() as conn:
        from .raw_load import ensure_raw_schema

        ensure_raw_schema(conn)
        loaded = {r[0] for r in conn.execute("select file_name from raw.documents").fetchall()}
        gone = sorted(loaded - present)
        for name in gone:
            drop_document(conn, name)
    return gone


def _quarantined(warehouse, present: set[str]) -> dict[str, str]:
    """Inbox files in raw.quarantine with their reason (bad files, and second copies of a report)."""
    with warehouse.get_connection() as conn:
        rows = conn.execute("select file_name, reason from raw.quarantine order by file_name").fetchall()
    return {name: reason for name, reason in rows if name in present}


def _failure_reason(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            user = event.step_failure_data.user_failure_data
            return (user.description if user and user.description else None) or (error.message.strip().splitlines()[0] if error else "failed")
    return "failed"
