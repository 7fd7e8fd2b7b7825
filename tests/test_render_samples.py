"""The sample PDFs print every word of their dump, in order, and render byte-identically."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pdfplumber
import pytest
from tools_loader import load_tool

REPO = Path(__file__).resolve().parents[1]
DUMPS = REPO / "data" / "dumps"

render_samples = load_tool("render_samples")

clean_line, is_rule = render_samples.clean_line, render_samples.is_rule
RULE_WORD = re.compile(r"^[-|:]+$")
# Running header and footer sit outside the body frame: cut them off before comparing words.
BAND = 15 * 72 / 25.4  # 15 mm in points


def dump(stem_prefix: str) -> Path:
    return next(DUMPS.glob(f"{stem_prefix}_*.txt"))


def expected_words(raw_lines: list[str]) -> list[str]:
    """Words of every printed (non-blank, non-rule) dump line, in dump order."""
    words: list[str] = []
    for raw in raw_lines:
        line = clean_line(raw)
        if line and not is_rule(line):
            words += line.split()
    return words


def pdf_words(path: Path) -> list[str]:
    """Words of the PDF body (running header and footer cut off), in reading order."""
    words: list[str] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            body = page.crop((0, BAND, page.width, page.height - BAND))
            words += [w["text"] for w in body.extract_words()]
            page.close()
    return words


def compare(expected: list[str], actual: list[str], window: int = 80) -> tuple[list[str], list[str]]:
    """Walk both streams with a pointer: (expected words not found in order, extra PDF words).

    The lookahead window lets the PDF carry extra words (rendered rule lines, repeated table
    headers) between expected ones without one missing word swallowing the rest.
    """
    missing: list[str] = []
    extra: list[str] = []
    p = 0
    for i, word in enumerate(expected):
        try:
            k = actual.index(word, p, p + window)
        except ValueError:
            missing.append(f"#{i} {word!r}")
            continue
        extra += actual[p:k]
        p = k + 1
    extra += actual[p:]
    return missing, extra


def repeatable_words(raw_lines: list[str]) -> set[str]:
    """Words the PDF may print more often than the dump: table headers repeated on a new page."""
    blocks = render_samples.parse_blocks([clean_line(raw) for raw in raw_lines])
    return {
        word
        for block in blocks
        if isinstance(block, render_samples.TableBlock)
        for cell in block.rows[0]
        for word in cell.split()
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_faithful(raw_lines: list[str], pdf: Path) -> None:
    missing, extra = compare(expected_words(raw_lines), pdf_words(pdf))
    allowed = repeatable_words(raw_lines)
    extra = [w for w in extra if not (RULE_WORD.match(w) or w in allowed)]
    assert not missing, f"{len(missing)} dump words missing from {pdf.name}: {missing[:20]}"
    assert not extra, f"{len(extra)} unexpected words in {pdf.name}: {extra[:20]}"


# ---------------------------------------------------------------- parsing


def test_2021_header_fragments_split_into_five_columns():
    lines = [
        "Budgettaire onderbouwing",
        "Budget",
        "",
        "2021",
        "Jaarrekening",
        "2021",
        "% Besteding budget",
        "2021",
        "Jaarrekening",
        "2020",
        "Jaarrekening 2021\tt.o.v.",
        "2020",
        "",
        "Exploitatie",
        "Uitgaven 5 0 0,0% 0 0,0%",
        "",
        "Ontvangsten 0 0 0,0% 0 0,0%",
        "Acties",
    ]
    table, end = render_samples.read_table(lines, 0)
    assert table.rows[0] == [
        "Budgettaire onderbouwing",
        "",
        "Budget 2021",
        "Jaarrekening 2021",
        "% Besteding budget 2021",
        "Jaarrekening 2020",
        "Jaarrekening 2021 t.o.v. 2020",
    ]
    assert table.rows[1] == ["Exploitatie", "Uitgaven", "5", "0", "0,0%", "0", "0,0%"]
    assert table.rows[2] == ["", "Ontvangsten", "0", "0", "0,0%", "0", "0,0%"]
    assert lines[end] == "Acties"


def test_dropped_column_keeps_cells_from_the_left_and_invents_nothing():
    lines = [
        "Budgettaire onderbouwning\tBudget 2024\tJaarrekening 2024\t% Besteding budget 2024"
        "\tJaarrekening 2023\tJaarrekening 2024 t.o.v. 2023",
        "Investing\tUitgaven\t66.573\t139,7%\t10.836\t858,3%",
        "Ontvangsten\t0\t0,0%\t0\t0,0%",
        "Uitgaven worden later besproken.",
    ]
    table, end = render_samples.read_table(lines, 0)
    assert table.rows[0][0] == "Budgettaire onderbouwning"
    assert table.rows[1] == ["Investing", "Uitgaven", "66.573", "139,7%", "10.836", "858,3%"]
    assert table.rows[2] == ["", "Ontvangsten", "0", "0,0%", "0", "0,0%"]
    assert end == 3  # prose starting with a row label is not a row


def test_marker_without_table_stays_a_paragraph():
    blocks = render_samples.parse_blocks(["Budgettaire onderbouwing", "", "gewone tekst"])
    assert [b.text for b in blocks] == ["Budgettaire onderbouwing", "gewone tekst"]


def test_report_titles():
    assert (
        render_samples.report_title(["", "JAARREKENING 2024 2 | Gent, stad van kansen"])
        == "Jaarrekening 2024 | Gent, stad van kansen"
    )
    assert (
        render_samples.report_title(["Jaarrekening 2021", "District09 / Jaarrekening 2021 / Overzicht"])
        == "District09 / Jaarrekening 2021"
    )


# ---------------------------------------------------------------- rendered PDFs


STEMS = ["000", "001", "002"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[list[str], Path]]:
    """All three dumps rendered in full (a few seconds; reading them back takes ~20 s)."""
    out = tmp_path_factory.mktemp("samples")
    result = {}
    for stem in STEMS:
        source = dump(stem)
        lines = render_samples.read_dump(source)
        pdf, pages = render_samples.render_dump(source, out)
        assert pages > 1
        result[stem] = (lines, pdf)
    return result


@pytest.mark.parametrize("stem", STEMS)
def test_every_dump_word_is_printed_in_order(rendered, stem):
    lines, pdf = rendered[stem]
    assert_faithful(lines, pdf)


def test_running_header_and_page_footer(rendered):
    _, pdf = rendered["001"]
    with pdfplumber.open(pdf) as doc:
        for number in (1, len(doc.pages)):
            page = doc.pages[number - 1]
            text = page.extract_text()
            page.close()
            assert "Jaarrekening 2024 | Gent, stad voor en door Gentenaars" in text
            assert f"Pagina {number}" in text


def test_dropped_column_row_prints_only_its_own_cells(rendered):
    """001:L763 lost a column: its row prints four values and an empty last cell."""
    _, pdf = rendered["001"]
    with pdfplumber.open(pdf) as doc:
        lines = []
        for page in doc.pages:
            lines += (page.extract_text() or "").split("\n")
            page.close()
    assert "Exploitatie Uitgaven 1.158.616 106,2% 1.178.695 104,3%" in lines


def test_render_lines_renders_a_small_report(tmp_path):
    lines = [
        "### Beleidsdoelstelling SD10041",
        "Een doel",
        "",
        "Budgettaire onderbouwing\tBudget 2024"
        "\tJaarrekening 2024\t% Besteding budget 2024\tJaarrekening 2023\tJaarrekening 2024 t.o.v. 2023",
        "Exploitatie\tUitgaven\t10\t5\t50,0%\t4\t125,0%",
        "\tOntvangsten\t0\t0\t0,0%\t0\t0,0%",
        "--\t----",
        "Tekst met  cel\tgaten & <tekens>.",
    ]
    pdf = tmp_path / "small.pdf"
    assert render_samples.render_lines(lines, pdf, "Klein") == 1
    assert_faithful(lines, pdf)


def test_rendering_is_byte_identical(rendered, tmp_path):
    for stem in STEMS:
        _, first = rendered[stem]
        again, _ = render_samples.render_dump(dump(stem), tmp_path)
        assert sha256(again) == sha256(first), stem
