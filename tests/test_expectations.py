"""The Great Expectations suites (expectations/): clean samples, injected faults, reporting.

A raw warehouse is built once per session from the text dumps (same rows as the PDFs); every
fault is injected into a copy, and the suites must fail exactly the expectation that owns the
fault, naming document, page and line. Stand-in marts (the dbt models' column names, built in
SQL from raw) exercise the mart-only expectations without running dbt.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from duckdb_reads import read_only_query
from test_report import console_problems, run_chromium

from expectations import SUITES
from expectations.catalog import Catalog
from expectations.checks import BLOCKING, CHECKS, reconciliation_sql
from expectations.sql_numbers import register as register_sql_numbers

REPO = Path(__file__).resolve().parents[1]
DUMPS = REPO / "data" / "dumps"
DOC_000, DOC_001, DOC_002 = "000_e4447ffc8730546a.txt", "001_5a1694c8d7d5c37e.txt", "002_389065707a3be2af.txt"
GAPS = {DOC_000: 0, DOC_001: 39, DOC_002: 15}  # the reports' own inconsistencies (REPORT_FORMAT §3)


# ---------------------------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def raw_db(tmp_path_factory) -> Path:
    from extract.document import extract_file
    from extract.writer import to_arrow
    from ingest.raw_load import replace_document

    path = tmp_path_factory.mktemp("gx") / "base.duckdb"
    conn = duckdb.connect(str(path))
    for dump in sorted(DUMPS.glob("*.txt")):
        replace_document(conn, to_arrow(extract_file(dump)))
    conn.close()
    return path


STAND_IN_MARTS = """
create schema marts;
create table marts.fct_spending as
select md5(b.document_id || b.node_id || b.category || b.direction) as spending_key, b.document_id, b.node_id,
       n.code as leaf_code, n.entity as entity_code, p.code as action_plan_code, b.year as fiscal_year,
       b.category, b.direction, b.budget as budget_eur, b.actual as actual_eur, b.actual_prev as actual_prev_eur,
       b.table_no, b.row_no, b.page, b.line
from raw.budget_lines b
join raw.nodes n on n.document_id = b.document_id and n.node_id = b.node_id and n.level in ('action', 'project')
left join raw.nodes p on p.document_id = n.document_id and p.node_id = n.parent_node_id;
create table marts.fct_spending_reported as
select md5(document_id || node_id || category || direction) as reported_spending_key, document_id, node_id,
       category, direction, budget_raw, actual_raw, execution_pct_raw, actual_prev_raw, change_pct_raw,
       budget as budget_eur, actual as actual_eur, execution_pct as execution_pct_printed,
       actual_prev as actual_prev_eur, change_pct as change_pct_printed, table_no, row_no, page, line
from raw.budget_lines;
create table marts.fct_staffing as
select md5(n.document_id || n.node_id) as staffing_key, n.document_id, n.node_id, s.plan_fte, s.paid_fte,
       s.paid_prev_fte,
       case when not exists (select 1 from raw.staffing_lines x where x.document_id = n.document_id)
            then 'not_reported' when s.node_id is null then 'table_not_printed' end as fte_null_reason,
       coalesce(s.page, n.page) as page, coalesce(s.line, n.line) as line
from raw.nodes n left join raw.staffing_lines s on s.document_id = n.document_id and s.node_id = n.node_id
where n.level in ('action', 'project');
create table marts.fct_staffing_reported as
select md5(document_id || node_id) as reported_staffing_key, document_id, node_id, table_no, plan_raw, paid_raw,
       paid_pct_raw, paid_prev_raw, change_pct_raw, plan_fte, paid_fte, paid_pct as paid_pct_printed,
       paid_prev_fte, change_pct as change_pct_printed, page, line
from raw.staffing_lines;
"""


@pytest.fixture(scope="session")
def marts_db(raw_db, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gx_marts") / "warehouse.duckdb"
    shutil.copy(raw_db, path)
    conn = duckdb.connect(str(path))
    conn.execute(STAND_IN_MARTS)
    cat = Catalog.read(conn)
    conn.execute(f"""create table marts.rpt_reconciliation as
        select md5(document_id || node_id || metric || category || direction) as reconciliation_key, document_id,
               node_id as parent_node_id, parent_code, metric, category, direction, printed as printed_value,
               children_sum, case when status in ('exact', 'rounding', 'gap') then difference end as difference,
               tolerance, status, page, line
        from ({reconciliation_sql(cat)})""")
    conn.close()
    return path


def copy_of(db: Path, tmp_path: Path, *statements: str, params: list | None = None) -> Path:
    """A copy of db with the statements applied (the injected fault)."""
    target = tmp_path / db.name
    shutil.copy(db, target)
    conn = duckdb.connect(str(target))
    for sql in statements:
        conn.execute(sql, params or [])
    conn.close()
    return target


def failures_after_fault(db: Path, tmp_path: Path, expectation: str, *statements: str, params: list) -> list[dict]:
    """Run the suites on a copy of db with the fault injected: only `expectation` fails; its failures."""
    return assert_only(run(copy_of(db, tmp_path, *statements, params=params)), expectation)


query = read_only_query


def run(db: Path, **kwargs):
    from expectations import run_suites

    kwargs.setdefault("data_docs", False)
    kwargs.setdefault("record_run", False)
    return {r.suite: r for r in run_suites(db, **kwargs)}


def failing_blocking(results) -> set[str]:
    """Names of the failed expectations of the blocking suites."""
    return {f["expectation"] for r in results.values() if r.blocking for f in r.failures}


def assert_only(results, expectation: str) -> list[dict]:
    assert failing_blocking(results) == {expectation}
    suite = next(r for r in results.values() if any(f["expectation"] == expectation for f in r.failures))
    assert suite.severity == "ERROR" and not suite.passed
    others = [r for r in results.values() if r.blocking and r is not suite]
    assert all(r.severity == "OK" and r.passed for r in others)
    assert results["reconciliation"].severity in ("OK", "WARN"), results["reconciliation"].failures[:3]
    return [f for f in suite.failures if f["expectation"] == expectation]


def where(document: str, page: int | None, line: int) -> str:
    """How a message names a location (the text dumps carry no page numbers: '?')."""
    return f"{document}, page {'?' if page is None else page}, line {line}"


def located(failure: dict, document: str, page: int | None, line: int) -> bool:
    return (failure["document"], failure.get("page"), failure["line"]) == (document, page, line) and where(
        document, page, line
    ) in failure["message"]


@pytest.fixture(scope="session")
def clean(raw_db):
    return run(raw_db)


@pytest.fixture(scope="session")
def clean_marts(marts_db, tmp_path_factory):
    """The stand-in marts warehouse, validated twice with history and Data Docs."""
    db = tmp_path_factory.mktemp("gx_history") / "warehouse.duckdb"
    shutil.copy(marts_db, db)
    docs = db.parent / "gx"
    first = run(db, data_docs=True, data_docs_dir=docs, record_run=True, run_id="run-1")
    second = run(db, data_docs=False, record_run=True, run_id="run-2", suites=["completeness", "reconciliation"])
    return db, docs, first, second


# ---------------------------------------------------------------------------------------------
# the package
# ---------------------------------------------------------------------------------------------


def test_import_is_fast_and_does_not_load_great_expectations():
    code = (
        "import sys, time; t = time.perf_counter(); import expectations; "
        "from expectations.runner import SuiteResult; from expectations import checks; "
        "print(time.perf_counter() - t); assert 'great_expectations' not in sys.modules, 'GX imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip().splitlines()[-1]) < 1.0


def test_suites_listed_once():
    import expectations

    assert expectations.SUITES == SUITES == tuple(BLOCKING)
    assert {c.suite for c in CHECKS} == set(SUITES)
    names = [(c.suite, e.name) for c in CHECKS for e in c.expectations]
    assert len(names) == len(set(names))


def test_no_question_mark_in_check_sql(marts_db):
    # GX renders unexpected_index_query by substituting '?' placeholders in the query text
    conn = duckdb.connect(str(marts_db), read_only=True)
    cat = Catalog.read(conn)
    conn.close()
    for check in CHECKS:
        assert "?" not in check.build(cat), check.name


def test_numbers_in_the_checks_details_are_written_by_the_one_formatter():
    """The checks' SQL writes numbers through extract.number_format (as the reports print them)."""
    from expectations.checks import _be, _tolerance
    from expectations.sql_numbers import register

    conn = duckdb.connect()
    register(conn)
    rows = conn.execute(
        f"""
        select {_be("v", "unit = 'FTE'")} as number, {_tolerance("t", "unit = 'FTE'")} as tolerance
        from (values (-13407::bigint, 'EUR', 3.5::decimal(18, 3)),
                     (1097.07::decimal(18, 2), 'FTE', 0.035::decimal(18, 3)),
                     (12345678901234::hugeint, 'EUR', 1000.5::decimal(18, 3)),
                     (2.5::decimal(18, 2), 'EUR', 2.000::decimal(18, 3)),
                     (null, 'FTE', null)) as t(v, unit, t)"""
    ).fetchall()
    conn.close()
    assert rows == [
        ("-13.407", "3,5"),
        ("1.097,07", "0,035"),
        ("12.345.678.901.234", "1.000,5"),
        ("3", "2,0"),  # half up, as the reports round
        (None, None),
    ]


def test_percentage_sql_is_the_extractors_interval_logic(tmp_path):
    """The SQL of percentages_match_ratios decides every cell as extract.tables.percentage_consistent."""
    import pyarrow as pa

    from expectations.checks import _percentages
    from extract.records import SCHEMAS
    from extract.tables import percentage_consistent
    from ingest.raw_load import ensure_raw_schema

    rng = random.Random(5)
    cases = [
        (0, 0, 0),
        (0, 5, 0),
        (0, 0, 7),
        (Decimal("2766541.7"), 27665, 1),
        (Decimal("100.0"), 1, 1),
        (Decimal("150.0"), 3, 2),
        (Decimal("-18.4"), -184, 1000),
        (Decimal("33.3"), 1, 3),
        (Decimal("33.4"), 1, 3),
    ]
    for _ in range(3000):
        den = rng.choice([0, 1, 2, 3, 10, rng.randint(-50, 50), rng.randint(1, 10**7)])
        num = rng.choice([0, 1, rng.randint(-100, 100), rng.randint(0, 10**7), int(den * rng.uniform(0.5, 1.5))])
        ratio = Decimal(100 * num / den).quantize(Decimal("0.1")) if den else Decimal(0)
        pct = ratio + Decimal(rng.choice([0, 0, 0, 1, -1, 2, 5, 50])) / 10
        cases.append((pct, num, den))
    conn = duckdb.connect(str(tmp_path / "pct.duckdb"))
    ensure_raw_schema(conn)
    conn.execute(
        "insert into raw.documents (document_id, file_name, layout, line_count, table_markers, "
        "extractor_version, source_format, entities) values ('d', 'd.pdf', 'stad_ocmw', 1, 1, 't', 'pdf', '')"
    )
    rows = pa.Table.from_pylist(
        [
            {
                "document_id": "d",
                "node_id": "n",
                "table_no": i,
                "row_no": 1,
                "category": "exploitatie",
                "direction": "uitgaven",
                "label_printed": "x",
                "budget_raw": "1",
                "actual_raw": "1",
                "execution_pct_raw": "1%",
                "actual_prev_raw": "1",
                "change_pct_raw": "1%",
                "budget": den,
                "actual": num,
                "execution_pct": Decimal(p),
                "actual_prev": den,
                "change_pct": Decimal(p),
                "year": 2024,
                "previous_year": 2023,
                "page": 1,
                "line": i,
                "raw_text": "",
            }
            for i, (p, num, den) in enumerate(cases)
        ],
        schema=SCHEMAS["budget_lines"],
    )
    conn.register("cases", rows)
    conn.execute("insert into raw.budget_lines select * from cases")
    cat = Catalog.read(conn)
    got = {
        line: ok
        for line, ok in conn.execute(
            f"select line, percentage_consistent from ({_percentages(cat)}) where detail like 'execution_pct%'"
        ).fetchall()
    }
    conn.close()
    mismatches = [
        (c, got[i])
        for i, c in enumerate(cases)
        if got[i] != percentage_consistent(Decimal(c[0]), c[1], c[2], Decimal("0.5"))
    ]
    assert not mismatches, mismatches[:5]
    assert 0 < sum(got.values()) < len(cases)  # both outcomes exercised


# ---------------------------------------------------------------------------------------------
# the samples as they are
# ---------------------------------------------------------------------------------------------


def test_samples_pass_blocking_suites_and_warn_for_the_reports_gaps(clean):
    assert list(clean) == list(SUITES)
    for name, result in clean.items():
        assert result.blocking == BLOCKING[name]
        if name != "reconciliation":
            assert (result.severity, result.passed, result.failures) == ("OK", True, []), name
    rec = clean["reconciliation"]
    assert (rec.severity, rec.passed, rec.blocking) == ("WARN", True, False)
    gaps = [f for f in rec.failures if f["expectation"] == "parents_match_children"]
    assert all(f["severity"] == "WARN" for f in rec.failures)
    assert {d: sum(g["document"] == d for g in gaps) for d in GAPS} == GAPS
    assert rec.statistics["gaps_by_document"] == {d: n for d, n in GAPS.items() if n}
    for gap in gaps:
        assert {"document", "page", "line", "parent_code", "metric", "printed", "sum", "difference"} <= gap.keys()
        assert (
            gap["metric"].endswith(gap["measure"]) and " " in gap["metric"]
        )  # e.g. 'exploitatie uitgaven actual_prev'

        assert abs(gap["printed"] - gap["sum"] - gap["difference"]) < 1e-9
        assert abs(gap["difference"]) > gap["tolerance"]
        assert where(gap["document"], gap.get("page"), gap["line"]) in gap["message"]
    # the previous-year column holds most of them (actions that ended), as the report format says
    assert sum(g["measure"] in ("actual_prev", "paid_prev_fte") for g in gaps) > len(gaps) / 2
    # the column missing from 001 (AC34852's actual) makes its plan's cells not comparable, reported as WARN
    missing = [f for f in rec.failures if f["expectation"] == "parent_cells_printed"]
    assert {(f["document"], f["parent_code"], f["measure"]) for f in missing} == {(DOC_001, "OD10075", "actual")}
    assert all("AC34852" in f["message"] for f in missing)
    # mart-only expectations say why they did not run
    assert clean["conservation"].skipped == ["conformed_facts_conserve_raw_leaves: skipped: marts not built"]
    assert "printed_values_unchanged: skipped: marts not built" in clean["semantics"].skipped


def test_one_verdict_per_suite_for_the_terminal_and_the_dagster_ui(clean):
    """The same sentence everywhere; a WARN of the non-blocking suite is a warning, never a plain failure."""
    import dagster as dg

    from expectations.runner import NON_BLOCKING_NOTE
    from orchestration.defs.quality.checks import check_result

    rec = clean["reconciliation"]
    not_printed = sum(f["expectation"] == "parent_cells_printed" for f in rec.failures)
    assert (
        rec.verdict
        == (
            f"WARN — {sum(GAPS.values())} gaps in the reports' own arithmetic, "
            f"{not_printed} cells not printed ({NON_BLOCKING_NOTE})"
        )
        and not_printed > 1
    )
    ui = check_result(rec)
    assert (ui.passed, ui.severity, ui.description) == (False, dg.AssetCheckSeverity.WARN, rec.verdict)
    assert ui.metadata["verdict"].value == rec.verdict
    ok = check_result(clean["completeness"])
    assert ok.passed and ok.description.startswith("OK — ") and ok.description == clean["completeness"].verdict


def test_a_suite_that_cannot_run_is_no_finding_and_blocks_only_when_blocking(raw_db, monkeypatch, tmp_path):
    """A suite whose query fails (DuckDB out of memory in a 100-report build) checked nothing: its
    verdict says it could not run, why, and whether publication is blocked. It once read
    "ERROR — 1 finding (not published)" for the non-blocking suite of a warehouse that was published."""
    import dagster as dg

    from expectations import run_suites, runner
    from expectations.__main__ import summary
    from orchestration.defs.quality.checks import check_result, quality_suites

    oom = "Out of Memory Error: failed to allocate data of size 32.0 KiB (366.1 MiB/366.2 MiB used)"
    monkeypatch.setattr(runner, "materialise", lambda database, catalog, scratch, queries: dict.fromkeys(queries, oom))
    results = run(raw_db, suites=["completeness", "reconciliation"])
    rec, comp = results["reconciliation"], results["completeness"]
    assert rec.verdict == f"ERROR — could not run: {oom} (non-blocking: published without this suite)"
    assert comp.verdict == f"ERROR — could not run: {oom} (blocking: not published)"
    for result in (rec, comp):
        assert (result.severity, result.passed, result.failures, result.could_not_run) == ("ERROR", False, [], oom)
        ui = check_result(result)
        assert (ui.passed, ui.severity, ui.description) == (False, dg.AssetCheckSeverity.ERROR, result.verdict)
    assert f"  {rec.title:32} {rec.verdict}\n" in summary(list(results.values()))  # and no counts of nothing

    # run_suites itself raising (in its child process): the Dagster check reports every suite as not
    # run, with the reason
    def raising(function, *args, **kwargs):
        assert function is run_suites
        raise MemoryError("no memory left")

    monkeypatch.setattr("orchestration.defs.quality.checks.in_child_process", raising)
    settings = SimpleNamespace(get=lambda: SimpleNamespace(build_db=tmp_path / "none.duckdb", data_docs_dir=None))
    context = SimpleNamespace(run=SimpleNamespace(run_id="r"), log=SimpleNamespace(exception=lambda message: None))
    checks = list(quality_suites.op.compute_fn.decorated_fn(context, settings))
    assert [c.check_name for c in checks] == [f"gx_{suite}" for suite in SUITES]
    assert all(not c.passed and c.severity == dg.AssetCheckSeverity.ERROR for c in checks)
    assert (
        checks[2].description
        == "ERROR — could not run: MemoryError: no memory left (non-blocking: published without this suite)"
    )
    assert checks[0].description.endswith("(blocking: not published)")


def test_the_reconciliation_suite_run_per_document_gives_the_rows_of_one_query(marts_db, tmp_path, monkeypatch):
    """The reconciliation suite runs in batches of documents (DuckDB's memory flat in the number of
    reports); one document per batch gives the rows the query gives over the whole warehouse."""
    from expectations import materialise as m
    from expectations.runner import _prepare

    conn = duckdb.connect(str(marts_db), read_only=True)
    register_sql_numbers(conn)
    try:
        cat = Catalog.read(conn)
        queries = {"reconciliation": _prepare(conn, cat, "reconciliation").plan.query}
    finally:
        conn.close()
    monkeypatch.setattr(m, "BATCH", 1)

    def rows(per_document: set[str]) -> list[tuple]:
        monkeypatch.setattr(m, "PER_DOCUMENT", per_document)
        scratch = tmp_path / str(len(per_document)) / f"{m.SCRATCH_CATALOG}.duckdb"
        scratch.parent.mkdir()
        assert m.materialise(marts_db, cat.database, scratch, queries) == {}
        return sorted(query(scratch, "select * from reconciliation"), key=repr)

    batched = rows({"reconciliation"})
    assert len({row[1] for row in batched}) == 3 and batched == rows(set())


def test_observed_values_are_real_numbers(clean):
    """The duckdb-engine pitfall: GX must report real observed values, not None / 'N/A'."""
    expectations = [e for r in clean.values() for e in r.statistics["expectations"]]
    assert len(expectations) == sum(r.statistics["evaluated_expectations"] for r in clean.values()) >= 18
    for e in expectations:
        assert e["exception"] is None, e
        if e["type"].startswith(("expect_column_values", "expect_column_pair")):
            assert isinstance(e["element_count"], int) and e["element_count"] > 0, e
            assert isinstance(e["unexpected_count"], int), e
        else:
            assert isinstance(e["observed_value"], (int, float)) and not isinstance(e["observed_value"], bool), e
    observed = {e["name"]: e["observed_value"] for e in expectations}
    assert observed["documents_loaded"] == 3
    assert 0.9 < observed["reconciliation_pass_rate"] < 1.0
    counts = {e["name"]: e["unexpected_count"] for e in expectations}
    assert counts["parents_match_children"] == sum(GAPS.values())


# ---------------------------------------------------------------------------------------------
# injected faults: exactly the right expectation fails, naming document, page and line
# ---------------------------------------------------------------------------------------------


def test_shifted_column(raw_db, tmp_path):
    # one leaf table of 002 reads its previous-year column into the actual column
    doc_id, node, table = query(
        raw_db,
        """
        select b.document_id, b.node_id, b.table_no from raw.budget_lines b
        join raw.documents d using (document_id) join raw.nodes n using (document_id, node_id)
        where d.file_name = ? and n.level = 'action' and b.row_no = 1 and b.actual > 100000
          and abs(b.actual - b.actual_prev) > 10000
        order by b.page, b.line limit 1""",
        [DOC_002],
    )[0]
    rows = query(
        raw_db, "select page, line from raw.budget_lines where document_id = ? and table_no = ?", [doc_id, table]
    )
    fault = (
        "update raw.budget_lines set actual = actual_prev, actual_raw = actual_prev_raw "
        "where document_id = ? and table_no = ?"
    )
    failures = failures_after_fault(raw_db, tmp_path, "percentages_match_ratios", fault, params=[doc_id, table])
    assert failures and all(
        (f["document"], f["page"], f["line"]) in {(DOC_002, p, l) for p, l in rows} for f in failures
    )
    first = failures[0]
    assert located(first, DOC_002, first["page"], first["line"]) and node in first["message"]
    assert "printed" in first["message"] and "actual/budget" in " ".join(f["message"] for f in failures)


def test_dropped_table_row(raw_db, tmp_path):
    doc_id, node, table, page, line = query(
        raw_db,
        """
        select b.document_id, b.node_id, b.table_no, b.page, b.line from raw.budget_lines b
        join raw.documents d using (document_id) where d.file_name = ? and b.row_no = 1
        order by b.page desc, b.line limit 1""",
        [DOC_000],
    )[0]
    fault = "delete from raw.budget_lines where document_id = ? and table_no = ? and row_no = 4"
    (failure,) = failures_after_fault(raw_db, tmp_path, "budget_tables_have_six_rows", fault, params=[doc_id, table])
    assert located(failure, DOC_000, page, line)
    assert f"budget table {table} of {node} has 5 of 6 rows; missing: Investering Ontvangsten" in failure["message"]


def test_one_changed_digit(raw_db, tmp_path):
    doc_id, node, table, row, page, line, actual_raw = query(
        raw_db,
        """
        select b.document_id, b.node_id, b.table_no, b.row_no, b.page, b.line, b.actual_raw from raw.budget_lines b
        join raw.documents d using (document_id)
        where d.file_name = ? and b.actual between 1000000 and 1999999 and b.budget > 1000000 and b.actual_prev > 1000000
        order by b.page, b.line limit 1""",
        [DOC_001],
    )[0]
    misread = "7" + actual_raw[1:]  # 1.xxx.xxx read as 7.xxx.xxx
    fault = (
        "update raw.budget_lines set actual_raw = ?, actual = cast(replace(?, '.', '') as bigint) "
        "where document_id = ? and table_no = ? and row_no = ?"
    )
    failures = failures_after_fault(
        raw_db, tmp_path, "percentages_match_ratios", fault, params=[misread, misread, doc_id, table, row]
    )
    assert {(f["page"], f["line"]) for f in failures} == {(page, line)}
    assert all(located(f, DOC_001, page, line) and misread in f["message"] and node in f["message"] for f in failures)


def test_duplicated_leaf(raw_db, tmp_path):
    doc_id, node, page, line = query(
        raw_db,
        """
        select n.document_id, n.node_id, n.page, n.line from raw.nodes n join raw.documents d using (document_id)
        where d.file_name = ? and n.level = 'action' order by n.position limit 1 offset 3""",
        [DOC_001],
    )[0]
    statements = [
        f"insert into raw.{t} select * from raw.{t} where document_id = ? and node_id = ?"
        for t in ("nodes", "budget_lines", "staffing_lines")
    ]
    db = copy_of(raw_db, tmp_path, *statements, params=[doc_id, node])
    failures = assert_only(run(db), "keys_unique")
    assert len(failures) == 1 + 6 + 1  # the node, its six budget rows, its VTE row
    node_failure = next(f for f in failures if f["message"].endswith(f"nodes key ({doc_id}, {node}) occurs 2 times"))
    assert located(node_failure, DOC_001, page, line)
    assert all(f["document"] == DOC_001 and f["line"] for f in failures)


def test_zero_written_where_staffing_is_not_reported(raw_db, tmp_path):
    # District09 2021 prints no staffing tables: a parser that writes a VTE row of zeros there
    doc_id, node, table, page, line = query(
        raw_db,
        """
        select b.document_id, b.node_id, b.table_no, b.page, b.line from raw.budget_lines b
        join raw.documents d using (document_id) join raw.nodes n using (document_id, node_id)
        where d.file_name = ? and n.level = 'project' and b.row_no = 1 order by b.page, b.line limit 1""",
        [DOC_000],
    )[0]
    fault = """
        insert into raw.staffing_lines values (?, ?, ?, '0,00', '0,00', '0,0%', '0,00', '0,0%', 0, 0, 0, 0, 0,
                                               2021, 2020, ?, ?, 'VTE 0,00 0,00 0,0% 0,00 0,0%')"""
    failures = failures_after_fault(
        raw_db, tmp_path, "no_staffing_value_where_not_reported", fault, params=[doc_id, node, table, page, line]
    )
    assert len(failures) == 3  # plan, paid, paid_prev
    assert all(located(f, DOC_000, page, line) and node in f["message"] and "= 0.00" in f["message"] for f in failures)


def test_messages_name_the_pdf_page(extracted, tmp_path):
    """The text dumps carry no page numbers; a PDF does, and the messages name it."""
    from extract.writer import to_arrow
    from ingest.raw_load import replace_document

    db = tmp_path / "pdf.duckdb"
    conn = duckdb.connect(str(db))
    replace_document(conn, to_arrow(extracted("000", "pdf").extraction))
    node, table, page, line = conn.execute("""
        select node_id, table_no, page, line from raw.budget_lines where row_no = 1 and page > 3
        order by page, line limit 1""").fetchone()
    conn.execute("delete from raw.budget_lines where table_no = ? and row_no = 2", [table])
    conn.close()
    (failure,) = assert_only(run(db), "budget_tables_have_six_rows")
    pdf = DOC_000.replace(".txt", ".pdf")
    assert page is not None and located(failure, pdf, page, line)
    assert f"{pdf}, page {page}, line {line}: budget table {table} of {node} has 5 of 6 rows" in failure["message"]


def test_marts_validate_and_agree_with_raw(clean_marts):
    _, _, results, _ = clean_marts
    for name, result in results.items():
        assert result.severity == ("WARN" if name == "reconciliation" else "OK"), (name, result.failures[:3])
        assert result.skipped == [], name
    rows = results["semantics"].statistics["rows_checked"]
    assert rows["printed_values_unchanged"] > 0 and rows["no_staffing_value_where_not_reported"] > 0
    assert results["conservation"].statistics["evaluated_expectations"] == 1
    assert results["reconciliation"].statistics["rows_checked"]["rpt_reconciliation_agrees"] > 0


def test_duplicated_leaf_in_the_conformed_facts(marts_db, tmp_path):
    # a deduplication that counts a leaf twice (under a second key) breaks conservation only
    doc_id, node, plan = query(
        marts_db,
        """
        select f.document_id, f.node_id, f.action_plan_code from marts.fct_spending f join raw.documents d using (document_id)
        where d.file_name = ? and f.budget_eur > 0 order by f.page, f.line limit 1""",
        [DOC_002],
    )[0]
    fault = """insert into marts.fct_spending select * replace (spending_key || '-2' as spending_key)
                                        from marts.fct_spending where document_id = ? and node_id = ?"""
    failures = failures_after_fault(
        marts_db, tmp_path, "conformed_facts_conserve_raw_leaves", fault, params=[doc_id, node]
    )
    page, line = query(
        marts_db, "select page, line from raw.nodes where document_id = ? and node_id = ?", [doc_id, plan]
    )[0]
    plan_failures = [f for f in failures if f["node_id"] == plan]
    assert plan_failures and all(located(f, DOC_002, page, line) for f in plan_failures)
    assert any("document total" in f["message"] for f in failures)


def test_zero_written_in_fct_staffing_where_not_reported(marts_db, tmp_path):
    doc_id, node, page, line = query(
        marts_db,
        """
        select f.document_id, f.node_id, f.page, f.line from marts.fct_staffing f join raw.documents d using (document_id)
        where d.file_name = ? and f.fte_null_reason = 'not_reported' order by f.page, f.line limit 1""",
        [DOC_000],
    )[0]
    fault = "update marts.fct_staffing set paid_fte = 0 where document_id = ? and node_id = ?"
    (failure,) = failures_after_fault(
        marts_db, tmp_path, "no_staffing_value_where_not_reported", fault, params=[doc_id, node]
    )
    assert located(failure, DOC_000, page, line)
    assert "marts.fct_staffing: paid_fte = 0.00" in failure["message"] and "not_reported" in failure["message"]


def test_printed_value_changed_on_its_way_to_the_marts(marts_db, tmp_path):
    doc_id, node, cat, direction, page, line = query(
        marts_db,
        """
        select r.document_id, r.node_id, r.category, r.direction, r.page, r.line from marts.fct_spending_reported r
        join raw.documents d using (document_id) join raw.nodes n using (document_id, node_id)
        where d.file_name = ? and n.level = 'action_plan' order by r.page, r.line limit 1""",
        [DOC_001],
    )[0]
    fault = (
        "update marts.fct_spending_reported set budget_eur = budget_eur + 1 "
        "where document_id = ? and node_id = ? and category = ? and direction = ?"
    )
    (failure,) = failures_after_fault(
        marts_db, tmp_path, "printed_values_unchanged", fault, params=[doc_id, node, cat, direction]
    )
    assert located(failure, DOC_001, page, line) and "budget: raw" in failure["message"]


# ---------------------------------------------------------------------------------------------
# reporting: quality_runs history, Data Docs, the command line
# ---------------------------------------------------------------------------------------------


def test_quality_runs_keep_history_per_document(clean_marts):
    db, _, first, _second = clean_marts
    rows = query(
        db,
        """select run_id, file_name, tables_extracted, table_markers, tables_match, reconciliation_checked,
                               reconciliation_pass_rate, rounding_cells, gaps, anomalies_by_kind, gap_list,
                               failures_by_suite, run_at, suites
                        from quality.quality_runs order by run_id, file_name""",
    )
    assert [(r[0], r[1]) for r in rows] == [(run, doc) for run in ("run-1", "run-2") for doc in sorted(GAPS)]
    for (
        _run_id,
        doc,
        extracted,
        markers,
        match,
        checked,
        rate,
        rounding,
        gaps,
        anomalies,
        gap_list,
        by_suite,
        run_at,
        _suites,
    ) in rows:
        assert extracted == markers and match and extracted > 0
        assert gaps == GAPS[doc] and len(json.loads(gap_list)) == gaps
        assert checked > 0 and 0.9 < rate <= 1.0 and rounding > 0
        assert json.loads(anomalies) and all(isinstance(n, int) and n > 0 for n in json.loads(anomalies).values())
        by_suite = json.loads(by_suite)
        assert set(by_suite) <= {"reconciliation"} and by_suite.get("reconciliation", 0) >= gaps
        assert run_at is not None
    assert {r[13] for r in rows} == {",".join(SUITES), "completeness,reconciliation"}
    assert first["completeness"].statistics["run_id"] == "run-1"


def test_data_docs_site_is_written(clean_marts):
    _, docs, first, _ = clean_marts
    index = docs / "index.html"
    assert index.is_file() and first["completeness"].statistics["data_docs"] == str(index)
    assert len(list((docs / ".validation_results").rglob("*.json"))) == len(SUITES)  # the index's history
    html = index.read_text()
    assert all(suite in html for suite in SUITES)
    pages = list((docs / "validations").rglob("*.html"))
    assert {p.parts[len(docs.parts) + 1] for p in pages} == set(SUITES)
    reconciliation = next(p for p in pages if p.parts[len(docs.parts) + 1] == "reconciliation").read_text()
    assert "OD10075" in reconciliation  # unexpected rows with their lineage
    assert (
        "WARN if unmet (non-blocking: these are findings in the reports themselves" in reconciliation
    )  # not a bare "Failed"


_LOADED = re.compile(r"<(?:link|script|img)\b[^>]*?\b(?:href|src)=\"([^\"]+)\"")


def test_data_docs_load_nothing_from_the_network_and_fold_the_sql(clean_marts):
    from expectations.offline_docs import CDN_FILES, LONG_SQL

    _, docs, _, _ = clean_marts
    pages = sorted(docs.rglob("*.html"))
    assert len(pages) > len(SUITES)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        loaded = _LOADED.findall(html)
        assert loaded and not [u for u in loaded if re.match(r"(https?:)?//", u)], page  # no CDN, no S3 logo
        missing = [
            u
            for u in loaded
            if not u.startswith("data:")
            and not u.endswith("favicon.ico")  # GX's own path, off on some pages
            and not (page.parent / u.split("?")[0]).is_file()
        ]
        assert missing == [], (page, missing)
        assert not any(url in html for url in CDN_FILES)
    # every CDN file GX names is vendored, and a suite's long query is folded away under the results
    assert all((docs / "static" / "vendor" / local).is_file() for local in CDN_FILES.values())
    page = next(p for p in pages if "/validations/reconciliation/" in p.as_posix()).read_text(encoding="utf-8")
    folded = re.search(r"<summary>SQL query \(([\d,]+) characters\)</summary>", page)
    assert folded and int(folded.group(1).replace(",", "")) > LONG_SQL


def test_data_docs_render_styled_in_chromium_without_a_network(chromium, clean_marts, tmp_path):
    _, docs, _, _ = clean_marts
    page = next(docs.rglob("validations/reconciliation/**/*.html"))
    offline = "--host-resolver-rules=MAP * ~NOTFOUND"  # any request to a host fails, and shows in the console
    proc = run_chromium(chromium, page, tmp_path, offline, "--dump-dom")
    assert proc.returncode == 0 and console_problems(proc.stderr) == [], console_problems(proc.stderr)[:3]
    assert 'class="bootstrap-table' in proc.stdout  # jQuery and bootstrap-table ran: the tables are styled
    # the check is not vacuous: without the vendored jQuery the page breaks, and both signs show it
    jquery = docs / "static" / "vendor" / "js" / "jquery.min.js"
    jquery.rename(tmp_path / "jquery.min.js")
    try:
        proc = run_chromium(chromium, page, tmp_path, offline, "--dump-dom")
    finally:
        (tmp_path / "jquery.min.js").rename(jquery)
    assert console_problems(proc.stderr) and 'class="bootstrap-table' not in proc.stdout


def test_command_line_summary_and_exit_code(raw_db, tmp_path):
    db = copy_of(raw_db, tmp_path, "delete from raw.budget_lines where table_no = 1 and row_no = 6")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "expectations", "--database", str(db), "--docs", str(tmp_path / "docs")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.monotonic() - started < 60
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    lines = {
        line.split("  ")[1].strip(): line for line in out.splitlines() if line.startswith("  ") and ". " in line[:6]
    }
    assert (
        "ERROR — " in lines["1. Extraction completeness"]
        and "(blocking: not published)" in lines["1. Extraction completeness"]
    )
    assert (
        "WARN — " in lines["3. Reconciliation"] and "gaps in the reports' own arithmetic" in lines["3. Reconciliation"]
    )
    assert "has 5 of 6 rows; missing: Financiering Ontvangsten" in out and ", page " in out and ", line " in out
    assert (tmp_path / "docs" / "index.html").is_file()
    assert query(db, "select count(*) from quality.quality_runs")[0][0] == 3
    assert "nanobind" not in done.stderr
