"""Publication: stage the readers' database only when every blocking check passed (the
release switches it in with the exports and the report: orchestration.release)."""

import dagster as dg

from .. import settings
from ..fingerprint import code_hash
from ..release import as_dagster_failure, stage_database
from ..raw_load import record_publication
from ..resources import WarehouseDuckDB
from .dbt import warehouse_dbt_models


def blocking_check_keys() -> list[dg.AssetCheckKey]:
    from ..definitions import defs  # at run time: the code location is loaded by then

    specs = [spec for a in defs.assets for spec in getattr(a, "check_specs", [])]
    specs += [spec for c in defs.asset_checks or [] for spec in c.check_specs]
    return sorted({spec.key for spec in specs if spec.blocking}, key=lambda k: k.to_user_string())


def failed_blocking_checks(instance: dg.DagsterInstance, keys: list[dg.AssetCheckKey]) -> list[str]:
    """Blocking checks whose latest execution failed with ERROR severity (or never ran); a WARN is reported, not blocking.

    Dagster does not always skip downstream assets after a failed blocking check, so the
    publish step looks at the check results itself instead of trusting the graph.
    """
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys) if keys else {}
    failed = []
    for key in keys:
        record = records.get(key)
        evaluation = record.evaluation if record else None
        if evaluation is None or (not evaluation.passed and evaluation.severity != dg.AssetCheckSeverity.WARN):
            failed.append(key.to_user_string())
    return failed


@dg.asset(deps=[warehouse_dbt_models], group_name="publish", description="The read-only snapshot for BI tools, staged as "
          "`warehouse/.gent.duckdb.publishing`; `published_release` puts it in place as `warehouse/gent.duckdb`.")
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseDuckDB) -> dg.MaterializeResult:
    keys = blocking_check_keys()
    failed = failed_blocking_checks(context.instance, keys)
    if failed:
        raise dg.Failure(description=f"not published: blocking checks failed or did not run: {', '.join(failed)}")
    with warehouse.get_connection() as conn:  # which code built this snapshot: `make run` compares it
        record_publication(conn, code_hash())
    from ..exports import personal_data_from_env  # the exports' switch: one rule for both

    with as_dagster_failure():
        path = stage_database(settings.build_db(), settings.warehouse_dir(), include_personal_data=personal_data_from_env())
    return dg.MaterializeResult(metadata={
        "path": str(path), "size_mb": round(path.stat().st_size / 1e6, 2), "blocking_checks_verified": len(keys),
    })
