"""Quality gates as Dagster asset checks.

The Great Expectations suites live in `expectations/`; GX is imported inside the check
functions only, so loading the code location stays fast.
"""

import dagster as dg

from .resources import WarehouseDuckDB


@dg.asset_check(asset=dg.AssetKey(["raw", "anomalies"]), blocking=True, description="No report failed its own completeness self-check (tables = markers, every leaf under a plan, six rows per budget table).")
def extraction_complete(warehouse: WarehouseDuckDB) -> dg.AssetCheckResult:
    with warehouse.get_connection() as conn:
        rows = conn.execute(
            """select d.file_name, a.page, a.line, a.detail
               from raw.anomalies a join raw.documents d using (document_id)
               where a.kind = 'completeness' order by 1, 2, 3"""
        ).fetchall()
        documents = conn.execute("select count(*) from raw.documents").fetchone()[0]
    return dg.AssetCheckResult(
        passed=not rows and documents > 0,
        metadata={
            "documents": documents,
            "failures": len(rows),
            "first_failures": dg.MetadataValue.json([f"{f} p{p} l{l}: {d}" for f, p, l, d in rows[:20]]),
        },
    )


warehouse_checks = [extraction_complete]
