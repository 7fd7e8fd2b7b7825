"""The extraction of one report into the warehouse's raw schema (one partition per file)."""

import time
from collections import Counter

import dagster as dg

from extract.document import extract_file
from extract.errors import ExtractionError
from extract.reconcile import reconcile, summary
from extract.records import SCHEMAS
from extract.writer import to_arrow

from .. import settings
from ..partitions import reports_partitions
from ..raw_load import replace_document
from ..resources import WarehouseDuckDB

RAW_GROUP = "raw"
RAW_KEYS = {name: dg.AssetKey(["raw", name]) for name in SCHEMAS}


def extraction_metadata(extraction, seconds: float) -> dict:
    """What a person wants to see of one report in the UI."""
    t = extraction.tables
    kinds = Counter(a.kind for a in t["anomalies"])
    d = extraction.document
    checks = reconcile(t, d.layout)
    return {
        "document_id": d.document_id,
        "layout": d.layout,
        "report_year": d.report_year,
        "pages": d.page_count or 0,
        "blocks": len(t["nodes"]),
        "tables": len({r.table_no for r in t["budget_lines"]} | {r.table_no for r in t["staffing_lines"]}),
        "table_markers": d.table_markers,
        "budget_rows": len(t["budget_lines"]),
        "staffing_rows": len(t["staffing_lines"]),
        "anomalies": len(t["anomalies"]),
        "anomalies_by_kind": dg.MetadataValue.json(dict(sorted(kinds.items()))),
        "completeness_failures": kinds.get("completeness", 0),
        "reconciliation": dg.MetadataValue.json(summary(checks)),
        "reconciliation_gaps": dg.MetadataValue.json([
            f"{r.parent} {r.metric}: printed {r.printed}, children {r.children_sum}, difference {r.difference}"
            for r in checks if r.status == "gap"
        ][:50]),
        "duration_s": round(seconds, 2),
    }


@dg.multi_asset(
    specs=[
        dg.AssetSpec(key, group_name=RAW_GROUP, description=f"Raw extracted `{name}` rows of every report, with lineage (document, page, line).")
        for name, key in RAW_KEYS.items()
    ],
    partitions_def=reports_partitions,
    can_subset=False,
)
def raw_report(context: dg.AssetExecutionContext, warehouse: WarehouseDuckDB):
    """Extract one report PDF and replace its rows in the raw schema in one transaction."""
    path = settings.inbox() / context.partition_key
    started = time.monotonic()
    try:
        extraction = extract_file(path)
    except ExtractionError as exc:
        raise dg.Failure(description=str(exc), metadata={"file": str(path), "reason": exc.reason}) from None
    with warehouse.get_connection() as conn:
        replaced = replace_document(conn, to_arrow(extraction))
    metadata = extraction_metadata(extraction, time.monotonic() - started)
    metadata["replaced_document_ids"] = dg.MetadataValue.json(replaced)
    for name, key in RAW_KEYS.items():
        rows = 1 if name == "documents" else len(extraction.tables[name])
        yield dg.MaterializeResult(asset_key=key, metadata={**(metadata if name == "documents" else {}), "rows": rows})
