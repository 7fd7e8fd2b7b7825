"""A small damaged report as a dump and as a PDF rendered from it: the same rows, the same damage."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import FIXTURES
from tools_loader import load_tool

from extract.compare import content_rows
from extract.document import extract_file
from extract.markup import clean_line

render_samples = load_tool("render_samples")

# Damage built into each fixture (see the files): kind -> how many, by construction.
DAMAGE = {
    "mini_2024.txt": {"header_lost": 1, "label_misspelt": 3, "missing_cell": 6, "service_glued": 1},
    "mini_2021.txt": {"page_header_removed": 1},
}


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    cache = {}

    def get(name: str):
        if name not in cache:
            dump = FIXTURES / name
            raw = dump.read_text(encoding="utf-8").split("\n")
            pdf = tmp_path_factory.mktemp("pdf") / dump.with_suffix(".pdf").name
            pages = render_samples.render_lines(raw, pdf, render_samples.report_title([clean_line(l) for l in raw]))
            cache[name] = extract_file(dump), extract_file(pdf), pages
        return cache[name]

    return get


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_pdf_of_a_fixture_gives_the_rows_of_its_dump(pair, name):
    from_dump, from_pdf, pages = pair(name)
    assert pages >= 2 and from_pdf.document.page_count == pages
    a, b = content_rows(from_dump), content_rows(from_pdf)
    for table in a:
        assert b[table] == a[table], table
    assert a["budget_lines"] and all(r.page for r in from_pdf.tables["budget_lines"])


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_the_damage_is_found_in_both(pair, name):
    from_dump, from_pdf, _ = pair(name)
    for extraction in (from_dump, from_pdf):
        kinds = Counter(a.kind for a in extraction.tables["anomalies"])
        assert {k: kinds[k] for k in DAMAGE[name]} == DAMAGE[name]
        assert not kinds["percentage_mismatch"] and not kinds["completeness"]
    located = lambda ex: sorted((a.kind, a.node_id) for a in ex.tables["anomalies"] if a.kind in DAMAGE[name])  # noqa: E731
    assert located(from_dump) == located(from_pdf)


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_only_running_header_and_page_numbers_are_furniture(pair, name):
    """A short PDF ends several pages with a VTE row: content, never a running footer."""
    _, from_pdf, _ = pair(name)
    removed = {a.detail.split(": ", 1)[1] for a in from_pdf.tables["anomalies"] if a.kind == "page_furniture_removed"}
    raw = (FIXTURES / name).read_text(encoding="utf-8").split("\n")
    title = render_samples.report_title([clean_line(line) for line in raw])
    assert removed == {"'<page number>'", repr(title)}


def _line(text: str, page: int, number: int, top: float, height: float = 842.0):
    from extract.pdf_lines import PhysicalLine

    return PhysicalLine(text, page, number, top, top + 8, 50, 500, 8, False, 500, height)


def test_furniture_is_report_content_never():
    from extract.pdf_lines import _furniture

    marker = "Budgettaire onderbouwing\tBudget 2024\tJaarrekening 2024\t% Besteding budget 2024\tJaarrekening 2023"
    pages = [
        [
            _line("Jaarrekening 2024 | Gent, stad van kansen", p, 1, 31.0),
            _line(marker if p != 5 else "Gewone tekst.", p, 2, 60.0),  # a table at the top of 4 of 5 pages
            _line("Tekst.", p, 3, 400.0),
            _line("VTE\t1,00\t1,00\t100,0%\t1,00\t100,0%", p, 4, 760.0),  # a VTE row at the foot of each page
            _line(f"Pagina {p}", p, 5, 800.0),
        ]
        for p in range(1, 6)
    ]
    assert _furniture(pages) == {(p, n) for p in range(1, 6) for n in (1, 5)}


def test_furniture_is_printed_in_one_place():
    from extract.pdf_lines import _furniture

    pages = [
        [
            _line("District09 / Jaarrekening 2021", p, 1, 31.0),
            _line(f"Tekst over {'abc'[p - 1]}.", p, 2, 300.0),
            _line("Zie omschrijving ACC2212.", p, 3, 500.0 + 41 * p),  # the same prose ends each page
            _line(f"{p}", p, 4, 800.0),
        ]
        for p in range(1, 4)
    ]
    assert _furniture(pages) == {(p, n) for p in range(1, 4) for n in (1, 4)}
