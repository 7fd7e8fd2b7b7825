"""PDFs of the three reports printed by other engines and designs read as their dumps.

`tests/corpus/<engine>-<design>/` holds PDFs rendered from `data/dumps/` through HTML/CSS
designs of our own by headless Chromium, WeasyPrint and LibreOffice Writer
(`tools/render_html.py`; the engines are not needed here, the PDFs are committed). The
extractor knows none of these designs. Each PDF is compared, field by field, with the
extraction of its own dump (`extract.compare`).

The bar of issue 14: every budget and staffing row and cell equal; the main job's acceptance
rule loads every PDF; text word ratio ≥ 0,998; titles and services ≥ 99,5% equal, and every
remaining difference flagged by an anomaly. The titles bar is not met on one PDF yet; it is
named below (`KNOWN_GAPS`) as an expected failure that reports its figures, every other PDF
must meet the bar (`tools/compare_sources.py DUMP PDF...` prints the figures and differences).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from extract.acceptance import refusal
from extract.compare import compare, content_rows
from extract.document import extract_file

CORPUS = REPO / "tests" / "corpus"
PDFS = sorted(CORPUS.glob("*/*.pdf"))


def case_id(pdf: Path) -> str:
    return f"{pdf.parent.name}/{pdf.name[:3]}"


def case(pdf: Path, *marks) -> pytest.param:
    return pytest.param(pdf, id=case_id(pdf), marks=marks)


CASES = [case(pdf) for pdf in PDFS]


class Corpus:
    """Each PDF extracted, and compared with its dump's extraction, once: on first use."""

    def __init__(self, extracted):
        self.extracted = extracted
        self.pairs: dict[Path, tuple] = {}
        self.comparisons: dict[Path, object] = {}

    def __getitem__(self, pdf: Path) -> tuple:
        """(extraction of the dump, extraction of the PDF)."""
        if pdf not in self.pairs:
            self.pairs[pdf] = (self.extracted(pdf.name[:3], "text").extraction, extract_file(pdf))
        return self.pairs[pdf]

    def compared(self, pdf: Path):
        """compare(dump, PDF): the field-by-field comparison takes longer than the extraction."""
        if pdf not in self.comparisons:
            self.comparisons[pdf] = compare(*self[pdf])
        return self.comparisons[pdf]


@pytest.fixture(scope="module")
def corpus(extracted) -> Corpus:
    return Corpus(extracted)


def test_the_corpus_is_there():
    """Three engines, all three reports each (guards the test against an empty folder)."""
    engines = {p.parent.name.split("-")[0] for p in PDFS}
    assert {"chromium", "weasyprint", "libreoffice"} <= engines
    for folder in {p.parent for p in PDFS}:
        assert sorted(p.name[:3] for p in folder.glob("*.pdf")) == ["000", "001", "002"], folder
    assert set(PDFIUM_CASES) <= {case_id(pdf) for pdf in PDFS}


@pytest.mark.parametrize("pdf", CASES)
def test_every_budget_and_staffing_cell_is_the_dumps(corpus, pdf):
    reference, candidate = corpus[pdf]
    result = corpus.compared(pdf)
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
def test_the_text_is_the_dumps_word_for_word(corpus, pdf):
    assert corpus.compared(pdf).text_ratio >= 0.998


# PDFs that do not meet the whole bar yet, and why (see the notes on issue 14).
KNOWN_GAPS = {
    "titles": {},
    "silent": {},
}


def cases_with_gaps(kind: str) -> list:
    gaps = KNOWN_GAPS[kind]
    return [
        case(pdf, *[pytest.mark.xfail(strict=False, reason=gaps[case_id(pdf)])] if case_id(pdf) in gaps else [])
        for pdf in PDFS
    ]


@pytest.mark.parametrize("pdf", cases_with_gaps("titles"))
def test_titles_and_services_meet_the_bar(corpus, pdf):
    result = corpus.compared(pdf)
    assert result.share("title") >= 0.995 and result.share("service") >= 0.995, result.summary()


@pytest.mark.parametrize("pdf", cases_with_gaps("silent"))
def test_every_difference_is_flagged_by_an_anomaly(corpus, pdf):
    silent = corpus.compared(pdf).silent
    assert not silent, [(d.key, d.field, d.reference, d.candidate) for d in silent[:10]]


# The optional PDFium engine (extract/pdfium_lines.py) reads the characters in place of
# pdfminer: one PDF per engine, each with what once set its rows apart (italic and bold
# glyphs overhanging the next, right-to-left runs in logical order, LibreOffice's tight
# cells). Chromium's stacked design names no font to PDFium: such a document goes to the
# default engine as a whole, so it cannot differ.
PDFIUM_CASES = ("weasyprint-stacked/001", "chromium-grid/001", "libreoffice-grid/002")


@pytest.mark.parametrize("pdf", [case(pdf) for pdf in PDFS if case_id(pdf) in PDFIUM_CASES])
def test_the_pdfium_engine_reads_the_rows_pdfplumber_reads(corpus, pdf):
    assert content_rows(extract_file(pdf, engine="pdfium")) == content_rows(corpus[pdf][1])
