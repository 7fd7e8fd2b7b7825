"""A second, deliberately different renderer of the report dumps, to test the PDF reader.

`tools/render_samples.py` renders the dumps one way (DejaVu, A4, bold headings, one-line
table headers). The real PDFs, and whatever engine the acceptance test uses, look different.
This renderer prints the same words in the same order (nothing is repaired or dropped) but
with other fonts, page sizes, wrapping, page breaks, running headers/footers and tables:

  a  Helvetica (standard font; DejaVu only for glyphs it lacks), A5, big body font so titles
     wrap a lot, no space between paragraphs, bottom footer "Pagina N van M".
  b  Times (regular only: headings are larger, not bold), US letter, table header cells wrapped
     in narrow columns, category label in a cell spanning its two rows (vertically centred),
     table header not repeated after a page break, code lines laid out as wrapped table rows,
     a running header printed like a body line, page number "- N -" at the bottom.
  c  One font weight everywhere (DejaVu Serif), justified paragraphs, header line with the
     report title and "p. N" at the top, tables with wrapped headers repeated on page breaks.
  d  Bold everything (Helvetica-Bold), A4 landscape, no space between paragraphs, page number
     "- N -" printed like the first body line, report title at the foot, table markers
     wrapped in a narrow first column ("Budgettaire" / "onderbouwing"), headers centred.

Like any other engine it lays the text out anew: headings are one text wrapped at its own
width (wherever the dump's source broke them), the table of contents gets page numbers at
the right edge, and markdown table rules (converter syntax, never printed) are left out.
Body lines keep the dump's line breaks, so every printed line of the dump starts a line here.

    python tools/render_variant.py --style a|b|c|d|all [--dumps data/dumps] [--out DIR]

Output goes to /tmp/render_variant_<style>/ unless --out is given (never into data/).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
for _p in (REPO, REPO / "tools"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from render_samples import Para, TableBlock, parse_blocks, read_dump, reproducible_document  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT  # noqa: E402
from reportlab.lib.pagesizes import A4, A5, landscape, letter  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas as rl_canvas  # noqa: E402
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle  # noqa: E402

from extract.markup import clean_line, is_rule  # noqa: E402

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FALLBACK = "DejaVuSans"  # only for glyphs a standard font cannot show (the stray Arabic letters)
TTF = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSerif": "DejaVuSerif.ttf",
    "DejaVuSansCondensed": "DejaVuSansCondensed.ttf",
}
# Glyphs a standard font draws but whose text layer pdfminer cannot map back ("(cid:127)").
NO_TEXT_LAYER = {"\u2022"}
STANDARD_FONTS = {"Helvetica", "Helvetica-Bold", "Times-Roman", "Times-Bold", "Courier"}
TOC_LINE = re.compile(r"^(?:SD|OD|PO)\d{5}\b.*\t\d{1,4}$")


@dataclass(frozen=True)
class Look:
    pagesize: tuple[float, float]
    margins: tuple[float, float, float, float]  # left, right, top, bottom
    body_font: str
    heading_font: str
    body_size: float
    leading: float
    para_space: float  # space after a paragraph
    marker_size: float
    code_size: float
    alignment: int
    table_font: str
    table_header_font: str
    table_size: float
    wrap_table_header: bool  # header cells wrap in columns as narrow as the numbers
    span_category: bool  # category cell spans its two rows, vertically centred
    repeat_header: bool
    header_valign: str  # vertical alignment of the wrapped header cells
    code_rows_as_tables: bool  # "CODE - Title<TAB>Service" as a table row with wrapped cells
    running_header: str | None  # format with {title}, {page}, {pages}
    footer: str | None
    header_in_body: bool = False  # running header drawn like a body line, just above the text
    span_marker: bool = True  # the table marker spans both label columns (else it wraps in the first)


# The four looks side by side, a field a row, in the columns of STYLES.
STYLES = ("a", "b", "d", "c")
_LOOK_TABLE: dict[str, tuple[Any, Any, Any, Any]] = {
    "pagesize": (A5, letter, landscape(A4), A4),
    "margins": (
        (13 * mm, 11 * mm, 16 * mm, 16 * mm),
        (30 * mm, 28 * mm, 22 * mm, 20 * mm),
        (15 * mm, 15 * mm, 18 * mm, 14 * mm),
        (25 * mm, 25 * mm, 25 * mm, 22 * mm),
    ),
    "body_font": ("Helvetica", "Times-Roman", "Helvetica-Bold", "DejaVuSerif"),
    "heading_font": ("Helvetica-Bold", "Times-Roman", "Helvetica-Bold", "DejaVuSerif"),
    "body_size": (10.5, 11, 9, 9.5),
    "leading": (12.6, 13.5, 10.8, 12),
    "para_space": (0, 4, 0, 3),
    "marker_size": (13, 15, 11, 12),
    "code_size": (11.5, 12.5, 10, 10.5),
    "alignment": (TA_LEFT, TA_LEFT, TA_LEFT, TA_JUSTIFY),
    "table_font": ("Helvetica", "Times-Roman", "Helvetica-Bold", "DejaVuSerif"),
    "table_header_font": ("Helvetica-Bold", "Times-Roman", "Helvetica-Bold", "DejaVuSerif"),
    "table_size": (6.4, 7.5, 7, 6.5),
    "wrap_table_header": (True, True, True, True),
    "span_category": (False, True, False, False),
    "repeat_header": (True, False, True, True),
    "header_valign": ("BOTTOM", "MIDDLE", "MIDDLE", "TOP"),
    "code_rows_as_tables": (False, True, False, True),
    "running_header": ("Jaarrekening {year} – {short}", "{title}", "- {page} -", "{title}\tp. {page}"),
    "footer": ("Pagina {page} van {pages}", "- {page} -", "{title}", None),
    "header_in_body": (False, True, True, False),
    "span_marker": (True, True, False, True),
}
LOOKS = {style: Look(**{field: row[i] for field, row in _LOOK_TABLE.items()}) for i, style in enumerate(STYLES)}


def register_fonts() -> None:
    for name, file in TTF.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


def _missing_glyph(font: str, char: str) -> bool:
    if font in STANDARD_FONTS:
        if char in NO_TEXT_LAYER:
            return True
        try:
            char.encode("cp1252")
            return False
        except UnicodeEncodeError:
            return True
    return False


def text_xml(text: str, font: str, size: float, avail: float) -> str:
    """Paragraph markup of printed text: escaped, TABs as wide gaps, missing glyphs from DejaVu.

    Runs wider than the line are set smaller rather than cut in two (a cut would print two
    words the dump does not have).
    """
    if "\n" in text:
        return "<br/>".join(text_xml(part, font, size, avail) for part in text.split("\n"))
    gap_count = max(3, int(2.2 * size / pdfmetrics.stringWidth("\u00a0", font, size)) + 1)
    runs = []
    for run in text.split(" "):
        shown = run.replace("\t", "\u00a0" * gap_count)
        width = sum(pdfmetrics.stringWidth(c, FALLBACK if _missing_glyph(font, c) else font, size) for c in shown)
        xml = "".join(
            f'<font name="{FALLBACK}">{escape(c)}</font>' if _missing_glyph(font, c) else escape(c) for c in shown
        ).replace("\u00a0", "&nbsp;")
        if width > avail:
            xml = f'<font size="{size * avail / width * 0.97:.2f}">{xml}</font>'
        runs.append(xml)
    return " ".join(runs)


def _heading_style(
    name: str, base: ParagraphStyle, font: str, size: float, before: float, after: float
) -> ParagraphStyle:
    """Lines in the heading `font` at `size` points, left-aligned, `before` and `after` apart."""
    return ParagraphStyle(
        name,
        parent=base,
        fontName=font,
        fontSize=size,
        leading=size * 1.2,
        alignment=TA_LEFT,
        spaceBefore=before,
        spaceAfter=after,
    )


class Renderer:
    def __init__(self, look: Look):
        self.look = look
        base = ParagraphStyle(
            "vbody",
            fontName=look.body_font,
            fontSize=look.body_size,
            leading=look.leading,
            spaceAfter=look.para_space,
            alignment=look.alignment,
            splitLongWords=0,
        )
        self.styles = {
            "body": base,
            "strong": ParagraphStyle("vstrong", parent=base, fontName=look.heading_font, alignment=TA_LEFT),
            "code": _heading_style("vcode", base, look.heading_font, look.code_size, look.para_space, look.para_space),
            "marker": _heading_style(
                "vmarker", base, look.heading_font, look.marker_size, look.para_space + 6, look.para_space + 2
            ),
        }
        size = look.table_size
        self.cell = ParagraphStyle(
            "vcell", fontName=look.table_font, fontSize=size, leading=size * 1.2, splitLongWords=0
        )
        self.head = ParagraphStyle("vhead", parent=self.cell, fontName=look.table_header_font)

    # ---------------------------------------------------------------- paragraphs
    def paragraph(self, block: Para, avail: float) -> list:
        style = self.styles[block.style]
        first, _, rest = block.text.partition("\n")
        if block.style == "code":
            # A heading is one text: this renderer wraps it at its own width, wherever the
            # dump's source happened to break it.
            rest = " ".join(rest.split("\n"))
            if self.look.code_rows_as_tables and "\t" in first:
                # The lines after a header row continue its last cell (a wrapped service).
                cells = first.split("\t")
                if rest:
                    cells[-1] = f"{cells[-1]} {rest}"
                return [self.code_row(cells, style, avail)]
            text = f"{first} {rest}" if rest else first
            return [Paragraph(text_xml(text, style.fontName, style.fontSize, avail), style)]
        return [Paragraph(text_xml(block.text, style.fontName, style.fontSize, avail), style)]

    def toc_entry(self, line: str, avail: float) -> Table:
        """A table-of-contents line: the title wraps, its page number sits at the right edge."""
        title, _, page = line.rpartition("\t")
        style = ParagraphStyle("vtoc", parent=self.styles["body"], alignment=TA_LEFT, spaceAfter=0)
        number = ParagraphStyle("vtocpage", parent=style, alignment=2)
        cells = [
            [
                Paragraph(text_xml(title, style.fontName, style.fontSize, avail * 0.85), style),
                Paragraph(escape(page), number),
            ]
        ]
        return Table(
            cells,
            colWidths=[avail * 0.88, avail * 0.12],
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                ]
            ),
        )

    def code_row(self, cells: list[str], style: ParagraphStyle, avail: float) -> Table:
        """A header line printed as a table row: the title cell takes the room and wraps."""
        cell_style = ParagraphStyle("vcoderow", parent=style, spaceBefore=0, spaceAfter=0)

        def width(text: str) -> float:
            return pdfmetrics.stringWidth(text, style.fontName, style.fontSize)

        # Narrow cells wrap, but never inside a word: a column is at least its longest word.
        minimum = [max((width(w) for w in cell.split()), default=0) + 8.5 for cell in cells]
        widths = [max(m, min(width(c) + 8, avail * (0.2 if len(cells) > 2 else 0.3))) for c, m in zip(cells, minimum)]
        title = max(range(len(cells)), key=lambda k: len(cells[k]))
        widths[title] = 0
        widths[title] = max(avail * 0.3, minimum[title], avail - sum(widths))
        excess = sum(widths) - avail
        for k in sorted(range(len(cells)), key=lambda k: widths[k] - minimum[k], reverse=True):
            if excess <= 0:
                break
            cut = min(excess, widths[k] - minimum[k])
            widths[k], excess = widths[k] - cut, excess - cut
        # A word wider than its cell would overflow it (as in a word processor), never shrink.
        rows = [[Paragraph(text_xml(c, style.fontName, style.fontSize, 1e9), cell_style) for c in cells]]
        table = Table(
            rows,
            colWidths=widths,
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), self.look.header_valign),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.black),
                ]
            ),
        )
        table.spaceBefore, table.spaceAfter = style.spaceBefore, style.spaceAfter
        return table

    # ---------------------------------------------------------------- tables
    def table(self, block: TableBlock, avail: float) -> Table:
        look = self.look
        ncols = max(7, *(len(row) for row in block.rows))
        rows = [row + [""] * (ncols - len(row)) for row in block.rows]
        size = look.table_size
        while True:
            widths = self._widths(rows, size)
            if sum(widths) <= avail or size <= 4:
                break
            size -= 0.2
        spare = max(0.0, avail - sum(widths))
        if not look.wrap_table_header:
            widths = widths[:2] + [w + spare / (ncols - 2) for w in widths[2:]]
        cell = ParagraphStyle("vc", parent=self.cell, fontSize=size, leading=size * 1.2)
        head = ParagraphStyle("vh", parent=self.head, fontSize=size, leading=size * 1.2)
        data = []
        marker_width = widths[0] + widths[1] if look.span_marker else widths[0]
        for r, row in enumerate(rows):
            if r == 0:
                marker = Paragraph(text_xml(row[0], head.fontName, size, marker_width), head)
                data.append([marker, ""] + [Paragraph(text_xml(c, head.fontName, size, 1e9), head) for c in row[2:]])
            else:
                data.append([Paragraph(text_xml(c, cell.fontName, size, 1e9), cell) if c else "" for c in row])
        commands = [
            ("FONT", (0, 0), (-1, -1), look.table_font, size),
            *([("SPAN", (0, 0), (1, 0))] if look.span_marker else []),
            ("VALIGN", (0, 0), (-1, 0), look.header_valign),
            ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
            ("LINEBELOW", (0, -1), (-1, -1), 0.4, colors.black),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
        if look.span_category:
            r = 1
            while r < len(rows):
                if rows[r][0] and r + 1 < len(rows) and not rows[r + 1][0] and rows[r + 1][1]:
                    commands += [("SPAN", (0, r), (0, r + 1)), ("VALIGN", (0, r), (0, r + 1), "MIDDLE")]
                    r += 2
                else:
                    r += 1
        table = Table(
            data, colWidths=widths, style=TableStyle(commands), repeatRows=1 if look.repeat_header else 0, hAlign="LEFT"
        )
        return table

    def _widths(self, rows: list[list[str]], size: float) -> list[float]:
        """Columns as narrow as their cells; a wrapped header takes its longest word only."""
        look = self.look
        pad = 6
        widths = [0.0] * len(rows[0])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if r == 0 and c < 2:
                    continue
                font = look.table_header_font if r == 0 else look.table_font
                if r == 0 and look.wrap_table_header:
                    need = max((pdfmetrics.stringWidth(w, font, size) for w in text.split()), default=0)
                else:
                    need = pdfmetrics.stringWidth(text, font, size)
                widths[c] = max(widths[c], need + pad)
        if look.span_marker:
            marker = pdfmetrics.stringWidth(rows[0][0], look.table_header_font, size) + pad
            if marker > widths[0] + widths[1]:
                widths[1] = marker - widths[0]
        else:  # the marker wraps in the first column, but never inside a word
            longest = max(pdfmetrics.stringWidth(w, look.table_header_font, size) for w in rows[0][0].split())
            widths[0] = max(widths[0], longest + pad)
        return widths

    def flowables(self, blocks: list, avail: float) -> list:
        story: list = []
        in_front = True  # before the first goal: the table of contents
        for block in blocks:
            if isinstance(block, Para):  # markdown table rules are converter syntax: never printed
                kept = [line for line in block.text.split("\n") if not is_rule(line)]
                if not kept:
                    continue
                block = Para("\n".join(kept), block.style)
            if isinstance(block, TableBlock):
                story += [
                    Spacer(1, self.look.para_space + 2),
                    self.table(block, avail),
                    Spacer(1, self.look.para_space + 3),
                ]
                continue
            in_front = in_front and not block.text.startswith("Beleidsdoelstelling")
            if in_front and any(TOC_LINE.match(line) for line in block.text.split("\n")):
                for line in block.text.split("\n"):
                    if TOC_LINE.match(line):
                        story.append(self.toc_entry(line, avail))
                    else:
                        story += self.paragraph(Para(line, block.style), avail)
                continue
            story += self.paragraph(block, avail)
        return story


def numbered_canvas(look: Look, title: str, short: str, year: str):
    """A canvas that draws the running header/footer once the page count is known."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = look.pagesize
            left, right, top, bottom = look.margins
            values = dict(title=title, short=short, year=year, page=self._pageNumber, pages=total)
            self.saveState()
            if look.running_header:
                text = look.running_header.format(**values)
                if look.header_in_body:  # like a body line, one leading above the text frame
                    self.setFont(look.body_font, look.body_size)
                    y = height - top + look.leading * 0.35
                else:
                    self.setFont(look.body_font, 7.5)
                    self.setFillColor(colors.grey)
                    y = height - top + 8 * mm
                left_text, _, right_text = text.partition("\t")
                self.drawString(left, y, left_text)
                if right_text:
                    self.drawRightString(width - right, y, right_text)
            if look.footer:
                self.setFont(look.body_font, 8)
                self.drawCentredString(width / 2, bottom - 8 * mm, look.footer.format(**values))
            self.restoreState()

    return NumberedCanvas


def running_texts(lines: list[str]) -> tuple[str, str, str]:
    """(report title, short entity name, year) for the running header."""
    text = "\n".join(lines)
    year = (re.search(r"(?i)jaarrekening\s+(\d{4})", text) or re.search(r"(20\d\d)", text) or ["", ""])[1]
    short = "District09" if "District09 /" in text else "Stad Gent"
    first = next((line for line in lines if line), "").replace("\t", " ")
    m = re.match(r"(?i)jaarrekening (\d{4})\b[^|]*\|\s*(.+)", first)
    title = f"Jaarrekening {m[1]} – {m[2].strip()}" if m else f"{short} – Jaarrekening {year}"
    return title, short, year


def render_lines(lines: list[str], out_path: Path, style: str) -> int:
    """Render raw dump lines into a PDF in the given style; returns the page count."""
    register_fonts()
    look = LOOKS[style]
    cleaned = [clean_line(line) for line in lines]
    title, short, year = running_texts(cleaned)
    doc = reproducible_document(
        out_path, look.pagesize, look.margins, title, f"tools/render_variant.py --style {style}"
    )
    avail = doc.width - 12
    renderer = Renderer(look)
    doc.build(renderer.flowables(parse_blocks(cleaned), avail), canvasmaker=numbered_canvas(look, title, short, year))
    return doc.page


def render_dump(dump: Path, out_dir: Path, style: str) -> tuple[Path, int]:
    out = Path(out_dir) / f"{dump.stem}.pdf"
    return out, render_lines(read_dump(dump), out, style)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--style", choices=[*sorted(LOOKS), "all"], default="a")
    parser.add_argument("--dumps", type=Path, default=REPO / "data" / "dumps")
    parser.add_argument("--out", type=Path, default=None, help="default: /tmp/render_variant_<style>")
    args = parser.parse_args(argv)
    dumps = sorted(args.dumps.glob("*.txt"))
    if not dumps:
        parser.error(f"no *.txt dumps in {args.dumps}")
    for style in sorted(LOOKS) if args.style == "all" else [args.style]:
        out_dir = (
            (args.out / style if args.style == "all" else args.out)
            if args.out
            else Path(f"/tmp/render_variant_{style}")
        )
        for dump in dumps:
            started = time.perf_counter()
            out, pages = render_dump(dump, out_dir, style)
            print(f"{out}: {pages} pages, {out.stat().st_size / 1024:.0f} KiB, {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
