"""Materialise every asset in-process: the engine behind `make run` and the end-to-end tests."""
from __future__ import annotations

from dataclasses import dataclass, field

import dagster as dg

from . import settings
from .raw_load import drop_document
from .sensors import inbox_files


# The console shows warnings and errors only; the UI keeps the full event log.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class BuildOutcome:
    reports: list[str] = field(default_factory=list)
    failed_reports: dict[str, str] = field(default_factory=dict)  # file -> reason
    dropped_reports: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    published: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed_reports and self.published and self.error is None


def build_everything(instance: dg.DagsterInstance | None = None) -> BuildOutcome:
    from .definitions import defs  # after the settings are final (env set by the caller)

    instance = instance or dg.DagsterInstance.ephemeral()
    outcome = BuildOutcome()
    files = inbox_files(settings.inbox())
    outcome.reports = sorted(files)
    instance.add_dynamic_partitions("reports", outcome.reports)
    resources = defs.resources
    raw = defs.get_assets_def(dg.AssetKey(["raw", "documents"]))
    for name in outcome.reports:
        result = dg.materialize([raw], partition_key=name, instance=instance, resources=resources, raise_on_error=False, run_config=QUIET)
        if not result.success:
            outcome.failed_reports[name] = _failure_reason(result)
    outcome.dropped_reports = _drop_removed_reports(resources["warehouse"], set(files))
    everything = list(defs.assets) + list(defs.asset_checks or [])
    result = dg.materialize(
        everything, instance=instance, resources=resources, raise_on_error=False, run_config=QUIET,
        selection=(dg.AssetSelection.all() - dg.AssetSelection.assets(raw)) | dg.AssetSelection.checks_for_assets(raw),
    )
    for evaluation in result.get_asset_check_evaluations():
        outcome.checks[evaluation.asset_check_key.to_user_string()] = evaluation.passed
    published = dg.AssetKey("published_warehouse")
    outcome.published = any(e.asset_key == published for e in result.get_asset_materialization_events())
    if not result.success:
        outcome.error = _failure_reason(result)
    return outcome


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


def _failure_reason(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            user = event.step_failure_data.user_failure_data
            return (user.description if user and user.description else None) or (error.message.strip().splitlines()[0] if error else "failed")
    return "failed"
