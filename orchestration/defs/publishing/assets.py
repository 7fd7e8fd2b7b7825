"""Publication: stage the readers' database only when every blocking check passed, in this run,
on the data about to be published (the release switches it in with the exports and the report:
serving.release)."""

from contextlib import contextmanager

import dagster as dg

from ingest.fingerprint import code_hash
from ingest.raw_load import record_publication
from ingest.state import read_state
from orchestration.child_process import in_child_process
from orchestration.defs.dbt.assets import warehouse_dbt_models
from orchestration.defs.quality.checks import CHECKED_ROWS
from orchestration.resources import BuildLock, WarehouseDuckDB, WarehouseSettings
from serving.release import ReleaseError, stage_database


@contextmanager
def as_dagster_failure():
    """A ReleaseError as the step's failure: its words become the run's (and `make run`'s) reason."""
    try:
        yield
    except ReleaseError as exc:
        raise dg.Failure(description=str(exc)) from None


def blocking_check_keys(assets, asset_checks) -> list[dg.AssetCheckKey]:
    """Every blocking check among these assets' own checks and these asset checks."""
    specs = [spec for a in assets for spec in getattr(a, "check_specs", [])]
    specs += [spec for c in asset_checks for spec in c.check_specs]
    return sorted({spec.key for spec in specs if spec.blocking}, key=lambda k: k.to_user_string())


def checks_of_run(instance: dg.DagsterInstance, run_id: str) -> dict[dg.AssetCheckKey, dg.AssetCheckEvaluation]:
    """The check evaluations recorded by one run (the last of each check)."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = (r.event_log_entry.dagster_event.event_specific_data for r in records)
    return {e.asset_check_key: e for e in evaluations}


def failed_blocking_checks(instance: dg.DagsterInstance, run_id: str, keys: list[dg.AssetCheckKey]) -> list[str]:
    """Blocking checks that failed with ERROR severity in run `run_id`, or did not run in it; a
    WARN is reported, not blocking.

    Only this run's results count: a check that passed in an earlier run says nothing about the
    rows loaded since (materialising the publish step alone publishes nothing). Dagster does not
    always skip downstream assets after a failed blocking check, so the publish step looks at
    the check results itself instead of trusting the graph.
    """
    evaluations = checks_of_run(instance, run_id)
    failed = []
    for key in keys:
        evaluation = evaluations.get(key)
        if evaluation is None or (not evaluation.passed and evaluation.severity != dg.AssetCheckSeverity.WARN):
            failed.append(key.to_user_string())
    return failed


PUBLISHED_WAREHOUSE = dg.AssetKey("published_warehouse")


def published_warehouse_asset(keys: list[dg.AssetCheckKey]) -> dg.AssetsDefinition:
    """The publish step, gated on the blocking checks `keys`: those of the whole code location,
    handed over by the definitions (a run that materialises this step alone checks them too,
    and finds they did not run)."""

    @dg.asset(
        deps=[warehouse_dbt_models],
        group_name="publish",
        description="The read-only snapshot for BI tools, staged as "
        "`warehouse/.gent.duckdb.publishing`; `published_release` puts it in place as `warehouse/gent.duckdb`.",
    )
    def published_warehouse(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseDuckDB,
        settings: WarehouseSettings,
        build_lock: BuildLock,
    ) -> dg.MaterializeResult:
        failed = failed_blocking_checks(context.instance, context.run_id, keys)
        if failed:
            raise dg.Failure(
                description=f"not published: blocking checks failed or did not run in this run: {', '.join(failed)}"
            )
        checked = checked_rows(context.instance, context.run_id)
        config = settings.get()
        with warehouse.get_connection() as conn:  # which code built this snapshot: `make run` compares it
            now = read_state(conn).digest()  # the files the raw schema holds, with their bytes
            if checked is not None and checked != now:
                raise dg.Failure(
                    description="not published: reports were loaded or removed after this run's checks "
                    "(the next build checks and publishes them)"
                )
            record_publication(conn, code_hash())
        with as_dagster_failure():
            path = in_child_process(  # (the main process keeps no DuckDB buffers of the copy)
                stage_database, config.build_db, config.warehouse_dir, include_personal_data=config.export_personal_data
            )
        return dg.MaterializeResult(
            metadata={
                "path": str(path),
                "size_mb": round(path.stat().st_size / 1e6, 2),
                "blocking_checks_verified": len(keys),
                CHECKED_ROWS: now,
            }
        )

    return published_warehouse


def checked_rows(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """The loaded-rows fingerprint the quality suites of this run validated (None: not recorded)."""
    for evaluation in checks_of_run(instance, run_id).values():
        value = evaluation.metadata.get(CHECKED_ROWS)
        if value is not None:
            return value.value
    return None
