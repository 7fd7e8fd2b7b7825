"""One fresh build, whatever the order (issue 19 gap a): the published warehouse of the samples,
its build database lost, rebuilt from an inbox that holds a concatenation of two of them too.

A module of its own, beside test_end_to_end (a whole build each: they run on two workers at
once); it starts from a copy of the samples' first build (conftest's `samples_build`).
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from test_end_to_end import REPO, SAMPLES, build, snapshot

pytestmark = pytest.mark.slow  # a whole build (`pytest -m "not slow"` leaves it out; CI runs it)


def release(warehouse: Path) -> dict[str, str]:
    """The published exports and report, file by file (sha256). The report links each source to
    its PDF by a relative path to the inbox (another folder in each test): that folder is left out."""
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((warehouse / "export").iterdir())}
    report = (warehouse / "report" / "index.html").read_text(encoding="utf-8")
    report = re.sub(r'href="(?:\.\./)+(?:[^/"#]+/)*(?=[^/"#]+\.pdf)', 'href="INBOX/', report)
    return {**digests, "index.html": hashlib.sha256(report.encode()).hexdigest()}


@pytest.fixture(scope="module")
def concatenation_build(samples_build, tmp_path_factory):
    """The published warehouse of the samples, its build database lost (rebuilt from the inbox in one
    fresh build), and next to the samples one PDF holding 001 and 002 back to back, rendered afresh
    so that its page numbers run on (it passes the acceptance rule). Its name sorts first, and one
    worker extracts in name order: before, it was loaded first and 001 and 002 were refused."""
    from test_reliability_files import render_dump

    root = tmp_path_factory.mktemp("concatenation")
    warehouse, inbox = root / "warehouse", root / "inbox"
    shutil.copytree(samples_build.pristine, warehouse, symlinks=True)
    before, samples = release(warehouse), snapshot(warehouse / "gent.duckdb")
    (warehouse / "build" / "gent.duckdb").unlink()
    inbox.mkdir()
    for pdf in SAMPLES.glob("*.pdf"):
        shutil.copyfile(pdf, inbox / pdf.name)
    dumps = sorted((REPO / "data" / "dumps").glob("00[12]_*.txt"))
    render_dump("\n".join(d.read_text(encoding="utf-8") for d in dumps), inbox / "0_001_and_002.pdf")
    done = build(warehouse, "--workers", "1", inbox=inbox)
    with duckdb.connect(str(warehouse / "gent.duckdb"), read_only=True) as conn:
        refused = dict(conn.execute("select file_name, reason from raw.quarantine").fetchall())
    return done, before, release(warehouse), snapshot(warehouse / "gent.duckdb"), samples, refused, dumps


def test_a_concatenation_is_refused_and_its_parts_published_whatever_the_order(concatenation_build):
    done, before, after, published, samples, refused, dumps = concatenation_build
    assert done.returncode == 1, done.stdout[-3000:]  # partial success: one inbox file refused
    line = next(l for l in done.stdout.splitlines() if l.startswith("  FAILED 0_001_and_002.pdf: overlaps"))
    assert [f"'{d.stem}.pdf'" in line for d in dumps] == [True, True]  # naming both parts
    assert list(refused) == ["0_001_and_002.pdf"]
    assert published == samples  # the published samples: marts' counts and totals, raw rows, documents
    assert after == before  # exports and report byte for byte
    assert "Traceback" not in done.stdout + done.stderr
