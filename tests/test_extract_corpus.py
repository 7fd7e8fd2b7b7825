"""PDFs of the three reports printed by other engines and designs read as their dumps.

`tests/corpus/<engine>-<design>/` holds PDFs rendered from `data/dumps/` through HTML/CSS
designs of our own by headless Chromium, WeasyPrint and LibreOffice Writer
(`tools/render_html.py`; the engines are not needed here, the PDFs are committed). The
extractor knows none of these designs. Each PDF is compared, field by field, with the
extraction of its own dump (`extract.compare`).

The bar of issue 14: every budget and staffing row and cell equal; the main job's acceptance
rule loads every PDF; titles and services ≥ 99,5% equal, text word ratio ≥ 0,998, and every
remaining difference flagged by an anomaly. The first two hold; the last is not met yet on
every design and is kept as an expected failure that reports its figures
(`tools/compare_sources.py DUMP PDF...` prints them with each difference).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, extract_in_background, sample_path

from extract.acceptance import refusal
from extract.compare import compare

CORPUS = REPO / "tests" / "corpus"
PDFS = sorted(CORPUS.glob("*/*.pdf"))
CASES = [pytest.param(pdf, id=f"{pdf.parent.name}/{pdf.name[:3]}") for pdf in PDFS]


DUMPS = {n: sample_path(n, "text") for n in ("000", "001", "002")}


def corpus_paths() -> list[Path]:
    """The corpus PDFs, then the dumps they are compared with."""
    return [*PDFS, *DUMPS.values()]


@pytest.fixture(scope="module")
def corpus():
    """Every corpus PDF and every dump extracted once, in the background (see conftest)."""
    futures = extract_in_background(corpus_paths())
    done = {path: future.result() for path, future in futures.items()}
    return {pdf: (done[DUMPS[pdf.name[:3]]], done[pdf]) for pdf in PDFS}


def test_the_corpus_is_there():
    """Three engines, all three reports each (guards the test against an empty folder)."""
    engines = {p.parent.name.split("-")[0] for p in PDFS}
    assert {"chromium", "weasyprint", "libreoffice"} <= engines
    for folder in {p.parent for p in PDFS}:
        assert sorted(p.name[:3] for p in folder.glob("*.pdf")) == ["000", "001", "002"], folder


@pytest.mark.parametrize("pdf", CASES)
def test_every_budget_and_staffing_cell_is_the_dumps(corpus, pdf):
    reference, candidate = corpus[pdf]
    result = compare(reference, candidate)
    for measure in ("budget_rows", "budget_cells", "staffing_rows", "staffing_cells", "nodes"):
        assert result.share(measure) == 1.0, (measure, [d for d in result.differences if d.table != "nodes"][:5])
    assert candidate.document.report_year == reference.document.report_year
    assert candidate.document.table_markers == reference.document.table_markers


@pytest.mark.parametrize("pdf", CASES)
def test_the_acceptance_rule_loads_it(corpus, pdf):
    """The rule the CLI and the pipeline share: a faithful render is never refused."""
    _, candidate = corpus[pdf]
    assert refusal(candidate) is None


@pytest.mark.parametrize("pdf", CASES)
def test_the_text_is_the_dumps_nearly_word_for_word(corpus, pdf):
    """A floor against regressions (the issue's bar of 0,998 is the expected failure below)."""
    reference, candidate = corpus[pdf]
    assert compare(reference, candidate).text_ratio >= 0.975


@pytest.mark.xfail(strict=False, reason="issue 14: titles/services of some designs still read differently without an anomaly")
@pytest.mark.parametrize("pdf", CASES)
def test_titles_services_and_text_meet_the_bar(corpus, pdf):
    reference, candidate = corpus[pdf]
    result = compare(reference, candidate)
    assert result.share("title") >= 0.995 and result.share("service") >= 0.995 and result.text_ratio >= 0.998, result.summary()
    assert not result.silent, [(d.key, d.field) for d in result.silent[:10]]
