"""Pure helpers of the orchestration layer: inbox diffing, raw loads, atomic publication."""
from __future__ import annotations

import os

import duckdb
import pyarrow as pa
import pytest

from extract.document import extract_file
from extract.writer import to_arrow
from orchestration.publish import publish_database
from orchestration.raw_load import RAW_TABLES, drop_document, replace_document
from orchestration.inbox import inbox_files, plan_inbox_changes

from conftest import sample_path


def test_plan_inbox_changes_sorts_new_changed_removed():
    previous = {"a.pdf": "1", "b.pdf": "2", "c.pdf": "3"}
    current = {"a.pdf": "1", "b.pdf": "22", "d.pdf": "4"}
    assert plan_inbox_changes(current, previous) == (["d.pdf"], ["b.pdf"], ["c.pdf"])
    assert plan_inbox_changes(current, current) == ([], [], [])


def test_inbox_ignores_links_that_leave_the_inbox_and_other_files(tmp_path):
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    inbox.mkdir(), outside.mkdir()
    (inbox / "report.pdf").write_bytes(b"%PDF-1.4 one")
    (inbox / "notes.txt").write_text("not a report")
    (outside / "secret.pdf").write_bytes(b"%PDF-1.4 secret")
    os.symlink(outside / "secret.pdf", inbox / "escape.pdf")
    found = inbox_files(inbox)
    assert list(found) == ["report.pdf"]
    assert len(found["report.pdf"]) == 64


@pytest.fixture(scope="module")
def report_000():
    return to_arrow(extract_file(sample_path("000", "text")))


def _counts(conn) -> dict[str, int]:
    return {t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in RAW_TABLES}


def test_replace_document_is_idempotent_and_replaces_an_edition(tmp_path, report_000):
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    replace_document(conn, report_000)
    once = _counts(conn)
    assert once["documents"] == 1 and once["nodes"] == report_000["nodes"].num_rows
    replace_document(conn, report_000)
    assert _counts(conn) == once  # a re-run never duplicates
    # A newer edition of the same file (other bytes, so another document_id) replaces the old rows.
    edition = dict(report_000)
    new_id = "f" * 64
    for name, table in report_000.items():
        ids = pa.array([new_id] * table.num_rows, pa.string())
        edition[name] = table.set_column(table.schema.get_field_index("document_id"), "document_id", ids)
    assert replace_document(conn, edition) == [report_000["documents"]["document_id"][0].as_py()]
    assert _counts(conn) == once
    assert conn.execute("select distinct document_id from raw.nodes").fetchall() == [(new_id,)]
    assert drop_document(conn, report_000["documents"]["file_name"][0].as_py()) == 1
    assert set(_counts(conn).values()) == {0}


def test_a_failing_load_keeps_the_previous_rows(tmp_path, report_000):
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    replace_document(conn, report_000)
    before = _counts(conn)
    broken = dict(report_000)
    broken["texts"] = report_000["texts"].drop_columns(["text"]).append_column("text", pa.array([None] * report_000["texts"].num_rows, pa.int64()))
    broken["texts"] = broken["texts"].rename_columns([c if c != "text" else "no_such_column" for c in broken["texts"].column_names])
    with pytest.raises(duckdb.Error):
        replace_document(conn, broken)
    assert _counts(conn) == before


def test_publish_is_atomic_for_a_reader_holding_the_old_snapshot(tmp_path):
    build, published = tmp_path / "build.duckdb", tmp_path / "gent.duckdb"
    with duckdb.connect(str(build)) as conn:
        conn.execute("create table t as select 1 as v")
    publish_database(build, published)
    reader = duckdb.connect(str(published), read_only=True)
    with duckdb.connect(str(build)) as conn:
        conn.execute("create or replace table t as select 2 as v union all select 3")
    publish_database(build, published)  # no lock error although a reader holds the old file
    assert reader.execute("select sum(v) from t").fetchone()[0] == 1  # its view stays consistent
    reader.close()
    with duckdb.connect(str(published), read_only=True) as fresh:
        assert fresh.execute("select sum(v) from t").fetchone()[0] == 5
    assert not list(tmp_path.glob(".*publishing"))


def test_inbox_sensor_adds_reruns_and_drops_partitions(tmp_path, monkeypatch):
    import json

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.sensors import inbox_sensor

    (tmp_path / "new.pdf").write_bytes(b"%PDF-1.4 new")
    (tmp_path / "same.pdf").write_bytes(b"%PDF-1.4 same")
    monkeypatch.setenv("GENT_INBOX", str(tmp_path))
    previous = inbox_files(tmp_path)
    previous.pop("new.pdf")
    previous["gone.pdf"] = "0" * 64
    (tmp_path / "same.pdf").write_bytes(b"%PDF-1.4 same, second edition")
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=json.dumps(previous), definitions=defs)
        result = inbox_sensor(context)
    runs = sorted((r.job_name, r.partition_key) for r in result.run_requests)
    assert runs == [("extract_reports", "new.pdf"), ("extract_reports", "same.pdf"), ("prune_removed_reports", None)]
    prune = next(r for r in result.run_requests if r.job_name == "prune_removed_reports")
    assert prune.run_config["ops"]["drop_removed_reports"]["config"]["file_names"] == ["gone.pdf"]
    added = [p for r in result.dynamic_partitions_requests for p in getattr(r, "partition_keys", []) if type(r).__name__.startswith("Add")]
    dropped = [p for r in result.dynamic_partitions_requests for p in r.partition_keys if type(r).__name__.startswith("Delete")]
    assert added == ["new.pdf"] and dropped == ["gone.pdf"]
