"""The final step: publish the warehouse only when every blocking check passed."""
from __future__ import annotations

import dagster as dg

from .. import settings
from ..publish import publish_database
from .dbt import warehouse_dbt_models


def failed_blocking_checks(context: dg.AssetExecutionContext) -> list[str]:
    """Blocking checks whose latest execution did not pass.

    Dagster does not always skip downstream assets after a failed blocking check, so the
    publish step looks at the check results itself instead of trusting the graph.
    """
    repo = context.repository_def
    keys = [
        key
        for assets_def in repo.asset_graph.assets_defs
        for spec in assets_def.check_specs
        if spec.blocking
        for key in [spec.key]
    ]
    if not keys:
        return []
    records = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    failed = []
    for key in keys:
        record = records.get(key)
        evaluation = record.event.asset_check_evaluation if record and record.event else None
        if evaluation is None or not evaluation.passed:
            failed.append(key.to_user_string())
    return failed


@dg.asset(deps=[warehouse_dbt_models], group_name="publish", description="The published read-only snapshot `warehouse/gent.duckdb`.")
def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    failed = failed_blocking_checks(context)
    if failed:
        raise dg.Failure(description=f"not published: blocking checks failed or did not run: {', '.join(failed)}")
    path = publish_database(settings.build_db(), settings.published_db())
    return dg.MaterializeResult(metadata={"path": str(path), "size_mb": round(path.stat().st_size / 1e6, 2)})
