"""The nightly rebuild (off by default: the sensors rebuild when the inbox changes)."""

import dagster as dg

from orchestration.defs.automation.jobs import build_warehouse

nightly_build = dg.ScheduleDefinition(
    job=build_warehouse, cron_schedule="0 3 * * *", default_status=dg.DefaultScheduleStatus.STOPPED
)
