"""Build the warehouse of the bundled text dumps into a folder: `python tests/dumps_warehouse.py WORK`.

The raw rows from data/dumps, then `dbt build`, `dbt docs generate` and `dbt compile` of the
analyses, then a published copy. It runs in a process of its own so that dbt's connection to the
database is closed when the tests read it: the parallel test workers share one build (conftest).
What dbt reported is written to WORK/invocations.json.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DUMPS = REPO / "data" / "dumps"
PROJECT = REPO / "dbt_project"


def build(work: Path) -> None:
    import duckdb
    from dbt.cli.main import dbtRunner

    from extract.document import extract_file
    from extract.writer import to_arrow
    from ingest.raw_load import replace_document
    from serving.snapshot import publish_database

    db, target, logs = work / "gent.duckdb", work / "target", work / "logs"
    con = duckdb.connect(str(db))
    for dump in sorted(DUMPS.glob("*.txt")):
        replace_document(con, to_arrow(extract_file(dump)))
    con.close()
    os.environ["GENT_BUILD_DB"] = str(db)
    common = ["--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT)]
    common += ["--target-path", str(target), "--log-path", str(logs), "--quiet"]
    runner = dbtRunner()
    invocations = {
        "build": runner.invoke(["build", *common]),
        "docs": runner.invoke(["docs", "generate", *common]),
        "compiled": runner.invoke(["compile", "--select", "path:analyses", *common]),
    }
    publish_database(db, work / "published" / "gent.duckdb")
    (work / "invocations.json").write_text(json.dumps({name: _summary(r) for name, r in invocations.items()}))


def _summary(invocation) -> dict:
    """success, exception and each node's result of a dbtRunnerResult, as plain strings."""
    nodes = [
        {
            "unique_id": r.node.unique_id,
            "name": r.node.name,
            "resource_type": str(r.node.resource_type),
            "status": str(r.status),
            "message": r.message,
        }
        for r in getattr(invocation.result, "results", None) or []  # a catalog (docs generate) has none
    ]
    return {
        "success": invocation.success,
        "exception": repr(invocation.exception) if invocation.exception else None,
        "nodes": nodes,
    }


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    build(Path(sys.argv[1]))
