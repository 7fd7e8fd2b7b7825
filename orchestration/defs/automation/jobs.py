"""The named jobs of the warehouse: what the UI, the sensors and `make run` launch."""

import dagster as dg

from orchestration.defs.extraction.assets import RAW_GROUP, raw_report
from orchestration.defs.extraction.partitions import reports_partitions
from ingest.raw_load import drop_document
from orchestration.resources import WarehouseDuckDB, WarehouseSettings
from ingest.config import Settings

extract_reports = dg.define_asset_job(
    "extract_reports",
    selection=dg.AssetSelection.assets(raw_report),
    partitions_def=reports_partitions,
    description="Extract one report (partition) into the raw schema.",
)

build_warehouse = dg.define_asset_job(
    "build_warehouse",
    # everything after the raw layer, with the dbt tests on the raw sources
    selection=(dg.AssetSelection.all() - dg.AssetSelection.groups(RAW_GROUP))
    | dg.AssetSelection.checks_for_assets(raw_report),
    description="dbt build, quality checks, publication, open-data exports and report, on whatever raw rows are loaded.",
    # one process for the whole run: its build lock (a resource) is held from the first step to the last
    executor_def=dg.in_process_executor,
)


@dg.op(config_schema={"file_names": [str]})
def drop_removed_reports(context: dg.OpExecutionContext, warehouse: WarehouseDuckDB) -> None:
    """Delete the raw rows (and quarantine entries) of files that left the inbox."""
    with warehouse.get_connection() as conn:
        for name in context.op_config["file_names"]:
            removed = drop_document(conn, name)
            context.log.info(f"{name}: {removed} document(s) removed from the raw schema")


@dg.job(
    description="Remove the rows of reports deleted from the inbox (requested by the inbox sensor and `make run`).",
    executor_def=dg.in_process_executor,
)  # one small step: no process of its own
def prune_removed_reports():
    drop_removed_reports()


RAW_JOBS = (extract_reports.name, prune_removed_reports.name)


def resources_config(settings: Settings, keys=("settings", "warehouse", "build_lock")) -> dict:
    """Run config that hands `settings` to the resources `keys` of a run: how `make run` passes
    its settings to the jobs it launches (their step processes build the resources from it)."""
    config = {
        "settings": settings.as_config(),
        "warehouse": {"database": str(settings.build_db)},
        "build_lock": {"lock_file": str(settings.build_lock)},
    }
    return {"resources": {key: {"config": config[key]} for key in keys}}


def extract_reports_job() -> dg.JobDefinition:
    """`extract_reports` with the raw asset and its resources only: the job `make run` runs
    (`dagster job execute -m orchestration.defs.automation.jobs -a extract_reports_job`), loaded without dbt's
    manifest (a second sooner); the resources get their values from the run config."""
    return dg.Definitions(
        assets=[raw_report],
        jobs=[extract_reports],
        resources={"settings": WarehouseSettings(), "warehouse": WarehouseDuckDB(database="")},
    ).resolve_job_def(extract_reports.name)


def prune_removed_reports_job() -> dg.JobDefinition:
    return dg.Definitions(
        jobs=[prune_removed_reports], resources={"warehouse": WarehouseDuckDB(database="")}
    ).resolve_job_def(prune_removed_reports.name)
