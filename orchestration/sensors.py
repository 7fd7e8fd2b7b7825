"""Watch the inbox: a new or changed PDF becomes a (re-)run partition, a removed one is dropped."""

import json

import dagster as dg

from . import settings
from .assets.raw import raw_report
from .inbox import inbox_files, plan_inbox_changes
from .partitions import reports_partitions
from .raw_load import drop_document
from .resources import WarehouseDuckDB

extract_reports = dg.define_asset_job(
    "extract_reports",
    selection=dg.AssetSelection.assets(raw_report),
    partitions_def=reports_partitions,
    description="Extract one report (partition) into the raw schema.",
)

@dg.op(config_schema={"file_names": [str]})
def drop_removed_reports(context: dg.OpExecutionContext, warehouse: WarehouseDuckDB) -> None:
    """Delete the raw rows of reports whose file left the inbox."""
    with warehouse.get_connection() as conn:
        for name in context.op_config["file_names"]:
            removed = drop_document(conn, name)
            context.log.info(f"{name}: {removed} document(s) removed from the raw schema")


@dg.job(description="Remove the rows of reports deleted from the inbox (requested by the inbox sensor).")
def prune_removed_reports():
    drop_removed_reports()


@dg.sensor(jobs=[extract_reports, prune_removed_reports], minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED)
def inbox_sensor(context: dg.SensorEvaluationContext):
    current = inbox_files(settings.inbox())
    previous = json.loads(context.cursor) if context.cursor else {}
    new, changed, removed = plan_inbox_changes(current, previous)
    requests = [
        dg.RunRequest(run_key=f"{name}:{current[name]}", partition_key=name, job_name="extract_reports")
        for name in new + changed
    ]
    if removed:
        requests.append(dg.RunRequest(
            run_key=f"drop:{','.join(removed)}:{len(previous)}", job_name="prune_removed_reports",
            run_config={"ops": {"drop_removed_reports": {"config": {"file_names": removed}}}},
        ))
    partition_requests = []
    if new:
        partition_requests.append(reports_partitions.build_add_request(new))
    if removed:
        partition_requests.append(reports_partitions.build_delete_request(removed))
    context.update_cursor(json.dumps(current))
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=partition_requests)
