"""Files that are no readable report: a clear error, a non-zero exit, the others still done, nothing half-written."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from bad_files import BAD_FILES, make_empty, png_bytes
from conftest import FIXTURES, REPO

from extract import writer
from extract.document import PDF_ENGINES, extract_file
from extract.errors import ExtractionError
from extract.records import SCHEMAS

GOOD = FIXTURES / "mini_2024.txt"


def make_png(d: Path) -> Path:
    (d / "scan.png").write_bytes(png_bytes())
    return d / "scan.png"


BAD = {**BAD_FILES, "png": (make_png, "not a PDF")}


@pytest.mark.parametrize("engine", PDF_ENGINES)
@pytest.mark.parametrize("kind", BAD)
def test_a_bad_file_raises_an_error_naming_file_and_reason(tmp_path, kind, engine):
    # PDFium parses in C: a damaged file must still be a reason, never a crash of the process
    make, reason = BAD[kind]
    path = make(tmp_path)
    with pytest.raises(ExtractionError) as err:
        extract_file(path, engine=engine)
    message = str(err.value)
    assert message.startswith(path.name + ": ") and reason in message, message
    assert err.value.path == str(path) and err.value.reason


def test_a_missing_file_raises_an_error(tmp_path):
    with pytest.raises(ExtractionError, match=r"^nowhere\.pdf: cannot read"):
        extract_file(tmp_path / "nowhere.pdf")


def test_cli_reports_bad_files_and_still_writes_the_good_one(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    bad = [make(inputs) for make, _ in BAD.values()]
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "extract", *map(str, bad[:4]), str(GOOD), *map(str, bad[4:]), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(bad), done.stderr
    for path, (_, reason) in zip(bad, BAD.values()):
        assert any(line.startswith(f"error: {path.name}: ") and reason in line for line in errors), (
            path.name,
            done.stderr,
        )
    assert f"{len(bad)} of {len(bad) + 1} files failed" in done.stderr
    assert GOOD.name in done.stdout and "Traceback" not in done.stderr

    # The good file, all of it; nothing of the bad ones, no staging left behind.
    good_id = hashlib.sha256(GOOD.read_bytes()).hexdigest()
    assert [p.name for p in out.iterdir()] == [good_id]
    assert sorted(p.name for p in (out / good_id).iterdir()) == sorted(f"{t}.parquet" for t in SCHEMAS)
    extraction = extract_file(GOOD)
    for table, rows in extraction.tables.items():
        assert pq.read_table(out / good_id / f"{table}.parquet").num_rows == len(rows)
    assert pq.read_table(out / good_id / "documents.parquet").column("file_name").to_pylist() == [GOOD.name]
    names = {p.name for p in bad} | {p.stem for p in bad}
    assert not [p for p in out.rglob("*") if p.name in names or p.stem in names or "staging" in p.name]


def test_cli_exit_code_is_zero_when_all_files_are_good(tmp_path):
    from extract.__main__ import main

    assert main([str(GOOD), "--out", str(tmp_path)]) == 0
    assert main([str(GOOD), str(make_empty(tmp_path)), "--out", str(tmp_path)]) == 1


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, monkeypatch):
    extraction = extract_file(GOOD)
    calls = []

    def failing_write(table, where, *a, **kw):
        calls.append(where)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_write(table, where, *a, **kw)

    real_write = writer.pq.write_table
    monkeypatch.setattr(writer.pq, "write_table", failing_write)
    with pytest.raises(OSError):
        writer.write_extraction(extraction, tmp_path)
    assert len(calls) == 3
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]


def test_rewriting_a_document_swaps_its_folder_whole(tmp_path):
    extraction = extract_file(GOOD)
    first = writer.write_extraction(extraction, tmp_path)
    (first / "stale-marker").write_text("from the earlier write")
    second = writer.write_extraction(extraction, tmp_path)
    assert second == first
    assert sorted(p.name for p in second.iterdir()) == sorted(f"{t}.parquet" for t in SCHEMAS)
    assert [p.name for p in tmp_path.iterdir()] == [first.name]
