"""The named jobs of the warehouse: what the UI, the sensors and `make run` launch."""

import re

import dagster as dg
from dagster._core.definitions.data_version import DATA_VERSION_TAG

from ingest.config import Settings
from ingest.raw_load import drop_document
from orchestration.defs.extraction.assets import RAW_GROUP, load_report, raw_report
from orchestration.defs.extraction.partitions import reports_partitions
from orchestration.resources import WarehouseDuckDB, WarehouseSettings

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


@dg.op(config_schema={"file_names": [str]}, out=dg.DynamicOut(str))
def inbox_reports(context: dg.OpExecutionContext):
    """One output per report to extract: each becomes a step of its own, run in parallel."""
    for index, name in enumerate(context.op_config["file_names"]):
        yield dg.DynamicOutput(name, mapping_key=report_step_key(index, name))


def report_step_key(index: int, name: str) -> str:
    """A mapping key (letters, digits, _) that keeps the file name readable in the UI's step list."""
    return f"r{index}_{re.sub(r'[^A-Za-z0-9_]', '_', name)[:60]}"


def report_steps(file_names: list[str]) -> dict[str, str]:
    """Step key -> report, for an `extract_inbox` run over `file_names` (its run config)."""
    return {f"{extract_report.name}[{report_step_key(i, n)}]": n for i, n in enumerate(file_names)}


@dg.op(out={})
def extract_report(context: dg.OpExecutionContext, name: str, warehouse: WarehouseDuckDB, settings: WarehouseSettings):
    """The raw asset's work for one report, recorded as a materialization of its partition."""
    for key, metadata, version in load_report(name, warehouse, settings.get(), context.log):
        yield dg.AssetMaterialization(key, partition=name, metadata=metadata, tags={DATA_VERSION_TAG: version})


@dg.job(
    description="Extract several reports (partitions) into the raw schema in one run: one step per report, "
    "as many at once as the executor's max_concurrent (what `make run` launches).",
    executor_def=dg.multiprocess_executor,
)
def extract_inbox():
    inbox_reports().map(extract_report)


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


RAW_JOBS = (extract_reports.name, extract_inbox.name, prune_removed_reports.name)


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
    """`extract_reports` with the raw asset and its resources only, loaded without dbt's manifest
    (a second sooner), for one partition by hand: `dagster job execute -m
    orchestration.defs.automation.jobs -a extract_reports_job`; the resources get their values
    from the run config."""
    return dg.Definitions(
        assets=[raw_report],
        jobs=[extract_reports],
        resources={"settings": WarehouseSettings(), "warehouse": WarehouseDuckDB(database="")},
    ).resolve_job_def(extract_reports.name)


def extract_inbox_job() -> dg.JobDefinition:
    """`extract_inbox` with its resources only (no dbt manifest): each of its step processes loads this."""
    return dg.Definitions(
        jobs=[extract_inbox], resources={"settings": WarehouseSettings(), "warehouse": WarehouseDuckDB(database="")}
    ).resolve_job_def(extract_inbox.name)


def prune_removed_reports_job() -> dg.JobDefinition:
    return dg.Definitions(
        jobs=[prune_removed_reports], resources={"warehouse": WarehouseDuckDB(database="")}
    ).resolve_job_def(prune_removed_reports.name)
