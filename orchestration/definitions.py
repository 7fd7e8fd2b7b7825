"""The one Dagster code location of the warehouse (`dagster dev -m orchestration.definitions`)."""
from __future__ import annotations

import dagster as dg

from .assets.dbt import warehouse_dbt_models
from .assets.publish import published_warehouse
from .assets.raw import RAW_GROUP, raw_report
from .assets.serve import open_data_export, overview_report
from .checks import warehouse_checks
from .resources import dbt_resource, warehouse_resource
from .sensors import extract_reports, inbox_sensor, prune_removed_reports

build_warehouse = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(RAW_GROUP),
    description="dbt build, quality checks and publication, on whatever raw rows are loaded.",
)
nightly_build = dg.ScheduleDefinition(
    job=build_warehouse, cron_schedule="0 3 * * *", default_status=dg.DefaultScheduleStatus.STOPPED
)

defs = dg.Definitions(
    assets=[raw_report, warehouse_dbt_models, published_warehouse, open_data_export, overview_report],
    asset_checks=warehouse_checks,
    jobs=[extract_reports, build_warehouse, prune_removed_reports],
    schedules=[nightly_build],
    sensors=[inbox_sensor],
    resources={"warehouse": warehouse_resource(), "dbt": dbt_resource()},
)
