"""The one Dagster code location of the warehouse (`dagster dev -m orchestration.definitions`).

`defs` takes its settings from the environment (as `EnvVar`s, validated at load: a bad value
stops `dagster dev` with the variable named); `build_definitions(settings)` gives the same
definitions for settings built elsewhere (tests, tools).
"""

from __future__ import annotations

import dagster as dg

from .assets.dbt import warehouse_dbt_models
from .assets.publish import published_warehouse
from .assets.raw import raw_report
from .assets.serve import open_data_export, overview_report, published_release
from .checks import warehouse_checks
from .jobs import build_warehouse, extract_reports, prune_removed_reports
from .resources import BuildLock, WarehouseDuckDB, WarehouseSettings, dbt_resource, settings_resource
from .sensors import inbox_sensor, rebuild_sensor
from .settings import Settings

nightly_build = dg.ScheduleDefinition(
    job=build_warehouse, cron_schedule="0 3 * * *", default_status=dg.DefaultScheduleStatus.STOPPED
)


def build_definitions(settings: Settings, settings_res: WarehouseSettings | None = None) -> dg.Definitions:
    """The code location for `settings` (`settings_res`: the settings resource, default built from them)."""
    return dg.Definitions(
        assets=[
            raw_report,
            warehouse_dbt_models,
            published_warehouse,
            open_data_export,
            overview_report,
            published_release,
        ],
        asset_checks=warehouse_checks,
        jobs=[extract_reports, build_warehouse, prune_removed_reports],
        schedules=[nightly_build],
        sensors=[inbox_sensor, rebuild_sensor],
        resources={
            "settings": settings_res or WarehouseSettings(**settings.as_config()),
            "warehouse": WarehouseDuckDB(database=str(settings.build_db)),
            "build_lock": BuildLock(lock_file=str(settings.build_lock)),
            "dbt": dbt_resource(),
        },
    )


defs = build_definitions(Settings.from_env(), settings_resource())
