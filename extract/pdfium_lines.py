"""PDF text layer -> printed `Line`s with pypdfium2: an optional, faster engine (GENT_PDF_ENGINE=pdfium).

Same contract as `extract.pdf_lines.pdf_lines`: (lines, page_count, furniture_removed), and
the same rows. Only the character source changes: PDFium reads the characters (C++) in
place of pdfminer (pure Python, most of the default engine's time: see the benchmark's phase
table). Everything after the characters is shared: `pdf_lines.page_words` (pdfplumber's own
`WordExtractor`, same settings) groups them into words, then `pdf_lines` makes the lines,
removes the running headers/footers and marks paragraphs.

The characters are made to look like pdfminer's: x0 = glyph origin, x1 = origin + advance,
bottom = baseline - descent, top = bottom - size, size = font size x text matrix, in
pdfplumber's page coordinates; words split on font or size changes as pdfplumber does.
Known differences, none of which changes a row of the bundled samples (the benchmark and
tests/test_benchmarks_smoke.py compare them):
- PDFium rounds glyph advances to whole font units: x positions drift by up to ~0.7 pt
  at the end of a long line (pdfminer uses the fractional /Widths).
- The descent comes from PDFium's font metrics (whole units; for a non-embedded standard
  font, from its substitute): top/bottom can differ by a few hundredths of a point.
- PDFium marks a hyphen (- or U+00AD) that ends a line; it is read back as "-".
- PDFium drops text drawn twice at the same place (fake bold); pdfminer keeps both copies.
A document with a rotated page or rotated/mirrored text, or whose fonts PDFium cannot name
(Chromium's), is read by the default engine (pdfplumber) instead: its geometry or its font
styles are not reproduced here.
"""

from __future__ import annotations

import ctypes
import functools
from array import array

from . import pdf_lines as _plumber
from .errors import ExtractionError
from .pdf_lines import PhysicalLine, _group_lines, page_words

HYPHEN_MARKS = {"\ufffe", "\x02"}  # PDFium's stand-in for a line-ending hyphen


class _NotUpright(Exception):
    """Rotated page or text, or fonts PDFium cannot name: the document goes to the default engine."""


def _read_pages(path, data: bytes) -> list[list[PhysicalLine]]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ExtractionError(path, "PDF is encrypted (password required)") from None
        raise ExtractionError(path, f"unreadable PDF ({type(exc).__name__}: {exc})") from None
    pages = []
    try:
        for index in range(len(pdf)):
            chars, height = _page_chars(pdf.raw, index)
            pages.append(_group_lines(page_words(chars), index + 1, height))
    except _NotUpright:
        return _plumber._read_pages(path, data)
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(path, f"unreadable PDF ({type(exc).__name__}: {exc})") from None
    finally:
        pdf.close()
    return pages


def _page_chars(document, index: int) -> tuple[list[dict], float]:
    """The printed characters of one page as pdfplumber char dicts (the keys words need)."""
    import pypdfium2.raw as raw

    page = raw.FPDF_LoadPage(document, index)
    if not page:
        raise ValueError(f"page {index + 1} cannot be loaded")
    textpage = raw.FPDFText_LoadPage(page)
    try:
        if raw.FPDFPage_GetRotation(page) != 0:
            raise _NotUpright()
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        # pdfplumber's page.height is the MediaBox height h, its y coordinates h - y (x stays x)
        ok = raw.FPDFPage_GetMediaBox(page, left, bottom, right, top)
        height = top.value - bottom.value if ok else raw.FPDF_GetPageHeightF(page)
        count = raw.FPDFText_CountChars(textpage)
        text = _page_text(raw, textpage, count)
        box, ox, oy, matrix = raw.FS_RECTF(), ctypes.c_double(), ctypes.c_double(), raw.FS_MATRIX()
        name, descent = ctypes.create_string_buffer(256), ctypes.c_float()
        objects: dict[int, tuple[str, float, float]] = {}  # text object -> (font name, size, descent in points)
        object_address = _object_address()
        chars: list[dict] = []
        previous = None
        for i in range(count):
            key = object_address(textpage, i)
            if not key:  # a space or line break PDFium generated where the page prints none
                if text[i] == " " and chars:
                    # A word gap drawn by positioning alone (Chromium prints no space glyphs):
                    # it still ends the word, as the gap does for pdfminer's characters.
                    chars.append({**chars[-1], "text": " ", "x0": chars[-1]["x1"]})
                continue
            attrs = objects.get(key)
            if attrs is None:
                obj = raw.FPDFText_GetTextObject(textpage, i)
                raw.FPDFText_GetMatrix(textpage, i, matrix)
                if matrix.b != 0 or matrix.c != 0 or matrix.a <= 0 or matrix.d <= 0:
                    raise _NotUpright()
                font = raw.FPDFTextObj_GetFont(obj)
                raw.FPDFFont_GetBaseFontName(font, name, len(name))
                size = raw.FPDFText_GetFontSize(textpage, i) * matrix.d
                raw.FPDFFont_GetDescent(font, 1.0, descent)
                fontname = name.value.decode("utf-8", "replace")
                if not fontname:
                    # PDFium names no font of Chromium's PDFs: bold and italic, which tell a
                    # header or a service line, would be lost. pdfminer reads the names.
                    raise _NotUpright()
                attrs = objects[key] = (fontname, size, descent.value * size)
            fontname, size, below = attrs
            raw.FPDFText_GetLooseCharBox(textpage, i, box)
            raw.FPDFText_GetCharOrigin(textpage, i, ox, oy)
            # pdfminer's x1 is origin + advance; PDFium's loose box is the union of advance and
            # ink, so an overhanging glyph (italic or bold "f") reached past the next character
            # and "Staf Departement" lost its word gap. The next character of the same text
            # run on the same baseline starts where the advance (plus kerning) ends.
            if previous and previous[0] == key and previous[1] == oy.value and ox.value > chars[-1]["x0"]:
                chars[-1]["x1"] = min(chars[-1]["x1"], ox.value)
            previous = (key, oy.value)
            char_bottom = height - (oy.value + below)
            char = text[i]
            chars.append(
                {
                    "text": "-" if char in HYPHEN_MARKS else char,
                    "x0": ox.value,
                    "x1": box.right,
                    "top": char_bottom - size,
                    "bottom": char_bottom,
                    "doctop": char_bottom - size,
                    "upright": True,
                    "fontname": fontname,
                    "size": size,
                }
            )
        return _visual_order(chars), height
    finally:
        raw.FPDFText_ClosePage(textpage)
        raw.FPDF_ClosePage(page)


def _visual_order(chars: list[dict]) -> list[dict]:
    """The characters in the order printed, as pdfminer gives them. PDFium hands a
    right-to-left run (Arabic) in logical order, each character left of the one before on
    the same baseline: such a run is reversed. Its widths are those of the letters, not of
    the joined forms printed, so its right end is set to where the text goes on when that
    is less than a point away (pdfminer's glyphs touch there)."""
    out: list[dict] = []
    i = 0
    while i < len(chars):
        j = i + 1
        while (
            j < len(chars)
            and chars[j]["text"] != " "
            and _same_baseline(chars[j], chars[j - 1])
            and chars[j]["x1"] <= chars[j - 1]["x0"] + 0.5
        ):
            j += 1
        out.extend(reversed(chars[i:j]))
        if (
            j - i > 1
            and j < len(chars)
            and _same_baseline(chars[j], chars[i])
            and 0 < chars[j]["x0"] - chars[i]["x1"] < 1
        ):
            chars[i]["x1"] = chars[j]["x0"]
        i = j
    return out


def _same_baseline(a: dict, b: dict) -> bool:
    return abs(a["bottom"] - b["bottom"]) < 0.5


@functools.lru_cache(maxsize=1)
def _object_address():
    """FPDFText_GetTextObject returning a plain int (address of the char's text object, 0 if none)."""
    import pypdfium2.raw as raw

    function = raw.FPDFText_GetTextObject
    prototype = ctypes.CFUNCTYPE(ctypes.c_void_p, *function.argtypes)
    address = ctypes.cast(function, ctypes.c_void_p).value
    assert address  # a loaded library function is never at address 0
    return prototype(address)


def _page_text(raw, textpage, count: int) -> list[str]:
    """One string per character index (one call for the page; per character when it has surrogates)."""
    buffer = (ctypes.c_ushort * (count + 1))()
    raw.FPDFText_GetText(textpage, 0, count, buffer)
    units = array("H", bytes(buffer)[: 2 * count])
    if any(0xD800 <= u <= 0xDFFF for u in units):
        return [chr(raw.FPDFText_GetUnicode(textpage, i)) for i in range(count)]
    return [chr(u) for u in units]


def pdf_lines(path, data: bytes) -> tuple[list, int, list[tuple[str, int]]]:
    """Lines of a PDF read by PDFium, its page count, and the running header/footer texts removed."""
    return _plumber.pdf_lines(path, data, read_pages=_read_pages)
