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
        [
            sys.executable,
            "benchmarks/run.py",
            "--quick",
            "--markdown",
            str(out / "bench.md"),
            "--json",
            str(out / "bench.json"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout, out


@pytest.mark.slow  # the quick benchmark builds a warehouse
def test_prints_the_extraction_figures_side_by_side(quick_run):
    stdout, _ = quick_run
    header = next(line for line in stdout.splitlines() if line.startswith("| file "))
    for method in (
        "ours (pdfplumber) p/s",
        "bare extract_words p/s",
        "pypdfium2 plain text p/s",
        "ours (GENT_PDF_ENGINE=pdfium) p/s",
    ):
        assert method in header
    total = next(line for line in stdout.splitlines() if line.startswith("| **all files**"))
    assert len(re.findall(r"\d+\.\d+", total)) >= 5  # four pages/s figures and the ratio
    assert re.search(r"ours / bare extract_words: \d+\.\d\d× by wall time", stdout)


@pytest.mark.slow  # the quick benchmark builds a warehouse
def test_pdfium_engine_rows_are_identical_on_the_quick_report(quick_run):
    stdout, _ = quick_run
    assert re.search(r"rows \(extract.compare.content_rows\) identical on (\d+) of \1 file", stdout), stdout


@pytest.mark.slow  # the quick benchmark builds a warehouse
def test_prints_scale_and_targets(quick_run):
    stdout, out = quick_run
    assert "## Scale: synthetic corpora" in stdout
    assert re.search(r"^\| 2 +\| \d+ ", stdout, re.M)  # the 2-report corpus row
    targets = stdout.split("## Targets (issue 8)")[1]
    for target in (
        "bare extract_words",
        "parallel extraction",
        "re-run with no change",
        "time per page",
        "peak memory",
        "PDFium engine",
    ):
        assert target in targets
    assert (out / "bench.md").read_text().count("| target ") == 2  # issue 8's targets, then issue 18's
    scale_targets = stdout.split("## Targets (issue 18)")[1]
    for target in ("one changed report", "every process", "time per page at 300", "3-sample full build"):
        assert target in scale_targets
    assert '"ratio_wall"' in (out / "bench.json").read_text()


@pytest.mark.slow  # the quick benchmark builds a warehouse
def test_prints_where_the_extraction_time_goes(quick_run):
    stdout, _ = quick_run
    section = stdout.split("Where our extractor's time goes")[1].split("##")[0]
    shares = [int(s) for s in re.findall(r"\| (\d+)% +\|", section)]
    assert len(shares) == 7  # six phases and the total
    assert shares[-1] == 100 and 95 <= sum(shares[:-1]) <= 105  # the phases add up to the whole (rounding)
    assert re.search(r"\| bare extract_words .*\| \d+\.\d +\|", section)


def test_markdown_output_keeps_the_text_around_the_markers(tmp_path):
    from benchmarks.run import BEGIN, END, write_markdown

    page = tmp_path / "BENCHMARKS.md"
    page.write_text(f"# Benchmarks\nreading of the figures\n{BEGIN}\nold tables\n{END}\nfootnote\n")
    write_markdown(page, ["", "## Machine", "- cpu: x"])
    assert page.read_text() == f"# Benchmarks\nreading of the figures\n{BEGIN}\n## Machine\n- cpu: x\n{END}\nfootnote\n"
    fresh = tmp_path / "new.md"
    write_markdown(fresh, ["## Machine"])
    assert fresh.read_text() == "## Machine\n"


def _sums(extraction) -> list[tuple]:
    """Every parent × metric's status and difference (a sum with a cell not printed is not
    checked: its difference scales with the amounts)."""
    from extract.reconcile import reconcile

    return [
        (r.metric, r.status, None if r.status == "not_printed" else r.difference)
        for r in reconcile(extraction.tables, extraction.document.layout)
    ]


def _variant_extraction(corpus, lines: list[str], index: int, sources: list[Path]):
    """Report `index` of a corpus, read by the extractor from its dump text (no PDF render)."""
    from extract.document import extract_bytes

    text = "\n".join(corpus.variant_lines(lines, index // len(sources)))
    return extract_bytes(Path(corpus.report_name(index, sources)).with_suffix(".txt"), text.encode("utf-8"))


# Every scale factor once, on every dump: the factor is all that changes a variant's amounts (the
# code offset changes codes only), so these 15 reports stand for the 100- and 300-report corpora.
@pytest.mark.parametrize("variant", range(1, 6))
def test_synthetic_reports_are_as_consistent_as_their_source(variant):
    """The scale corpus must not fail the quality gates the real reports pass (it once did: a
    percentage over a printed 0 base kept its value while the numerator was scaled; a parent
    scaled with its children had its rounding difference multiplied by the factor, beyond a
    tolerance that does not grow, and the acceptance rule refused a report whose last plan
    no longer added up). Each variant is accepted and every sum keeps its status and difference."""
    from collections import Counter

    from benchmarks import corpus
    from extract.acceptance import refusal
    from extract.document import extract_file

    def kinds(extraction) -> Counter:
        return Counter(
            a.kind for a in extraction.tables["anomalies"] if a.kind in ("percentage_mismatch", "completeness")
        )

    render = corpus._render_module()
    sources = corpus.dumps()
    for position, dump in enumerate(sources):
        source = extract_file(dump)
        synthetic = _variant_extraction(corpus, render.read_dump(dump), variant * len(sources) + position, sources)
        assert refusal(synthetic) is None, dump.name
        assert kinds(synthetic) == kinds(source), dump.name
        assert _sums(synthetic) == _sums(source), dump.name
        assert len(synthetic.tables["budget_lines"]) == len(source.tables["budget_lines"])


def test_every_report_of_a_300_report_corpus_is_a_report_of_its_own(tmp_path):
    """orchestration/identity.py loads no leaf × entity × year from two documents: a corpus whose
    variants met in one (shifted codes wrap around) had reports refused as overlaps. Each variant's
    identity is read by the extractor for a few variants, then derived for all 301 reports with
    the corpus's own code and year shifts and compared: no two reports share a key."""
    from benchmarks import corpus
    from extract.document import extract_file
    from ingest.identity import LEAF_LEVELS

    render = corpus._render_module()
    sources = corpus.dumps()

    def keys(extraction) -> set[tuple[str, str, int]]:
        year = extraction.document.report_year
        return {(n.entity or "", n.code, year) for n in extraction.tables["nodes"] if n.level in LEAF_LEVELS and n.code}

    base = [keys(extract_file(dump)) for dump in sources]
    for variant in (1, 10, 37):  # as the extractor reads them: the largest year shift; codes that met before
        for dump, source_keys in zip(sources, base):
            path = tmp_path / f"{dump.stem}_v{variant}.txt"
            path.write_text("\n".join(corpus.variant_lines(render.read_dump(dump), variant)) + "\n")
            assert keys(extract_file(path)) == shifted(corpus, source_keys, variant), (dump.name, variant)
    owner: dict[tuple, int] = {}
    for index in [*range(300), corpus.CHANGED_REPORT]:  # the benchmark's 300 reports and the changed report it adds
        for key in shifted(corpus, base[index % len(sources)], index // len(sources)):
            assert owner.setdefault(key, index) == index, (key, owner[key], index)


def shifted(corpus, keys: set[tuple[str, str, int]], variant: int) -> set[tuple[str, str, int]]:
    """The identity keys of a variant, from its source's, by the corpus's shifts."""
    offset = variant * corpus.CODE_STEP
    return {
        (entity, code[:2] + corpus.shift_code(code[2:], offset), year + corpus.year_shift(variant))
        for entity, code, year in keys
    }


def test_memory_sampler_names_the_largest_process_of_a_tree():
    """The build's peak memory is attributed to a process (it was a main-process figure without a name)."""
    from benchmarks.measure import TreeSampler

    child = "import time; block = bytearray(300 * 2**20); time.sleep(2)  # dbt build stand-in"
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"]
    )
    with TreeSampler(parent.pid, interval=0.05) as sampler:
        parent.wait()
    assert sampler.peak_single_mb >= 300
    assert sampler.peak_single_name == "dbt build"  # the child, by its command line, not the small parent
    assert sampler.peak_total_mb >= sampler.peak_single_mb


def test_a_moment_of_a_build_is_placed_in_its_stage():
    from benchmarks.measure import stage_at

    stages = {
        "timeline": {"raw_start": 10.0, "raw_end": 20.0, "main_start": 22.0, "main_end": 40.0},
        "windows": [("dbt build", 23.0, 30.0), ("checks (quality suites)", 30.5, 35.0)],
    }
    assert [stage_at(stages, t) for t in (5, 15, 21, 25, 32, 30.2, 45)] == [
        "startup",
        "extract + load",
        "between stages",
        "dbt build",
        "checks (quality suites)",
        "between stages",
        "end",
    ]
