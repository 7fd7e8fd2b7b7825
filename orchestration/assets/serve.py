"""What people use after a good build: open-data exports and the overview report.

Both read the published snapshot (read-only), so they never see a half-built warehouse, and
hold the build lock (run by hand in the UI, they wait for no build either).
"""
import dagster as dg

from ..resources import BuildLock, WarehouseSettings
from .publish import published_warehouse


@dg.asset(deps=[published_warehouse], group_name="publish", description="Open-data exports per mart (Parquet, CSV, Frictionless datapackage.json) in `warehouse/export/`.")
def open_data_export(settings: WarehouseSettings, build_lock: BuildLock) -> dg.MaterializeResult:
    from pathlib import Path

    from ..exports import export_open_data
    from ..resources import dbt_project

    config = settings.get()
    include = config.export_personal_data
    out = config.warehouse_dir / "export"
    summary = export_open_data(config.published_db, out, include_personal_data=include, manifest=Path(dbt_project().manifest_path))
    return dg.MaterializeResult(metadata={"path": str(out), "resources": dg.MetadataValue.json(summary), "personal_data_included": include})


@dg.asset(deps=[published_warehouse], group_name="publish", description="Static overview page with charts `warehouse/report/index.html`, every figure linked to its source page.")
def overview_report(settings: WarehouseSettings, build_lock: BuildLock) -> dg.MaterializeResult:
    from ..report import build_report

    config = settings.get()
    path = build_report(config.published_db, config.warehouse_dir / "report", sources=config.inbox)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "size_kb": round(path.stat().st_size / 1024)})
