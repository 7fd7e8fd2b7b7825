"""`benchmarks/run.py --quick` runs and prints its figure lines (timings are never asserted)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENT_") and k != "DAGSTER_HOME"}
    result = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--markdown", str(out / "bench.md"), "--json", str(out / "bench.json")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout, out


def test_prints_the_extraction_figures_side_by_side(quick_run):
    stdout, _ = quick_run
    header = next(line for line in stdout.splitlines() if line.startswith("| file "))
    for method in ("ours (pdfplumber) p/s", "bare extract_words p/s", "pypdfium2 plain text p/s", "ours (GENT_PDF_ENGINE=pdfium) p/s"):
        assert method in header
    total = next(line for line in stdout.splitlines() if line.startswith("| **all files**"))
    assert len(re.findall(r"\d+\.\d+", total)) >= 5  # four pages/s figures and the ratio
    assert re.search(r"ours / bare extract_words: \d+\.\d\d× by wall time", stdout)


def test_pdfium_engine_rows_are_identical_on_the_quick_report(quick_run):
    stdout, _ = quick_run
    assert re.search(r"rows \(extract.compare.content_rows\) identical on (\d+) of \1 file", stdout), stdout


def test_prints_scale_and_targets(quick_run):
    stdout, out = quick_run
    assert "## Scale: synthetic corpora" in stdout
    assert re.search(r"^\| 2 +\| \d+ ", stdout, re.M)  # the 2-report corpus row
    targets = stdout.split("## Targets (issue 8)")[1]
    for target in ("bare extract_words", "parallel extraction", "re-run with no change", "time per page", "peak memory", "PDFium engine"):
        assert target in targets
    assert (out / "bench.md").read_text().count("| target ") == 1
    assert '"ratio_wall"' in (out / "bench.json").read_text()
