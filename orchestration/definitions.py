"""The one Dagster code location of the warehouse (`dagster dev -m orchestration.definitions`).

`defs` takes its settings from the environment (as `EnvVar`s, validated at load: a bad value
stops `dagster dev` with the variable named); `build_definitions(settings)` gives the same
definitions for settings built elsewhere (tests, tools).
"""

from __future__ import annotations

import dagster as dg

from ingest.config import Settings

from .defs.automation.jobs import build_warehouse, extract_inbox, extract_reports, prune_removed_reports
from .defs.automation.schedules import nightly_build
from .defs.automation.sensors import inbox_sensor, rebuild_sensor
from .defs.dbt.assets import warehouse_dbt_models
from .defs.dbt.resources import dbt_resource
from .defs.extraction.assets import raw_report
from .defs.publishing.assets import blocking_check_keys, published_warehouse_asset
from .defs.publishing.release_assets import open_data_export, overview_report, published_release
from .defs.quality.checks import warehouse_checks
from .resources import BuildLock, WarehouseDuckDB, WarehouseSettings, settings_resource

# every asset but the publish step, which is gated on their blocking checks and the suites'
CHECKED_ASSETS = [raw_report, warehouse_dbt_models, open_data_export, overview_report, published_release]


def build_definitions(settings: Settings, settings_res: WarehouseSettings | None = None) -> dg.Definitions:
    """The code location for `settings` (`settings_res`: the settings resource, default built from them)."""
    return dg.Definitions(
        assets=[*CHECKED_ASSETS, published_warehouse_asset(blocking_check_keys(CHECKED_ASSETS, warehouse_checks))],
        asset_checks=warehouse_checks,
        jobs=[extract_reports, extract_inbox, build_warehouse, prune_removed_reports],
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


def build_warehouse_job() -> dg.JobDefinition:
    """`build_warehouse` of the code location, for `make run` (`dagster.reconstructable` needs a
    module-level function)."""
    return defs.resolve_job_def(build_warehouse.name)
