"""Incremental marts equal a full rebuild's, row for row.

The per-document models are incremental on the document (dbt_project/macros/incremental_by_document.sql):
a build after a report was added or removed builds only the documents the models lack and
drops the rows of documents that left. These tests build the marts step by step from the
three text dumps (two reports, then the third; then one removed) and compare every table of
`intermediate` and `marts` with `dbt build --full-refresh` on the same raw rows, with
EXCEPT ALL both ways (duplicates count).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
DUMPS = sorted((REPO / "data" / "dumps").glob("*.txt"))
# models and seeds only: the dbt tests run in the pipeline's builds and prove nothing about equality
MODELS_AND_SEEDS = ["--resource-type", "model", "--resource-type", "seed"]


class StepWarehouse:
    """A build database loaded report by report, and dbt run on it as the pipeline does.

    dbt-duckdb keeps its connection open in this process: ours open the file the same way (read-write).
    """

    def __init__(self, work: Path):
        from extract.document import extract_file
        from extract.writer import to_arrow

        self.work, self.db = work, work / "gent.duckdb"
        self.tables = {dump.name: to_arrow(extract_file(dump)) for dump in DUMPS}

    def load(self, *names: str) -> None:
        from ingest.raw_load import replace_document

        with duckdb.connect(str(self.db)) as con:
            for name in names:
                replace_document(con, self.tables[name])

    def drop(self, name: str) -> None:
        from ingest.raw_load import drop_document

        file_name = self.tables[name]["documents"]["file_name"][0].as_py()
        with duckdb.connect(str(self.db)) as con:
            assert drop_document(con, file_name) == 1

    def dbt(self, *extra: str) -> None:
        from dbt.cli.main import dbtRunner

        project = str(REPO / "dbt_project")
        args = ["build", "--project-dir", project, "--profiles-dir", project, "--quiet"]
        args += ["--target-path", str(self.work / "target"), "--log-path", str(self.work / "logs")]
        result = dbtRunner().invoke(
            [*args, "--vars", json.dumps({"build_db": str(self.db)}), *MODELS_AND_SEEDS, *extra]
        )
        assert result.success, result.exception or [r.message for r in result.result if r.status != "success"]

    def tables_built(self) -> list[str]:
        with duckdb.connect(str(self.db)) as con:
            rows = con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_schema in ('intermediate', 'marts') and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        return [r[0] for r in rows]

    def keep_copy(self) -> None:
        """Copy every intermediate and mart table into schema `kept` (the incremental result)."""
        with duckdb.connect(str(self.db)) as con:
            con.execute("drop schema if exists kept cascade")
            con.execute("create schema kept")
            for table in self.tables_built():
                con.execute(f"create table kept.{table.replace('.', '__')} as select * from {table}")

    def differences(self) -> dict[str, tuple[int, int, int]]:
        """table -> (rows, rows only in the full rebuild, rows only in the incremental result), where they differ."""
        found = {}
        with duckdb.connect(str(self.db)) as con:
            for table in self.tables_built():
                kept = f"kept.{table.replace('.', '__')}"
                only_full = con.execute(f"select count(*) from (from {table} except all from {kept})").fetchone()[0]
                only_incremental = con.execute(
                    f"select count(*) from (from {kept} except all from {table})"
                ).fetchone()[0]
                rows = con.execute(f"select count(*) from {table}").fetchone()[0]
                if only_full or only_incremental:
                    found[table] = (rows, only_full, only_incremental)
        return found

    def rows_per_document(self, table: str) -> dict[str, int]:
        with duckdb.connect(str(self.db)) as con:
            return dict(con.execute(f"select document_id, count(*) from {table} group by 1").fetchall())


@pytest.fixture(scope="module")
def steps(tmp_path_factory) -> StepWarehouse:
    return StepWarehouse(tmp_path_factory.mktemp("incremental"))


def test_a_report_added_to_a_built_warehouse_gives_the_full_rebuilds_marts(steps):
    first, second, third = (d.name for d in DUMPS)
    steps.load(first, second)
    steps.dbt()
    before = steps.rows_per_document("marts.fct_spending")
    steps.load(third)
    steps.dbt()  # incremental: the third report's rows only
    after = steps.rows_per_document("marts.fct_spending")
    assert len(before) == 2 and len(after) == 3
    assert {d: after[d] for d in before} == before  # the two reports built before keep their rows
    steps.keep_copy()
    steps.dbt("--full-refresh")
    assert steps.differences() == {}
    assert len(steps.tables_built()) >= 15  # every intermediate and mart table was compared
    assert "marts.rpt_goal_and_plan_overview" in steps.tables_built()  # what the overview report reads


def test_a_report_removed_leaves_the_marts_a_full_rebuild_gives(steps):
    removed = DUMPS[1].name
    removed_id = steps.tables[removed]["documents"]["document_id"][0].as_py()
    steps.dbt()  # no change: nothing to build, nothing to drop
    steps.drop(removed)
    steps.dbt()
    assert removed_id not in steps.rows_per_document("marts.fct_spending")
    assert removed_id not in steps.rows_per_document("marts.rpt_reconciliation")
    steps.keep_copy()
    steps.dbt("--full-refresh")
    assert steps.differences() == {}
