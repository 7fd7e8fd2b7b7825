"""The default engine's character reader (pdf_lines.layout_chars + page_words) gives exactly
pdfplumber's own `page.extract_words(...)`: same characters, same words, every key.

It reads pdfminer's layout objects directly instead of building pdfplumber's full `page.chars`
(the benchmark's phase table shows why). Checked on the samples and on a crafted PDF with the
cases its coordinate rules must get right: a form XObject, rotated text, a MediaBox not at the
origin, a second page (doctop).
"""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest

from extract.pdf_lines import layout_chars, page_words

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted((REPO / "data" / "samples").glob("*.pdf"))
KEYS = ("text", "x0", "x1", "top", "bottom", "doctop", "upright", "fontname", "size")
WORD_SETTINGS = dict(extra_attrs=["fontname", "size"], keep_blank_chars=False)


def crafted_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=0)
    c.setFont("Helvetica-Bold", 12)
    c.drawString(72, 800, "SD1 Doelstelling")
    c.beginForm("table")  # characters inside a form XObject (pdfminer: an LTFigure)
    c.setFont("Helvetica", 10)
    c.drawString(72, 700, "Exploitatie uitgaven 1.234")
    c.endForm()
    c.doForm("table")
    c.saveState()
    c.translate(300, 300)
    c.rotate(90)  # not upright
    c.drawString(0, 0, "rotated text")
    c.restoreState()
    c.showPage()
    c.setFont("Times-Roman", 11)
    c.drawString(80, 500, "page two ë 12,5%")
    c.showPage()
    c.save()
    # A MediaBox that does not start at the origin (same length: the xref stays valid).
    data = buffer.getvalue().replace(b"/MediaBox [ 0 0 595.2756 841.8898 ]", b"/MediaBox [ 9 7 604.2756 848.8898 ]")
    assert data.count(b"/MediaBox [ 9 7") == 2
    return data


def sources() -> list[tuple[str, bytes, int | None]]:
    """(name, PDF bytes, pages to check): the crafted PDF whole, the first pages of each sample."""
    return [("crafted", crafted_pdf(), None), *((p.name, p.read_bytes(), 8) for p in SAMPLES)]


@pytest.mark.parametrize("name,data,max_pages", sources(), ids=lambda v: v if isinstance(v, str) else "")
def test_layout_chars_and_words_equal_pdfplumbers(name, data, max_pages):
    checked_upright = set()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages[:max_pages]:
            ours = layout_chars(page)
            theirs = [{key: char[key] for key in KEYS} for char in page.chars]
            assert ours == theirs, f"{name} page {page.page_number}: characters differ"
            assert page_words(ours) == page.extract_words(**WORD_SETTINGS), (
                f"{name} page {page.page_number}: words differ"
            )
            checked_upright |= {c["upright"] for c in ours}
            page.close()
    if name == "crafted":
        assert checked_upright == {True, False}  # the rotated text really was read


def test_the_crafted_pdf_exercises_the_offsets():
    with pdfplumber.open(io.BytesIO(crafted_pdf())) as pdf:
        first, second = pdf.pages
        assert first.mediabox[0] == 9 and first.mediabox[1] != 0  # (pdfplumber gives it in top-down coordinates)
        assert second.initial_doctop > 0
        figures = [o for o in first.layout._objs if type(o).__name__ == "LTFigure"]
        assert figures, "the form XObject is read as a figure holding characters"
        assert "Exploitatie" in "".join(c["text"] for c in layout_chars(first))
