"""What people use after a good build: open-data exports and the overview report.

Both read the published snapshot (read-only), so they never see a half-built warehouse.
"""
import dagster as dg

from .. import settings
from .publish import published_warehouse


@dg.asset(deps=[published_warehouse], group_name="publish", description="Open-data exports per mart (Parquet, CSV, Frictionless datapackage.json) in `warehouse/export/`.")
def open_data_export() -> dg.MaterializeResult:
    from pathlib import Path

    from ..exports import export_open_data, personal_data_from_env
    from ..resources import dbt_project

    include = personal_data_from_env()
    out = settings.warehouse_dir() / "export"
    summary = export_open_data(settings.published_db(), out, include_personal_data=include, manifest=Path(dbt_project().manifest_path))
    return dg.MaterializeResult(metadata={"path": str(out), "resources": dg.MetadataValue.json(summary), "personal_data_included": include})


@dg.asset(deps=[published_warehouse], group_name="publish", description="Static overview page with charts `warehouse/report/index.html`, every figure linked to its source page.")
def overview_report() -> dg.MaterializeResult:
    from ..report import build_report

    path = build_report(settings.published_db(), settings.warehouse_dir() / "report", sources=settings.inbox())
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "size_kb": round(path.stat().st_size / 1024)})
