"""Bad and hostile files, one by one, through the guarded extraction the pipeline uses.

Also the makers of those files, used by the build tests in test_reliability_build.py.
`ingest.sandbox.extract_guarded` runs the extraction of one file in a child process
bounded in time (GENT_DOC_TIMEOUT_S) and address space (GENT_DOC_MEMORY_MB); every failure is
an ExtractionError(file, reason).
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import psutil
import pytest
from bad_files import BAD_FILES, make_not_a_report, png_bytes
from conftest import FIXTURES, REPO, sample_path
from tools_loader import load_tool

from extract.acceptance import refuse_layout_drift
from extract.compare import content_rows
from extract.errors import ExtractionError
from ingest import sandbox as guard
from ingest.sandbox import extract_guarded

render_samples = load_tool("render_samples")

SAMPLE = sample_path("000", "pdf")  # district09 2021, 27 pages: the good report of these tests
DUMP = sample_path("000", "text")
MINI_2021 = FIXTURES / "mini_2021.txt"  # a 2-page report in the layout of 000: quick to render and to read


# ------------------------------------------------------------------ makers


def render_dump(text: str, path: Path) -> Path:
    """A PDF of a (changed) text dump, rendered like the samples (tools/render_samples.py)."""
    from extract.markup import clean_line

    raw = text.split("\n")
    render_samples.render_lines(raw, path, render_samples.report_title([clean_line(l) for l in raw]))
    return path


def changed_dump(old: str, new: str, dump: Path = DUMP) -> str:
    text = dump.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def make_image_as_pdf(d: Path) -> Path:
    (d / "photo.pdf").write_bytes(png_bytes())
    return d / "photo.pdf"


DRIFT_CODE = ("PR63012 - Blockchain", "PR6301X - Blockchain")
DRIFT_LABEL = ("\nExploitatie \n", "\nWerking \n")


def make_drift_code(d: Path) -> Path:
    """Layout drift: a leaf code of a shape the grammar does not know (PR6301X)."""
    return render_dump(changed_dump(*DRIFT_CODE, dump=MINI_2021), d / "drift_code.pdf")


def make_drift_label(d: Path) -> Path:
    """Layout drift: a table row label the grammar does not know ("Werking" for "Exploitatie")."""
    return render_dump(changed_dump(*DRIFT_LABEL, dump=MINI_2021), d / "drift_label.pdf")


def make_new_edition(path: Path) -> Path:
    """The 000 report as corrected by the city: one title changed, every amount the same."""
    return render_dump(changed_dump("PR62068 - MoniTHOR 2020", "PR62068 - MoniTHOR 2020 (herziene editie)"), path)


NEW_TITLE = "MoniTHOR 2020 (herziene editie)"

# name -> (maker, reason the pipeline reports)
BAD = {
    **BAD_FILES,
    "image renamed .pdf": (make_image_as_pdf, "not a PDF"),
    "unknown code shape": (make_drift_code, "layout not recognised: leaf code 'PR6301X'"),
    "unknown row label": (make_drift_label, "layout not recognised: row label"),
}


# ------------------------------------------------------------------ hand-written hostile PDFs


def pdf_file(objects: list[bytes]) -> bytes:
    """A PDF from object bodies (object 1 is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def flate(data: bytes) -> bytes:
    packed = zlib.compress(data, 9)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"


def pages_pdf(pages: int, content: bytes, page_extra: bytes = b"") -> bytes:
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        flate(content),
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
        b"/Contents 4 0 R" + page_extra + b" >>"
    )
    return pdf_file(objects + [page] * pages)


def make_huge_page(d: Path, glyphs: int = 2_000_000) -> Path:
    """One page, two million glyphs: 100 KB compressed, gigabytes once laid out (a decompression bomb)."""
    (d / "huge_page.pdf").write_bytes(
        pages_pdf(1, b"BT /F1 1 Tf 0 0 Td " + b"(xy) Tj 0.001 0.0001 Td " * (glyphs // 2) + b"ET")
    )
    return d / "huge_page.pdf"


def make_many_pages(d: Path, pages: int = 4000) -> Path:
    (d / "many_pages.pdf").write_bytes(pages_pdf(pages, b"BT /F1 12 Tf 72 700 Td (Lorem ipsum dolor sit amet) Tj ET"))
    return d / "many_pages.pdf"


def make_deep_nesting(d: Path, depth: int = 100_000, kind: str = "array") -> Path:
    nested = b"[" * depth + b"]" * depth if kind == "array" else b"<< /A " * depth + b">>" * depth
    path = d / f"deep_{kind}.pdf"
    path.write_bytes(pages_pdf(1, b"BT /F1 12 Tf 72 700 Td (deep) Tj ET", b" /Deep " + nested))
    return path


def with_javascript_and_attachment(data: bytes) -> bytes:
    """An incremental update of a PDF: a document-open JavaScript action and an embedded file.

    The embedded file and the script both carry a report marker (SD99999) that must never
    show up in the rows.
    """
    trailer = data[data.rindex(b"trailer") :]
    root = int(re.search(rb"/Root (\d+) 0 R", trailer)[1])
    size = int(re.search(rb"/Size (\d+)", trailer)[1])
    previous = int(re.search(rb"startxref\s+(\d+)", trailer)[1])
    catalog = re.search(rb"(?<![0-9])%d 0 obj\s*<<(.*?)>>\s*endobj" % root, data, re.S)[1]
    payload = b"Beleidsdoelstelling SD99999\n\nVerstopt\n\nActieplan\n\nOD99999\tVerstopt\t2020 - 2027\tGroep Gent\n"
    js, attached, spec = size, size + 1, size + 2
    bodies = {
        root: b"<<" + catalog + b" /OpenAction %d 0 R /Names << /JavaScript << /Names [(open) %d 0 R] >> "
        b"/EmbeddedFiles << /Names [(extra.txt) %d 0 R] >> >> >>" % (js, js, spec),
        js: b"<< /Type /Action /S /JavaScript /JS (app.alert\\('Beleidsdoelstelling SD99999'\\); "
        b"this.exportDataObject\\({cName: 'extra.txt', nLaunch: 2}\\);) >>",
        attached: b"<< /Type /EmbeddedFile /Subtype /text#2Fplain /Length %d >>\nstream\n" % len(payload)
        + payload
        + b"\nendstream",
        spec: b"<< /Type /Filespec /F (extra.txt) /UF (extra.txt) /EF << /F %d 0 R >> >>" % attached,
    }
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = {}
    for number, body in bodies.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n%d 1\n%010d 00000 n \n%d 3\n" % (root, offsets[root], size)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in (js, attached, spec))
    out += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size + 3, root, previous, xref)
    return bytes(out)


# ------------------------------------------------------------------ the guard keeps the rows


def test_the_guarded_extraction_gives_exactly_the_rows_of_the_in_process_one(extracted):
    """Pickled across the process boundary, under a 450 MB cap: identical dataclasses, identical rows."""
    direct = extracted("000", "pdf").extraction
    started = time.monotonic()
    through_guard = extract_guarded(SAMPLE, SAMPLE.read_bytes(), timeout_s=120, memory_mb=450)
    assert through_guard == direct
    assert len(through_guard.tables["budget_lines"]) == 444
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_file_fails_with_its_reason_through_the_guard(tmp_path, kind):
    make, reason = BAD[kind]
    path = make(tmp_path)
    with pytest.raises(ExtractionError) as err:
        refuse_layout_drift(path, extract_guarded(path, path.read_bytes()))
    assert str(err.value).startswith(f"{path.name}: ") and reason in err.value.reason, str(err.value)
    assert err.value.path == str(path)


def test_the_drift_files_are_a_good_report_with_one_change(tmp_path, extracted):
    """Without its one change the drift report is read whole and passes the gate (else the tests prove nothing)."""
    good = MINI_2021.read_text(encoding="utf-8")
    for old, new in (DRIFT_CODE, DRIFT_LABEL):
        changed = changed_dump(old, new, dump=MINI_2021)
        assert changed != good and changed.replace(new, old, 1) == good
    path = render_dump(good, tmp_path / "mini_2021.pdf")
    refuse_layout_drift(path, extract_guarded(path, path.read_bytes()))
    refuse_layout_drift(SAMPLE, extracted("000", "pdf").extraction)  # the good report passes the gate


def test_layout_drift_in_the_text_form_is_stopped_too():
    """The gate works on the rows, whatever their source: the same drift in the text dump of 001 (2024 layout)."""
    from extract.document import extract_bytes

    dump = sample_path("001", "text")
    text = dump.read_text(encoding="utf-8")
    good = extract_bytes(dump, text.encode())
    refuse_layout_drift(dump, good)
    first_row = next(l for l in text.split("\n") if l.startswith("Exploitatie\tUitgaven\t"))
    for label in ("Werking", "Exploitatie\tKosten"):
        drifted = text.replace(
            first_row, first_row.replace("Exploitatie\tUitgaven" if "\t" in label else "Exploitatie", label, 1), 1
        )
        with pytest.raises(ExtractionError, match="layout not recognised"):
            refuse_layout_drift(dump, extract_bytes(dump, drifted.encode()))


# ------------------------------------------------------------------ limits


def test_thousands_of_pages_stop_at_the_time_limit(tmp_path):
    path = make_many_pages(tmp_path)
    started = time.monotonic()
    with pytest.raises(ExtractionError, match=r"^many_pages\.pdf: exceeded time limit 1\.5 s$"):
        extract_guarded(path, path.read_bytes(), timeout_s=1.5)
    assert 1.5 <= time.monotonic() - started < 1.5 + 5  # stopped at the limit, not waited for


def test_a_decompression_bomb_stops_at_the_memory_limit(tmp_path):
    path = make_huge_page(tmp_path)
    assert path.stat().st_size < 200_000
    started = time.monotonic()
    with pytest.raises(ExtractionError, match=r"^huge_page\.pdf: exceeded memory limit 450 MB"):
        extract_guarded(path, path.read_bytes(), timeout_s=120, memory_mb=450)  # the 000 sample fits in 450 MB (above)
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("kind", ["array", "dict"])
def test_deep_nesting_fails_cleanly(tmp_path, kind):
    path = make_deep_nesting(tmp_path, kind=kind)
    started = time.monotonic()
    with pytest.raises(ExtractionError) as err:
        extract_guarded(path, path.read_bytes(), timeout_s=60)
    assert err.value.reason and "died" not in err.value.reason, err.value.reason
    assert time.monotonic() - started < 60


def test_limits_come_from_the_settings():
    """The limits are validated settings (GENT_DOC_TIMEOUT_S, GENT_DOC_MEMORY_MB), handed to the guard."""
    from ingest.config import ConfigurationError, Settings

    defaults = Settings.from_env({})
    assert (defaults.doc_timeout_s, defaults.doc_memory_mb) == (guard.DEFAULT_TIMEOUT_S, guard.DEFAULT_MEMORY_MB)
    chosen = Settings.from_env({"GENT_DOC_TIMEOUT_S": "7.5", "GENT_DOC_MEMORY_MB": "900"})
    assert (chosen.doc_timeout_s, chosen.doc_memory_mb) == (7.5, 900)
    for bad in ("0", "-1", "lots"):
        with pytest.raises(ConfigurationError, match="GENT_DOC_MEMORY_MB"):
            Settings.from_env({"GENT_DOC_MEMORY_MB": bad})


def test_a_memory_limit_below_the_extractor_itself_says_so(tmp_path):
    path = make_not_a_report(tmp_path)
    with pytest.raises(ExtractionError, match="below the extractor's own footprint"):
        extract_guarded(path, path.read_bytes(), memory_mb=64)


def _cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def _gone(process: psutil.Process) -> bool:
    """Exited: no such process any more, or one that exited and is not yet reaped (by init)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_the_child_does_not_outlive_a_killed_parent(tmp_path):
    path = make_many_pages(tmp_path, pages=20_000)
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; "
            "from ingest.sandbox import extract_guarded; p = Path(sys.argv[1]); "
            "extract_guarded(p, p.read_bytes(), timeout_s=300)",
            str(path),
        ],
        cwd=REPO,
    )
    watched = psutil.Process(parent.pid)
    deadline = time.monotonic() + 30
    while not watched.children() and time.monotonic() < deadline:
        time.sleep(0.05)
    [child] = watched.children()
    while _cpu_seconds(child) < 2.5 and time.monotonic() < deadline:  # past its imports and its input: extracting
        time.sleep(0.05)
    assert _cpu_seconds(child) >= 2.5
    os.kill(parent.pid, signal.SIGKILL)  # the parent only, as an OOM killer would
    parent.wait()
    deadline = time.monotonic() + 10
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = not _gone(child)
    if alive:
        child.kill()
    assert not alive, "the extraction child went on after its parent was killed"


# ------------------------------------------------------------------ active content


def test_javascript_and_embedded_files_are_ignored(tmp_path, extracted):
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    hostile = tmp_path / "with_js.pdf"
    hostile.write_bytes(with_javascript_and_attachment(SAMPLE.read_bytes()))
    # A PDF reader sees the script and the attachment (the file really carries them) ...
    catalog = PDFDocument(PDFParser(io.BytesIO(hostile.read_bytes()))).catalog
    assert resolve1(catalog["OpenAction"])["S"].name == "JavaScript"
    names = resolve1(catalog["Names"])
    assert resolve1(names["EmbeddedFiles"])["Names"][0] == b"extra.txt" and "JavaScript" in names
    # ... the extraction reads the printed pages only: the same rows as the clean file.
    clean = extracted("000", "pdf").extraction
    got = extract_guarded(hostile, hostile.read_bytes())
    assert content_rows(got) == content_rows(clean)
    assert got.document.page_count == clean.document.page_count
    assert got.document.document_id != clean.document.document_id  # other bytes, so another document
    everything = repr(got.tables)
    assert "SD99999" not in everything and "Verstopt" not in everything and "app.alert" not in everything


# ------------------------------------------------------------------ paths out of the inbox


@pytest.mark.parametrize("name", ["../outside.pdf", "sub/inner.pdf", "..", "/etc/hostname", "link_out.pdf", "ok.pdf"])
def test_a_partition_key_that_leaves_the_inbox_is_refused(name, tmp_path):
    from orchestration.defs.extraction.assets import refuse_partition_key

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "outside.pdf").write_bytes(SAMPLE.read_bytes())
    (inbox / "link_out.pdf").symlink_to(tmp_path / "outside.pdf")
    (inbox / "ok.pdf").write_bytes(b"%PDF-1.4")
    assert (refuse_partition_key(name, inbox) is None) == (name == "ok.pdf")


def test_the_raw_asset_refuses_such_a_partition_and_reads_nothing(tmp_path, monkeypatch):
    """Partitions added by hand (UI, API) with a path in them: refused, quarantined, no file read."""
    import dagster as dg
    import duckdb

    from orchestration.defs.extraction.assets import raw_report
    from orchestration.resources import WarehouseDuckDB, WarehouseSettings

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(SAMPLE.read_bytes())  # a real report, one level up: it must not be loaded
    (inbox / "link.pdf").symlink_to(secret)
    database = tmp_path / "build.duckdb"
    keys = ["../secret.pdf", "link.pdf"]
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("reports", keys)
        for key in keys:
            result = dg.materialize(
                [raw_report],
                partition_key=key,
                instance=instance,
                raise_on_error=False,
                resources={
                    "warehouse": WarehouseDuckDB(database=str(database)),
                    "settings": WarehouseSettings(inbox=str(inbox), build_db=str(database)),
                },
            )
            assert not result.success
            failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data
            assert "refused" in failure.user_failure_data.description, failure
    with duckdb.connect(str(database), read_only=True) as conn:
        assert conn.execute("select count(*) from raw.documents").fetchone()[0] == 0
        quarantined = dict(conn.execute("select file_name, reason from raw.quarantine").fetchall())
    assert set(quarantined) == set(keys) and all(r.startswith("refused: ") for r in quarantined.values())
