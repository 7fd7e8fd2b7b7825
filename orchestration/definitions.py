"""The one Dagster code location of the warehouse (`dagster dev -m orchestration.definitions`)."""
from __future__ import annotations

import dagster as dg

from .assets.dbt import warehouse_dbt_models
from .assets.publish import published_warehouse
from .assets.raw import raw_report
from .assets.serve import open_data_export, overview_report, published_release
from .checks import warehouse_checks
from .jobs import build_warehouse, extract_reports, prune_removed_reports
from .resources import dbt_resource, warehouse_resource
from .sensors import inbox_sensor, rebuild_sensor

nightly_build = dg.ScheduleDefinition(
    job=build_warehouse, cron_schedule="0 3 * * *", default_status=dg.DefaultScheduleStatus.STOPPED
)

defs = dg.Definitions(
    assets=[raw_report, warehouse_dbt_models, published_warehouse, open_data_export, overview_report, published_release],
    asset_checks=warehouse_checks,
    jobs=[extract_reports, build_warehouse, prune_removed_reports],
    schedules=[nightly_build],
    sensors=[inbox_sensor, rebuild_sensor],
    resources={"warehouse": warehouse_resource(), "dbt": dbt_resource()},
)
