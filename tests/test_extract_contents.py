"""Whole reports only (issue 19.2): the report's own TOC and printed page numbering against what was read.

Pure unit tests of `extract.contents`, then cuts of the sample PDFs: 000 with its pages 11–13
removed from the file (pypdfium2), and 1–2-page cuts of 001 made on its text layer (its
lines of those pages removed, the later pages renumbered), which is what a cut file reads as
without reading 106 pages again per cut.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import sample_path

from extract.acceptance import refusal
from extract.contents import (
    PAGES_MISSING,
    TOC_ENTRY_MISSING,
    PageNumber,
    missing_tail,
    missing_toc_entries,
    numbering_problems,
    printed_page_numbers,
)
from extract.document import extract_bytes, extract_source
from extract.grammar import marker_kind
from extract.pdf_lines import PhysicalLine


def _line(page: int, text: str, top: float, height: float = 842.0) -> PhysicalLine:
    return PhysicalLine(text, page, 1, top, top + 10, 50, 300, 10, False, page_height=height)


def _pages(footers: list[str], body: str = "Tekst") -> list[list[PhysicalLine]]:
    return [
        [_line(k, body, 60), _line(k, f"{body} {k}", 80), _line(k, footer, 800)]
        for k, footer in enumerate(footers, start=1)
    ]


# ------------------------------------------------------------------ printed page numbering
@pytest.mark.parametrize(
    "footer, total", [("Pagina {}", None), ("blz. {}/9", 9), ("Jaarrekening 2021 — blz. {}/9", 9), ("{}", None)]
)
def test_the_printed_numbering_is_read_from_a_run_of_footers(footer, total):
    numbering = printed_page_numbers(_pages([footer.format(k) for k in range(1, 10)]))
    assert numbering == {k: PageNumber(k, total) for k in range(1, 10)}


def test_numbers_that_do_not_run_are_no_page_numbering():
    """A year or an amount closing a few pages is not a numbering: nothing is judged by it."""
    assert printed_page_numbers(_pages(["2021", "Tekst", "2020", "Tekst", "Tekst", "2021"])) == {}
    assert printed_page_numbers(_pages(["12", "7", "300", "5", "41", "9"])) == {}


def test_a_whole_numbering_has_no_problems():
    assert numbering_problems({k: PageNumber(k, 9) for k in range(1, 10)}, 9) == []
    assert numbering_problems({k: PageNumber(k - 2, None) for k in range(3, 10)}, 9) == []  # cover pages unnumbered


def test_a_gap_names_the_missing_printed_pages():
    # pages 11-13 removed from a 27-page file: file page 11 prints 14
    numbering = {k: PageNumber(k if k <= 10 else k + 3, None) for k in range(1, 25)}
    assert numbering_problems(numbering, 24) == [
        "printed pages 11–13 missing (page 10 of the file prints 10, page 11 prints 14)"
    ]


def test_a_repeat_and_a_cut_start_and_end_are_named():
    repeat = {1: PageNumber(1, None), 2: PageNumber(2, None), 3: PageNumber(2, None), 4: PageNumber(3, None)}
    assert numbering_problems(repeat, 4) == [
        "printed page 2 repeats or runs backwards (page 2 of the file prints 2, page 3 prints 2)"
    ]
    start = {k: PageNumber(k + 2, None) for k in range(1, 8)}
    assert numbering_problems(start, 7) == ["printed pages 1–2 missing at the start (page 1 of the file prints 3)"]
    end = {k: PageNumber(k, 94) for k in range(1, 93)}
    assert numbering_problems(end, 92) == ["printed pages 93–94 of 94 missing at the end"]


# ------------------------------------------------------------------ table of contents
def test_toc_entries_are_compared_by_code_never_by_page():
    toc = {"SD10041": "We maken Gent", "OD10071": "Imago", "OD10072": "Participatie"}
    assert missing_toc_entries(toc, {"SD10041", "OD10071", "OD10072"}) == []
    assert missing_toc_entries(toc, {"SD10041"}) == ["OD10071", "OD10072"]


def test_every_sample_dump_reads_every_toc_entry(extracted):
    """The dumps' TOCs (001, 002; 000 has none) list exactly the goals and plans read."""
    for sample in ("001", "002"):
        ex = extracted(sample, "text")
        listed = re.findall(r"^(?:<b>)?((?:SD|OD|PO)\d{5}) - .*\t", _toc_text(ex.path), re.M)
        read = {n.code for n in ex.tables["nodes"] if n.level in ("goal", "action_plan")}
        assert listed and set(listed) == read, sample
        assert not [a for a in ex.tables["anomalies"] if a.kind in (TOC_ENTRY_MISSING, PAGES_MISSING)]


def _toc_text(dump: Path) -> str:
    """The dump's lines from "Inhoudstafel" to the first goal marker."""
    return dump.read_text(encoding="utf-8").split("Inhoudstafel", 1)[1].split("Beleidsdoelstelling", 1)[0]


def test_a_dump_missing_a_listed_plan_is_refused_naming_it(extracted):
    """002 without the blocks of its last plan (cut at its 'Actieplan' marker): the TOC names it."""
    source = extracted("002", "text").source
    plan_starts = [k for k, line in enumerate(source.lines) if marker_kind(line.text) == "plan"]
    cut = replace(source, lines=source.lines[: plan_starts[-1]])
    reason = refusal(extract_source(cut, Path("cut.txt"), "cut"))
    assert reason and "OD10054" in reason and "not in the report" in reason, reason


# ------------------------------------------------------------------ cut PDFs
def test_000_with_pages_11_to_13_removed_is_refused_naming_them():
    import pypdfium2 as pdfium

    path = sample_path("000", "pdf")
    whole = extract_bytes(path, path.read_bytes())
    assert refusal(whole) is None
    pdf = pdfium.PdfDocument(path.read_bytes())
    for index in (12, 11, 10):  # 0-based: pages 13, 12, 11
        pdf.del_page(index)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    cut = extract_bytes(Path("cut.pdf"), out.getvalue())
    assert len(cut.tables["budget_lines"]) < len(whole.tables["budget_lines"])  # rows were really lost
    assert refusal(cut) == (
        "report not whole (pages missing): printed pages 11–13 missing "
        "(page 10 of the file prints 10, page 11 prints 14)"
    )


def _cut_pages(source, first: int, last: int):
    """The text layer of the file with pages first..last removed: later pages move up."""
    shift = last - first + 1
    lines = [
        replace(l, page=l.page - shift if l.page > last else l.page)
        for l in source.lines
        if not first <= l.page <= last
    ]
    numbers = {p - shift if p > last else p: n for p, n in source.page_numbers.items() if not first <= p <= last}
    return replace(source, lines=lines, pages=source.pages - shift, page_numbers=numbers)


def test_random_cuts_of_001_are_refused(extracted):
    """1–2 pages cut anywhere from 001 (106 pages), the first and the last two among them."""
    ex = extracted("001", "pdf")
    source, pages = ex.source, ex.source.pages
    assert refusal(ex.extraction) is None and len(source.page_numbers) == pages
    rng = random.Random(19)
    cuts = [(1, 1), (pages - 1, pages)] + [(s, s + n - 1) for n in (1, 2) for s in rng.sample(range(2, pages - 2), 1)]
    for first, last in cuts:
        cut = extract_source(
            _cut_pages(source, first, last), ex.path, hashlib.sha256(f"{first}-{last}".encode()).hexdigest()
        )
        reason = refusal(cut)
        assert reason, (first, last)
        if first > 1 and last < pages - 1:
            missing = f"printed page {first}" if first == last else f"printed pages {first}–{last}"
            assert f"{missing} missing" in reason, (first, last, reason)


def test_the_tail_rule_holds_on_every_whole_sample(extracted):
    """The last plan of each whole report adds up (else the tail rule would refuse it)."""
    for sample in ("000", "001", "002"):
        ex = extracted(sample, "text")
        assert missing_tail(ex.tables, ex.extraction.document.layout) is None, sample
