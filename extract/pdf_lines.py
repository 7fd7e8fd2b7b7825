"""PDF text layer -> printed `Line`s (pdfplumber at the edge).

Only generic typography is used: words on the same baseline form a line, a gap much wider
than a space is a cell gap (TAB), a larger vertical gap or a change of font weight starts
a paragraph, and lines that repeat at the top or bottom of most pages are running headers
and footers. Nothing depends on where one particular renderer puts things.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ExtractionError
from .grammar import (
    CATEGORIES,
    DIRECTIONS,
    STAFFING_LABEL,
    ends_sentence,
    hyphenated_end,
    is_block_start,
    is_table_header_fragment,
    match_label,
)
from .lines import Line
from .markup import is_rule
from .numbers import shape
from .tables import MARKER_FIRST_WORD

BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
ITALIC_FONT = re.compile(r"italic|oblique|kursiv", re.I)
PAGE_NUMBER = re.compile(r"^(?:pagina|page|p\.)?\s*[-–]?\s*(\d{1,4})\s*[-–]?(?:\s*(?:/|van|of)\s*\d{1,4})?$", re.I)
CELL_GAP_EM = 1.2  # wider than this (in font sizes) between two words = a cell gap
TOUCH_EM = 0.08  # closer than this, two words are one (split only by a font change, e.g. a fallback glyph)
SPACE_EM = 0.3  # a generous word space: a word fits on a line if it and a space fit in the room left
PARAGRAPH_GAP_EM = 0.45  # more white than this between two lines = a new paragraph
FURNITURE_SHARE = 0.4  # a top/bottom line repeated on this share of pages is a running header/footer
SHORT_LINE_SHARE = 0.2  # a line ending this share of the text width before the edge ends its paragraph


@dataclass
class PhysicalLine:
    text: str
    page: int
    line: int
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    bold: bool
    right_edge: float = 0.0  # right end of the widest line on the page
    page_height: float = 0.0
    boxes: tuple[tuple[float, float], ...] = ()  # (x0, x1) of each word
    column_right: float = 0.0  # right end of the longest line on the page that starts where this one does
    edge_bold: tuple[bool, bool] = (False, False)  # weight of the first and of the last word
    edge_size: tuple[float, float] = (0.0, 0.0)  # font size of the first and of the last word
    italic: bool = False  # most of the line's letters are italic
    edge_italic: tuple[bool, bool] = (False, False)  # slant of the first and of the last word


PageReader = Callable[[object, bytes], list[list[PhysicalLine]]]  # (path, PDF bytes) -> physical lines per page


def pdf_lines(path, data: bytes, read_pages: PageReader | None = None) -> tuple[list[Line], int, list[tuple[str, int]]]:
    """Lines of a PDF, its page count, and the running header/footer texts removed (with counts).

    `read_pages` swaps the character source (the PDFium engine passes its own); the assembly
    of lines after it is this one for every engine.
    """
    if b"%%EOF" not in data[-2048:]:
        raise ExtractionError(path, "truncated PDF (no %%EOF trailer at the end of the file)")
    return assemble_lines(path, (read_pages or _read_pages)(path, data))


def assemble_lines(path, pages: list[list[PhysicalLine]]) -> tuple[list[Line], int, list[tuple[str, int]]]:
    """Physical lines per page -> printed lines: running headers/footers out, rules out, paragraphs marked."""
    if not any(pages):
        raise ExtractionError(path, "PDF has no text layer (scanned image?): nothing to extract")
    furniture = _furniture(pages)
    removed: Counter = Counter()
    lines: list[Line] = []
    previous: PhysicalLine | None = None
    for page_lines in pages:
        for physical in page_lines:
            if (physical.page, physical.line) in furniture:
                removed[_furniture_text(physical.text)] += 1
                continue
            if is_rule(physical.text):  # a rule of dashes is drawing, not text
                continue
            lines.append(
                Line(
                    physical.text,
                    physical.page,
                    physical.line,
                    _starts_paragraph(previous, physical),
                    physical.bold,
                    physical.boxes,
                    _ended_early(previous, physical),
                    physical.italic,
                )
            )
            previous = physical
    return lines, len(pages), sorted(removed.items())


def _read_pages(path, data: bytes) -> list[list[PhysicalLine]]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        # pdfplumber wraps pdfminer's errors: PdfminerException(PDFPasswordIncorrect())
        if isinstance(exc, PDFPasswordIncorrect) or any(isinstance(a, PDFPasswordIncorrect) for a in exc.args):
            raise ExtractionError(path, "PDF is encrypted (password required)") from None
        raise ExtractionError(path, f"unreadable PDF ({type(exc).__name__}: {exc})") from None
    pages = []
    try:
        with pdf:
            for number, page in enumerate(pdf.pages, start=1):
                try:
                    height = float(page.height)
                    words = page_words(layout_chars(page))
                finally:
                    page.close()  # pdfplumber caches per page: release it or memory grows
                pages.append(_group_lines(words, number, height))
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(path, f"unreadable PDF ({type(exc).__name__}: {exc})") from None
    return pages


def layout_chars(page) -> list[dict]:
    """`page.chars` of a pdfplumber page with only the keys words need, in the same order.

    Read straight from pdfminer's layout objects with pdfplumber's own coordinate rules
    (Page.process_object). `page.chars` would resolve every attribute of every object
    (colours, matrices, marked content) first: that costs about as much as pdfminer's own
    parsing, for eight keys.
    """
    from pdfminer.layout import LTChar, LTContainer
    from pdfplumber.page import fix_fontname_bytes

    height, (mb_x0, mb_top) = float(page.height), page.mediabox[:2]
    doctop = page.initial_doctop
    chars: list[dict] = []

    def walk(objects) -> None:
        for obj in objects:
            if isinstance(obj, LTChar):
                top = height - obj.y1 + mb_top
                fontname = obj.fontname if isinstance(obj.fontname, str) else fix_fontname_bytes(obj.fontname)
                chars.append(
                    {
                        "text": obj.get_text(),
                        "x0": obj.x0 + mb_x0,
                        "x1": obj.x1 + mb_x0,
                        "top": top,
                        "bottom": height - obj.y0 + mb_top,
                        "doctop": doctop + top,
                        "upright": obj.upright,
                        "fontname": fontname,
                        "size": obj.size,
                    }
                )
            elif isinstance(obj, LTContainer):  # figures (form XObjects) hold characters too
                walk(obj._objs)

    walk(page.layout._objs)
    return chars


def page_words(chars: list[dict]) -> list[dict]:
    """Characters -> words, by pdfplumber's own WordExtractor with the settings of every engine."""
    return _word_extractor().extract_words(chars)


@functools.cache
def _word_extractor():
    from pdfplumber.utils.text import WordExtractor

    return WordExtractor(extra_attrs=["fontname", "size"], keep_blank_chars=False)


def _group_lines(words: list[dict], page: int, height: float = 0.0) -> list[PhysicalLine]:
    """Words sharing a baseline (within a third of the font size) form one line."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["bottom"], 1), w["x0"])):
        if rows and abs(word["bottom"] - rows[-1][0]["bottom"]) <= word["size"] / 3:
            rows[-1].append(word)
        else:
            rows.append([word])
    rows = _merge_raised(rows)
    families = {_font_family(w["fontname"]) for w in words}
    lines = []
    for number, row in enumerate(rows, start=1):
        row.sort(key=lambda w: w["x0"])
        size = Counter(round(w["size"], 1) for w in row).most_common(1)[0][0]
        letters = sum(len(w["text"]) for w in row)
        bold = sum(len(w["text"]) for w in row if _bold(w["fontname"], families)) * 2 > letters
        italic = sum(len(w["text"]) for w in row if _italic(w["fontname"], families)) * 2 > letters
        row = _join_touching(row, size)
        parts = [row[0]["text"]]
        for before, word in itertools.pairwise(row):
            parts.append("\t" if word["x0"] - before["x1"] > CELL_GAP_EM * size else " ")
            parts.append(word["text"])
        top = min(w["top"] for w in row)
        bottom = max(w["bottom"] for w in row)
        x0, x1 = row[0]["x0"], row[-1]["x1"]
        boxes = tuple((w["x0"], w["x1"]) for w in row)
        edge_bold = (_bold(row[0]["fontname"], families), _bold(row[-1]["fontname"], families))
        edge_size = (row[0]["size"], row[-1]["size"])
        edge_italic = (_italic(row[0]["fontname"], families), _italic(row[-1]["fontname"], families))
        lines.append(
            PhysicalLine(
                compatibility_forms("".join(parts).strip()),
                page,
                number,
                top,
                bottom,
                x0,
                x1,
                size,
                bold,
                boxes=boxes,
                edge_bold=edge_bold,
                edge_size=edge_size,
                italic=italic,
                edge_italic=edge_italic,
            )
        )
    edge = max((l.x1 for l in lines), default=0.0)
    for line in lines:
        line.right_edge, line.page_height = edge, height
        # Lines with cell gaps are table rows or headers: they say nothing about the text width.
        line.column_right = max([l.x1 for l in lines if abs(l.x0 - line.x0) <= 1 and "\t" not in l.text] + [line.x1])
    return lines


# A style suffix after a family name on the same page: "LinLibertineOB" beside "LinLibertineO".
BOLD_SUFFIX = re.compile(r"^(?P<family>.+?)[-_,]?(?:B|BI|BO|Bd|BdIt|Bol)$")
ITALIC_SUFFIX = re.compile(r"^(?P<family>.+?)[-_,]?(?:I|BI|It|BdIt|Obl)$")


def _font_family(fontname: str) -> str:
    return fontname.split("+", 1)[-1]


def _bold(fontname: str, families: set[str]) -> bool:
    """Bold by its name ("…-Bold", "…Black") or by a bold suffix on a family of the page."""
    return _styled(fontname, families, BOLD_FONT, BOLD_SUFFIX)


def _italic(fontname: str, families: set[str]) -> bool:
    """Italic by its name ("…-Italic", "…Oblique") or by an italic suffix on a family of the page."""
    return _styled(fontname, families, ITALIC_FONT, ITALIC_SUFFIX)


def _styled(fontname: str, families: set[str], by_name: re.Pattern, by_suffix: re.Pattern) -> bool:
    name = _font_family(fontname)
    if by_name.search(name):
        return True
    m = by_suffix.match(name)
    return m is not None and m.group("family") in families


RAISED_SIZE_SHARE = 0.9  # a superscript or subscript is set smaller than the text around it


def _merge_raised(rows: list[list[dict]]) -> list[list[dict]]:
    """Superscripts and subscripts ("Duo²", "W²") back into the line they belong to.

    Their baseline is raised or lowered, so they form a row of their own; but they are set
    smaller than that line and sit inside its vertical extent, which no line of text does.
    """
    extents = [(min(w["top"] for w in row), max(w["bottom"] for w in row), max(w["size"] for w in row)) for row in rows]
    keep = [True] * len(rows)
    for i, (top, bottom, size) in enumerate(extents):
        middle = (top + bottom) / 2
        for j, (o_top, o_bottom, o_size) in enumerate(extents):
            if j != i and keep[j] and size < RAISED_SIZE_SHARE * o_size and o_top < middle < o_bottom:
                rows[j].extend(rows[i])
                keep[i] = False
                break
    return [row for row, kept in zip(rows, keep) if kept]


# Arabic presentation forms and Latin ligatures: a PDF stores the shaped glyph ("ﻥ", "ﬁ"),
# the text it stands for is the plain letter(s), as in a text dump.
_PRESENTATION_FORMS = re.compile("[\ufb00-\ufdff\ufe70-\ufeff]")


def compatibility_forms(text: str) -> str:
    return _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def _join_touching(row: list[dict], size: float) -> list[dict]:
    """Words with no space between them are one word (pdfplumber splits on a font change)."""
    out = [dict(row[0])]
    for word in row[1:]:
        if word["x0"] - out[-1]["x1"] < TOUCH_EM * size:
            out[-1]["text"] += word["text"]
            out[-1]["x1"] = max(out[-1]["x1"], word["x1"])
        else:
            out.append(dict(word))
    return out


def _furniture_text(text: str) -> str:
    """A removed header/footer as reported: its page number (alone or in the last cell) as a placeholder."""
    if PAGE_NUMBER.match(text):
        return "<page number>"
    head, _, last = text.rpartition("\t")
    return f"{head}\t<page number>" if head and PAGE_NUMBER.match(last) else text


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split())).lower()


def _edge_key(line: PhysicalLine, from_top: bool) -> tuple[str, bool, int]:
    """Text (digits ignored) and distance from its page edge: furniture is printed in one place."""
    distance = line.top if from_top else line.page_height - line.bottom
    return _furniture_key(line.text), from_top, round(distance)


def _report_content(text: str) -> bool:
    """Block and table markers and table rows: lines the grammar reads are never furniture."""
    if is_block_start(text):
        return True
    words = text.split()
    # A table header repeated at the top of a page, its marker cell wrapped ("Budgettaire" /
    # "onderbouwing"): the rows below it continue a table.
    if words and (MARKER_FIRST_WORD.match(words[0]) or is_table_header_fragment(text)):
        return True
    labels = [w for w in words if shape(w) is None]
    return (
        len(labels) < len(words)
        and 0 < len(labels) <= 2
        and all(w.lower() == STAFFING_LABEL or match_label(w, CATEGORIES + DIRECTIONS) for w in labels)
    )


def _furniture(pages: list[list[PhysicalLine]]) -> set[tuple[int, int]]:
    """(page, line) of running headers and footers.

    A header/footer is a line at the top or bottom of a page whose text (digits ignored)
    recurs at the same distance from that edge on many pages, or a bare page number that
    runs in step with the page index. Report content (a table header or a VTE row that
    happens to end many pages) never is.
    """
    edges = [[(l, True) for l in page_lines[:2]] + [(l, False) for l in page_lines[-2:]] for page_lines in pages]
    seen: Counter = Counter()
    for edge in edges:
        seen.update({_edge_key(l, top) for l, top in edge if not _report_content(l.text)})
    threshold = max(2, FURNITURE_SHARE * len(pages))
    repeated = {key for key, count in seen.items() if count >= threshold}
    numbered = [(l, int(m.group(1)) - l.page) for edge in edges for l, _ in edge if (m := PAGE_NUMBER.match(l.text))]
    # Page numbers run in step with the page index on many pages; a lone number (a year
    # wrapped onto the last line of a page) does not.
    offset, times = Counter(o for _, o in numbered).most_common(1)[0] if numbered else (None, 0)
    if times < threshold:
        offset = None
    found = {(l.page, l.line) for edge in edges for l, top in edge if _edge_key(l, top) in repeated}
    found.update((l.page, l.line) for l, o in numbered if o == offset)
    return found


def _ended_early(previous: PhysicalLine | None, line: PhysicalLine) -> bool:
    """Did the previous line stop although the first word of this one would have fit on it?

    A line-breaking renderer only moves a word to the next line when it does not fit, so
    such a break is deliberate: the end of a paragraph, a heading or a service line, even
    when no vertical gap or font change shows it. Only for lines in one column (same left
    edge, same page).
    """
    if previous is None or previous.page != line.page or not line.boxes or abs(previous.x0 - line.x0) > 1:
        return False
    if "\t" in previous.text or "\t" in line.text:
        return False  # cells of a row: a line of a cell ends at the cell's edge, not the text's
    # After a hyphen too: a renderer splits a word only when the whole of it does not fit, so
    # a rest that would have fit means the line was broken on purpose after a hyphen.
    return _room_for_first_word(previous, line)


def _room_for_first_word(previous: PhysicalLine, line: PhysicalLine) -> bool:
    """Would the first word of `line` have fit at the end of `previous` (within its column)?"""
    if not line.boxes:
        return True
    word = line.boxes[0][1] - line.boxes[0][0]
    return previous.x1 + SPACE_EM * line.size + word < previous.column_right - 1


def _continues_row(previous: PhysicalLine, line: PhysicalLine) -> bool:
    """Is `line` the wrapped rest of the cells of the row printed on `previous` (a header laid
    out as a grid: a bold title cell, regular cells for status, period, owner or service)?

    With no gap, it either starts under a later word of the row (the rest of a cell further
    right), or under the row's first word with each of its other cells under a word of the
    row. No paragraph starts in the middle of a row, whatever the weight of the words.
    """
    if previous.page != line.page or not previous.boxes or not line.boxes:
        return False
    if line.top - previous.bottom > PARAGRAPH_GAP_EM * line.size:
        return False
    starts = [x0 for x0, _ in previous.boxes]
    under_a_word = lambda x: any(abs(x - s) <= CELL_ALIGN_PT for s in starts[1:])  # noqa: E731
    if line.x0 > previous.x0 + CELL_ALIGN_PT:
        return under_a_word(line.x0)
    cells = _cell_starts(line)
    return abs(line.x0 - previous.x0) <= CELL_ALIGN_PT and len(cells) > 1 and all(under_a_word(x) for x in cells[1:])


# A header's meta line wrapped before or after a separator goes on.
META_START, META_END = re.compile(r"^[·|•]\s"), re.compile(r"\s[·|•]$")
CELL_ALIGN_PT = 1.5  # cells of one column start at the same x


def _cell_starts(line: PhysicalLine) -> list[float]:
    """x0 of each TAB-separated cell of a physical line."""
    starts, k = [], 0
    for cell in line.text.split("\t"):
        if k < len(line.boxes):
            starts.append(line.boxes[k][0])
        k += len(cell.split(" "))
    return starts


CAPITALS_LINE_LETTERS = 8  # fewer letters in capitals may be an acronym ending a line ("OCMW")


def _capitals_only(text: str) -> bool:
    """A line set in capitals or small caps: letters enough, none of them lower case."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= CAPITALS_LINE_LETTERS and not any(c.islower() for c in letters)


def _starts_paragraph(previous: PhysicalLine | None, line: PhysicalLine) -> bool:
    if previous is None:
        return True
    if _continues_row(previous, line) or META_START.match(line.text) or META_END.search(previous.text):
        return False
    # A change of weight, slant or size where the lines meet: a heading over text, an italic
    # service line over its description. A header printed as one flowing line ("Title (bold,
    # large) | Dienst X (regular)") that wraps inside its regular part changes weight and size
    # by majority only, and goes on.
    if _capitals_only(previous.text) != _capitals_only(line.text):
        return True  # small caps (a meta line) over text in upper and lower case, or the reverse
    if (
        (previous.bold != line.bold and previous.edge_bold[1] != line.edge_bold[0])
        or (previous.italic != line.italic and previous.edge_italic[1] != line.edge_italic[0])
        or (abs(previous.size - line.size) > 0.6 and abs(previous.edge_size[1] - line.edge_size[0]) > 0.6)
    ):
        return True
    if previous.page != line.page:
        # A paragraph cut by a page break goes on, unless its last line closed a sentence
        # or stopped short: well before the right edge, and so early that the first word on
        # the new page would have fit on it (a paragraph's last line, not a wrap).
        # Headings wrap early, so the short-line test is for body text only.
        short = previous.x1 < previous.right_edge - SHORT_LINE_SHARE * (previous.right_edge - previous.x0)
        words = previous.text.split()
        if words and hyphenated_end(words[-1]) and line.text[:1].islower():
            return False  # "assistentiewonin-" / "gen": a word broken over the page, in a cell or not
        return ends_sentence(previous.text) or (short and _room_for_first_word(previous, line) and not previous.bold)
    return line.top - previous.bottom > PARAGRAPH_GAP_EM * line.size
