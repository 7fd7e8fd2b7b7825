"""What people use after a good build: open-data exports and the overview report, then the
release that puts them in place together with the database (serving.release).

Both read the staged snapshot (read-only), so they never see a half-built warehouse, and
describe exactly the database they are published with. Each runs in a child process
(orchestration.child_process: the build's main process does not keep their memory) and holds
the build lock (run by hand in the UI, they wait for no build either).
"""

import dagster as dg

from orchestration.child_process import in_child_process
from orchestration.defs.publishing.assets import PUBLISHED_WAREHOUSE, as_dagster_failure
from orchestration.resources import BuildLock, WarehouseSettings


def _publish_asset(description: str, *after: dg.AssetsDefinition):
    """An asset of the publish group, run after the published warehouse (and `after`)."""
    return dg.asset(deps=[PUBLISHED_WAREHOUSE, *after], group_name="publish", description=description)


@_publish_asset(
    "Open-data exports per mart (Parquet, CSV, Frictionless datapackage.json), staged for `warehouse/export/`."
)
def open_data_export(settings: WarehouseSettings, build_lock: BuildLock) -> dg.MaterializeResult:
    from pathlib import Path

    from orchestration.defs.dbt.resources import dbt_project
    from serving.release import stage_exports

    config = settings.get()
    include = config.export_personal_data
    with as_dagster_failure():
        summary = in_child_process(
            stage_exports, config.warehouse_dir, include, manifest=Path(dbt_project().manifest_path)
        )
    return dg.MaterializeResult(
        metadata={
            "path": str(config.warehouse_dir / "export"),
            "resources": dg.MetadataValue.json(summary),
            "personal_data_included": include,
        }
    )


@_publish_asset(
    "Static overview page with charts, staged for `warehouse/report/index.html`, every figure linked to its source page."
)
def overview_report(settings: WarehouseSettings, build_lock: BuildLock) -> dg.MaterializeResult:
    from serving.release import stage_report

    config = settings.get()
    with as_dagster_failure():
        path = in_child_process(stage_report, config.warehouse_dir, sources=config.inbox)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(config.warehouse_dir / "report" / path.name)),
            "size_kb": round(path.stat().st_size / 1024),
        }
    )


@_publish_asset(
    "The release: the staged database, exports and report replace `warehouse/gent.duckdb`, "
    "`warehouse/export/` and `warehouse/report/` together, or nothing changes.",
    open_data_export,
    overview_report,
)
def published_release(settings: WarehouseSettings, build_lock: BuildLock) -> dg.MaterializeResult:
    from serving.release import switch

    config = settings.get()
    with as_dagster_failure():
        manifest = switch(config.warehouse_dir)
    return dg.MaterializeResult(
        metadata={
            "path": str(config.published_db),
            "size_mb": round(manifest["database"]["bytes"] / 1e6, 2),
            "files": sum(len(manifest[p]) for p in ("export", "report")),
        }
    )
