"""What people use after a good build: open-data exports and the overview report, then the
release that puts them in place together with the database (orchestration.release).

Both read the staged snapshot (read-only), so they never see a half-built warehouse, and
describe exactly the database they are published with.
"""
import dagster as dg

from .. import settings
from ..release import as_dagster_failure
from .publish import published_warehouse


@dg.asset(deps=[published_warehouse], group_name="publish", description="Open-data exports per mart (Parquet, CSV, Frictionless datapackage.json), staged for `warehouse/export/`.")
def open_data_export() -> dg.MaterializeResult:
    from pathlib import Path

    from ..exports import personal_data_from_env
    from ..release import stage_exports
    from ..resources import dbt_project

    include = personal_data_from_env()
    with as_dagster_failure():
        summary = stage_exports(settings.warehouse_dir(), include, manifest=Path(dbt_project().manifest_path))
    return dg.MaterializeResult(metadata={"path": str(settings.warehouse_dir() / "export"), "resources": dg.MetadataValue.json(summary),
                                          "personal_data_included": include})


@dg.asset(deps=[published_warehouse], group_name="publish", description="Static overview page with charts, staged for `warehouse/report/index.html`, every figure linked to its source page.")
def overview_report() -> dg.MaterializeResult:
    from ..release import stage_report

    with as_dagster_failure():
        path = stage_report(settings.warehouse_dir(), sources=settings.inbox())
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(settings.warehouse_dir() / "report" / path.name)),
                                          "size_kb": round(path.stat().st_size / 1024)})


@dg.asset(deps=[published_warehouse, open_data_export, overview_report], group_name="publish",
          description="The release: the staged database, exports and report replace `warehouse/gent.duckdb`, "
                      "`warehouse/export/` and `warehouse/report/` together, or nothing changes.")
def published_release() -> dg.MaterializeResult:
    from ..release import switch

    with as_dagster_failure():
        manifest = switch(settings.warehouse_dir())
    return dg.MaterializeResult(metadata={"path": str(settings.published_db()),
                                          "size_mb": round(manifest["database"]["bytes"] / 1e6, 2),
                                          "files": sum(len(manifest[p]) for p in ("export", "report"))})
