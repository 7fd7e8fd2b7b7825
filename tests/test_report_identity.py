"""Report identity beyond bytes (issue 19.1): no leaf × entity × year is loaded from two documents.

The rule (`ingest.identity.judge`) is tested on the dumps' real extractions read back
from a warehouse (`loaded_identities`), once per case; the raw asset applies it to a
re-saved PDF of 000 (other bytes, same pages) in one pipeline-level test.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import replace
from itertools import permutations
from pathlib import Path

import duckdb
import pytest
from conftest import sample_path

from extract import EXTRACTOR_VERSION
from extract.document import extract_source
from extract.writer import to_arrow
from ingest.identity import (
    OLDER_EDITION_REASON,
    OVERLAP_REASON,
    RESAVE_REASON,
    extraction_identity,
    judge,
    loaded_identities,
    names_in,
)
from ingest.raw_load import RAW_TABLES, replace_document
from ingest.state import WarehouseState, extract_run_key, plan_inbox

ALWAYS, NEVER = (lambda a, b: True), (lambda a, b: False)


def _as(extraction, file_name: str, document_id: str):
    """The same extraction as if read from another file with other bytes."""
    tables = {name: [replace(row, document_id=document_id) for row in rows] for name, rows in extraction.tables.items()}
    document = replace(extraction.document, document_id=document_id, file_name=file_name)
    return type(extraction)(document, tables)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, extracted):
    """A raw schema holding the three dumps, as loaded by the raw asset."""
    db = tmp_path_factory.mktemp("identity") / "w.duckdb"
    with duckdb.connect(str(db)) as conn:
        for sample in ("000", "001", "002"):
            replace_document(conn, to_arrow(extracted(sample, "text").extraction))
    return db


def _judge(warehouse, extraction, newer=ALWAYS):
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        identity = extraction_identity(extraction)
        return judge(identity, loaded_identities(conn, identity), newer)


def test_a_loaded_report_reads_back_with_the_identity_it_was_loaded_with(warehouse, extracted):
    ex = extracted("000", "text").extraction
    with duckdb.connect(str(warehouse), read_only=True) as conn:  # asked for by a copy: only 000 shares its leaves
        back = {d.file_name: d for d in loaded_identities(conn, extraction_identity(_as(ex, "copy.pdf", "e" * 64)))}
    assert list(back) == [ex.document.file_name] and back[ex.document.file_name] == extraction_identity(ex)
    leaves = {n.code for n in ex.tables["nodes"] if n.level in ("action", "project") and n.code}
    assert {code for _, code in back[ex.document.file_name].leaves} == leaves


def test_a_resave_under_another_name_is_skipped_naming_the_loaded_file(warehouse, extracted):
    ex = extracted("000", "text").extraction
    verdict = _judge(warehouse, _as(ex, "000_resaved.pdf", "e" * 64))
    assert verdict.action == "resave"
    assert verdict.reason.startswith(RESAVE_REASON) and names_in(verdict.reason) == [ex.document.file_name]


def test_a_newer_edition_replaces_the_older_and_an_older_one_is_not_loaded(warehouse, extracted):
    ex = extracted("000", "text").extraction
    rows = list(ex.tables["budget_lines"])
    rows[0] = replace(rows[0], actual_raw="1", actual=1)  # one printed cell corrected
    edition = _as(type(ex)(ex.document, {**ex.tables, "budget_lines": rows}), "000_v2.pdf", "d" * 64)
    newer = _judge(warehouse, edition, ALWAYS)
    assert newer.action == "load" and [d.file_name for d in newer.supersedes] == [ex.document.file_name]
    older = _judge(warehouse, edition, NEVER)
    assert older.action == "older_edition" and names_in(older.reason) == [ex.document.file_name]


def test_a_concatenation_of_001_and_002_is_refused_naming_both(warehouse, extracted):
    one, two = extracted("001", "text"), extracted("002", "text")
    both = replace(one.source, lines=one.source.lines + two.source.lines)  # one file holding both reports
    concatenation = extract_source(both, Path("001_and_002.pdf"), "c" * 64)
    verdict = _judge(warehouse, concatenation)
    assert verdict.action == "overlap" and verdict.reason.startswith(OVERLAP_REASON)
    assert names_in(verdict.reason) == sorted([one.path.name, two.path.name])
    for part in (one, two):  # every leaf of each part is named as shared
        leaves = sum(1 for n in part.tables["nodes"] if n.level in ("action", "project") and n.code)
        assert f"'{part.path.name}' ({leaves} of its" in verdict.reason


def test_an_overlapping_extract_is_refused_naming_the_loaded_file(warehouse, extracted):
    """The first half of 002's lines under another name: a part of a loaded report."""
    part = extracted("002", "text")
    half = replace(part.source, lines=part.source.lines[: len(part.source.lines) // 2])
    verdict = _judge(warehouse, extract_source(half, Path("002_part.pdf"), "b" * 64))
    assert verdict.action == "overlap" and names_in(verdict.reason) == [part.path.name]


def test_the_same_codes_in_another_year_are_another_report(warehouse, extracted):
    ex = extracted("000", "text").extraction
    next_year = _as(type(ex)(replace(ex.document, report_year=2022), ex.tables), "000_2022.pdf", "a" * 64)
    assert _judge(warehouse, next_year).action == "load"


def test_a_newer_edition_leaves_in_the_same_transaction_as_superseded(tmp_path, extracted):
    ex = extracted("000", "text").extraction
    old = to_arrow(ex)
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    replace_document(conn, old)
    edition = _as(ex, "000_v2.pdf", "d" * 64)
    removed = replace_document(conn, to_arrow(edition), (ex.document.document_id,))
    assert removed == [ex.document.document_id]
    for table in RAW_TABLES:
        assert conn.execute(f"select distinct document_id from raw.{table}").fetchall() in ([], [("d" * 64,)]), table
    assert conn.execute("select file_name, action from raw.load_history").fetchall() == [
        (ex.document.file_name, "superseded")
    ]


def test_an_identity_refusal_holds_only_while_the_files_it_names_stay_loaded():
    reason = f"{RESAVE_REASON} 'a.pdf' (…), which is loaded: one report is loaded once"
    held = WarehouseState(loaded={"a.pdf": ("1" * 64, "v")}, quarantined={"b.pdf": ("2" * 64, reason)})
    assert plan_inbox({"a.pdf": "1" * 64, "b.pdf": "2" * 64}, held, "v").settled == ["a.pdf", "b.pdf"]
    gone = WarehouseState(quarantined={"b.pdf": ("2" * 64, reason)})  # a.pdf left the inbox and the warehouse
    assert plan_inbox({"b.pdf": "2" * 64}, gone, "v").extract == ["b.pdf"]
    assert extract_run_key("b.pdf", "2" * 64, "v", held) != extract_run_key("b.pdf", "2" * 64, "v", gone)


def test_the_raw_asset_skips_a_resaved_pdf_and_keeps_the_loaded_rows(tmp_path):
    """000 loaded, then the same pages saved again (other bytes) under another name."""
    import dagster as dg
    import pypdfium2 as pdfium

    from orchestration.defs.extraction.assets import raw_report
    from orchestration.resources import WarehouseDuckDB, WarehouseSettings

    inbox, database = tmp_path / "inbox", tmp_path / "build.duckdb"
    inbox.mkdir()
    original = sample_path("000", "pdf").read_bytes()
    (inbox / "000.pdf").write_bytes(original)
    pdf, out = pdfium.PdfDocument(original), io.BytesIO()
    pdf.save(out, version=17)
    pdf.close()
    assert out.getvalue() != original
    (inbox / "000_resaved.pdf").write_bytes(out.getvalue())
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("reports", ["000.pdf", "000_resaved.pdf"])
        for key in ("000.pdf", "000_resaved.pdf"):
            result = dg.materialize(
                [raw_report],
                partition_key=key,
                instance=instance,
                resources={
                    "warehouse": WarehouseDuckDB(database=str(database)),
                    "settings": WarehouseSettings(inbox=str(inbox), build_db=str(database)),
                },
            )
            assert result.success
    with duckdb.connect(str(database), read_only=True) as conn:
        assert conn.execute("select file_name from raw.documents").fetchall() == [("000.pdf",)]
        reason = conn.execute("select reason from raw.quarantine where file_name = '000_resaved.pdf'").fetchone()[0]
        assert conn.execute("select count(distinct document_id) from raw.budget_lines").fetchone()[0] == 1
    assert reason.startswith(RESAVE_REASON) and names_in(reason) == ["000.pdf"]


def test_the_conformed_leaf_check_passes_on_the_dumps_and_fails_on_a_second_document(dumps_warehouse, tmp_path):
    """dbt's assert_no_leaf_entity_year_in_two_documents: green on the three dumps (it ran in
    their build), and it names the leaves once a second document reports 000's leaves."""
    import shutil

    name = "assert_no_leaf_entity_year_in_two_documents"
    ran = [r for r in dumps_warehouse.build.result if r.node.name == name]
    assert ran and str(ran[0].status) == "pass"
    sql = next(dumps_warehouse.target.glob(f"compiled/**/{name}.sql")).read_text()
    copy = tmp_path / "gent.duckdb"  # the compiled SQL names the catalog after the file: gent
    shutil.copy(dumps_warehouse.published, copy)
    with duckdb.connect(str(copy)) as conn:
        (document,), leaves = (
            conn.execute("select document_id from raw.documents where layout = 'district09'").fetchone(),
            conn.execute(
                "select count(distinct leaf_code) from marts.fct_spending f join raw.documents d using (document_id) "
                "where d.layout = 'district09'"
            ).fetchone()[0],
        )
        assert conn.execute(sql).fetchall() == []
        conn.execute(
            "insert into marts.fct_spending select * replace ('copy-' || spending_key as spending_key, "
            "'copy' as document_id) from marts.fct_spending where document_id = ?",
            [document],
        )
        found = conn.execute(sql).fetchall()
    assert len(found) == leaves and all(row[3] == 2 for row in found)


# ------------------------------------------------------------------ whatever the order (issue 19 gap a, b)


def _arrive(conn, extraction, inbox: Path) -> None:
    """What the raw asset does with an extracted report (`judge_and_load`); a refusal is recorded, not raised on."""
    import dagster as dg

    from orchestration.defs.extraction.assets import judge_and_load

    with contextlib.suppress(dg.Failure):
        judge_and_load(conn, extraction, inbox / extraction.document.file_name)


def _settle(conn, extractions: dict, inbox: Path) -> list[str]:
    """make run's later rounds: the files whose refusal went stale are judged again; returns what is left to do."""
    from ingest.state import read_state
    from orchestration.pipeline import EXTRACTION_ROUNDS

    files = {name: ex.document.document_id for name, ex in extractions.items()}
    for _ in range(EXTRACTION_ROUNDS - 1):
        for name in plan_inbox(files, read_state(conn), EXTRACTOR_VERSION).extract:
            _arrive(conn, extractions[name], inbox)
    return plan_inbox(files, read_state(conn), EXTRACTOR_VERSION).extract


def _arrive_in_order(conn, extractions: dict, order, inbox: Path) -> tuple[list[str], list[str], dict[str, str]]:
    """Each file judged in `order`, then make run's later rounds: (left to do, loaded files, refusals)."""
    for name in order:
        _arrive(conn, extractions[name], inbox)
    left = _settle(conn, extractions, inbox)
    loaded = [r[0] for r in conn.execute("select file_name from raw.documents order by 1").fetchall()]
    return left, loaded, dict(conn.execute("select file_name, reason from raw.quarantine").fetchall())


@pytest.fixture(scope="module")
def parts_and_concatenation(extracted):
    """001 and 002 (the dumps, as PDFs of their own) and one file holding both, which passes the
    acceptance rule (no page numbers in a dump): only their identities tell them apart."""
    one, two = extracted("001", "text"), extracted("002", "text")
    both = replace(one.source, lines=one.source.lines + two.source.lines)
    return {
        "001.pdf": _as(one.extraction, "001.pdf", "1" * 64),
        "002.pdf": _as(two.extraction, "002.pdf", "2" * 64),
        "0_both.pdf": extract_source(both, Path("0_both.pdf"), "c" * 64),
    }


@pytest.mark.parametrize("order", list(permutations(["001.pdf", "002.pdf", "0_both.pdf"])), ids="-".join)
def test_a_concatenation_loses_to_its_parts_whatever_order_they_arrive_in(tmp_path, parts_and_concatenation, order):
    """Before: the first one loaded kept its place (the concatenation first: 001 and 002 refused)."""
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        left, loaded, refused = _arrive_in_order(conn, parts_and_concatenation, order, tmp_path)
        leaves = conn.execute(  # the conformed-dimension rule: no leaf x entity x year from two documents
            "select count(*) from (select entity, code from raw.nodes where level in ('action', 'project') and code is not null "
            "group by 1, 2 having count(distinct document_id) > 1)"
        ).fetchone()[0]
    assert loaded == ["001.pdf", "002.pdf"] and left == [] and leaves == 0
    assert list(refused) == ["0_both.pdf"] and refused["0_both.pdf"].startswith(OVERLAP_REASON)
    assert names_in(refused["0_both.pdf"]) == ["001.pdf", "002.pdf"]


@pytest.mark.parametrize("order", [("002.pdf", "002_part.pdf"), ("002_part.pdf", "002.pdf")], ids="-".join)
def test_an_overlapping_extract_loses_to_the_whole_report_whatever_the_order(tmp_path, extracted, order):
    part = extracted("002", "text")
    half = replace(part.source, lines=part.source.lines[: len(part.source.lines) // 2])
    extractions = {
        "002.pdf": _as(part.extraction, "002.pdf", "2" * 64),
        "002_part.pdf": extract_source(half, Path("002_part.pdf"), "b" * 64),
    }
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        left, loaded, refused = _arrive_in_order(conn, extractions, order, tmp_path)
        history = conn.execute("select file_name, action from raw.load_history where action = 'overlapped'").fetchall()
    # the extract is refused whatever the order: its table of contents lists what it lacks (and,
    # judged after 002, it overlaps 002); it never got in, so nothing was taken out
    assert loaded == ["002.pdf"] and left == [] and "pages missing" in refused["002_part.pdf"]
    assert history == []


def test_a_refusal_is_judged_again_once_the_file_it_names_is_replaced(tmp_path, extracted):
    """a.pdf, a re-save of b.pdf, is refused naming b.pdf; b.pdf is then replaced by a corrected
    edition. Before: a.pdf kept 'same report as b.pdf' (stale). Now it is judged again: an older
    edition of what b.pdf holds now."""
    from ingest.state import read_state

    ex = extracted("000", "text").extraction
    rows = list(ex.tables["budget_lines"])
    rows[0] = replace(rows[0], actual_raw="1", actual=1)  # one printed cell corrected
    b, a = _as(ex, "b.pdf", "b" * 64), _as(ex, "a.pdf", "a" * 64)
    b2 = _as(type(ex)(ex.document, {**ex.tables, "budget_lines": rows}), "b.pdf", "d" * 64)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        _arrive(conn, b, tmp_path), _arrive(conn, a, tmp_path)
        first = dict(conn.execute("select file_name, reason from raw.quarantine").fetchall())["a.pdf"]
        state = read_state(conn)
        key = extract_run_key("a.pdf", "a" * 64, EXTRACTOR_VERSION, state)
        assert plan_inbox({"a.pdf": "a" * 64, "b.pdf": "b" * 64}, state, EXTRACTOR_VERSION).extract == []
        _arrive(conn, b2, tmp_path)
        state = read_state(conn)
        stale = plan_inbox({"a.pdf": "a" * 64, "b.pdf": "d" * 64}, state, EXTRACTOR_VERSION).extract
        new_key = extract_run_key("a.pdf", "a" * 64, EXTRACTOR_VERSION, state)
        left = _settle(conn, {"a.pdf": a, "b.pdf": b2}, tmp_path)
        now = dict(conn.execute("select file_name, reason from raw.quarantine").fetchall())["a.pdf"]
        loaded = conn.execute("select file_name, document_id from raw.documents").fetchall()
    assert first.startswith(RESAVE_REASON) and names_in(first) == ["b.pdf"]
    assert stale == ["a.pdf"] and new_key != key  # the sensor asks again (a run key is used once)
    assert now.startswith(OLDER_EDITION_REASON) and names_in(now) == ["b.pdf"] and left == []
    assert loaded == [("b.pdf", "d" * 64)]
