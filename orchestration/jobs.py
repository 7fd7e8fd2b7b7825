"""The named jobs of the warehouse: what the UI, the sensors and `make run` launch."""
import dagster as dg

from .assets.raw import RAW_GROUP, raw_report
from .partitions import reports_partitions
from .raw_load import drop_document
from .resources import WarehouseDuckDB

extract_reports = dg.define_asset_job(
    "extract_reports",
    selection=dg.AssetSelection.assets(raw_report),
    partitions_def=reports_partitions,
    description="Extract one report (partition) into the raw schema.",
)

build_warehouse = dg.define_asset_job(
    "build_warehouse",
    # everything after the raw layer, with the dbt tests on the raw sources
    selection=(dg.AssetSelection.all() - dg.AssetSelection.groups(RAW_GROUP)) | dg.AssetSelection.checks_for_assets(raw_report),
    description="dbt build, quality checks, publication, open-data exports and report, on whatever raw rows are loaded.",
)


@dg.op(config_schema={"file_names": [str]})
def drop_removed_reports(context: dg.OpExecutionContext, warehouse: WarehouseDuckDB) -> None:
    """Delete the raw rows (and quarantine entries) of files that left the inbox."""
    with warehouse.get_connection() as conn:
        for name in context.op_config["file_names"]:
            removed = drop_document(conn, name)
            context.log.info(f"{name}: {removed} document(s) removed from the raw schema")


@dg.job(description="Remove the rows of reports deleted from the inbox (requested by the inbox sensor and `make run`).")
def prune_removed_reports():
    drop_removed_reports()


RAW_JOBS = (extract_reports.name, prune_removed_reports.name)
