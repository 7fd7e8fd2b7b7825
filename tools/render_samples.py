"""Render the report text dumps into sample PDFs that look like the city's reports.

The real PDFs are not in the repo, so the PDF reader is tested on PDFs rebuilt from the text
dumps. The rebuild must be faithful: every printed line of a dump appears in its PDF, in order,
with its damage (lost headers, misspelt labels, a dropped column, typos). Nothing is repaired.

    python tools/render_samples.py [--dumps data/dumps] [--out data/samples]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # noqa: E402

from extract.markup import clean_line, is_rule  # noqa: E402  (needs the sys.path entry)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN = 18 * mm
FRAME_PADDING = 6  # reportlab's default Frame padding: the real text width is a bit narrower
# A TAB is a cell gap: the PDF reader splits cells on wide word gaps, so it must stay wide (~2em).
GAP_SPACES = 6
CELL_GAP = "&nbsp;" * GAP_SPACES
TABLE_FONT_SIZE = 6.0
TABLE_PADDING = 4  # points each side: keeps even full cells a clear gap apart

BLOCK_MARKER = re.compile(r"^(Beleidsdoelstelling SD\d{5}|Actieplan|Acties)$")
GOAL_MARKER = re.compile(r"^Beleidsdoelstelling SD\d{5}$")
# Leaf codes need a digit so that capitalised words like "PROJECT" are not taken for codes.
CODE_LINE = re.compile(r"^((OD|PO)\d{5}|(AC|PR)(?=[A-Z]*\d)[A-Z0-9]{5})\b")
ACHIEVED = re.compile(r"^Wat hebben we bereikt\?")
TABLE_MARKER = re.compile(r"^(Budgettaire onderbouw\w*|Onderbouw\w* personeel)", re.IGNORECASE)
CATEGORIES = {"Exploitatie", "Investering", "Investing", "Financiering"}
DIRECTIONS = {"Uitgaven", "Ontvangsten", "VTE"}
HEADER_WORD = re.compile(r"^(Budget|budget|Jaarrekening|Plan|plan|Betaald|Besteding|%|t\.o\.v\.|\d{4})$")
NUMBER = re.compile(r"^-?[\d.]+(,\d+)?%?$")
# 2021 headers come in fragments; a column ends at its year unless "t.o.v. <year>" follows.
HEADER_SPLIT = re.compile(r"(?<=\b\d{4})\s+(?=[^a-z\s])")


@dataclass
class Para:
    text: str  # one cleaned dump line
    style: str


@dataclass
class TableBlock:
    rows: list[list[str]]  # header row first, cells exactly as printed


# ---------------------------------------------------------------- parsing the dump lines


def parse_row(line: str) -> tuple[str, str, list[str]] | None:
    """(category, direction, values) of a table row line, or None when it is no row.

    Splitting on any whitespace reads both the TAB rows (2024) and the space rows (2021).
    The rest must be numbers, so prose that happens to start with "Uitgaven" stays prose.
    """
    tokens = line.split()
    category = direction = ""
    if tokens and tokens[0] in CATEGORIES:
        category, tokens = tokens[0], tokens[1:]
    if tokens and tokens[0] in DIRECTIONS:
        direction, tokens = tokens[0], tokens[1:]
    if not (category or direction) or not all(NUMBER.match(t) for t in tokens):
        return None
    return category, direction, tokens


def is_header_fragment(line: str) -> bool:
    """A piece of a 2021 table header (`Budget`, `2021`, `% Besteding budget`, ...)."""
    return all(HEADER_WORD.match(t) for t in line.split())


def split_header(text: str) -> list[str]:
    """Cut joined 2021 header fragments into columns after each year."""
    return HEADER_SPLIT.split(text)


def read_table(lines: list[str], start: int) -> tuple[TableBlock, int] | None:
    """The table whose marker is lines[start], and the index after it; None if none follows."""
    marker, *header = lines[start].split("\t")
    fragments: list[str] = []
    rows: list[list[str]] = []
    pending = ""  # a 2021 category printed alone on its line, waiting for its first row
    i = start + 1
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        if not header and not rows and not pending and is_header_fragment(line):
            fragments.append(line.replace("\t", " "))
            i += 1
            continue
        row = parse_row(line)
        if row is None:
            break
        category, direction, values = row
        if pending and (category or not direction):
            rows.append([pending, ""])  # a lone category with no row of its own: keep it visible
            pending = ""
        if direction or values:
            rows.append([category or pending, direction, *values])
            pending = ""
        else:
            pending = category
        i += 1
    if pending:
        rows.append([pending, ""])
    if fragments:
        header = split_header(" ".join(fragments))
    if not header and not rows:
        return None
    return TableBlock([[marker, "", *header], *rows]), i


def paragraph_style_name(line: str, after_goal_marker: bool) -> str:
    """Which look a plain dump line gets; the PDF reader keys on these visual cues."""
    if BLOCK_MARKER.match(line):
        return "marker"
    if after_goal_marker or CODE_LINE.match(line):
        return "code"
    if ACHIEVED.match(line):
        return "strong"
    return "body"


def parse_blocks(lines: list[str]) -> list[Para | TableBlock]:
    """Cleaned dump lines into paragraphs and tables, in dump order, nothing dropped."""
    blocks: list[Para | TableBlock] = []
    after_goal_marker = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:  # a paragraph separator: no output of its own
            i += 1
            continue
        found = read_table(lines, i) if TABLE_MARKER.match(line) else None
        if found:
            blocks.append(found[0])
            i = found[1]
            after_goal_marker = False
            continue
        style = "body" if is_rule(line) else paragraph_style_name(line, after_goal_marker)
        previous = blocks[-1] if blocks else None
        if _continues(previous, lines[i - 1] if i else "", style):
            # Consecutive dump lines are one paragraph (the dump's blank lines separate them):
            # keep its lines as printed lines, and a heading's wrapped tail in the heading.
            previous.text += "\n" + line
        else:
            blocks.append(Para(line, style))
        after_goal_marker = bool(GOAL_MARKER.match(line))
        i += 1
    return blocks


def _continues(previous: Para | TableBlock | None, line_before: str, style: str) -> bool:
    return (
        isinstance(previous, Para)
        and bool(line_before)
        and previous.style in ("code", "body", "strong")
        and style in ("body", previous.style)
        and not is_rule(line_before)
    )


def report_title(lines: list[str]) -> str:
    """Report title for the page header, e.g. "Jaarrekening 2024 | Gent, stad van kansen"."""
    first = next((line for line in lines if line), "")
    m = re.match(r"(?i)jaarrekening (\d{4})\b[^|]*\|\s*(.+)", first.replace("\t", " "))
    if m:
        return f"Jaarrekening {m[1]} | {m[2]}"
    for line in lines:  # 2021: the surviving page headers "District09 / Jaarrekening 2021 / ..."
        m = re.match(r"(.+?) / (Jaarrekening \d{4})\b", line)
        if m:
            return f"{m[1]} / {m[2]}"
    return first


# ---------------------------------------------------------------- drawing


def register_fonts() -> None:
    """DejaVu covers everything the dumps print (’ – € ë and the stray Arabic letters)."""
    for name, file in ((REGULAR, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


# splitLongWords off: a word cut in two would print two words the dump does not have.
_BASE = ParagraphStyle("base", fontName=REGULAR, fontSize=8.5, leading=11, spaceAfter=2, splitLongWords=0)
STYLES = {
    "body": _BASE,
    "strong": ParagraphStyle("strong", parent=_BASE, fontName=BOLD, spaceBefore=3),
    "code": ParagraphStyle("code", parent=_BASE, fontName=BOLD, fontSize=10, leading=13, spaceBefore=4, spaceAfter=3),
    "marker": ParagraphStyle(
        "marker", parent=_BASE, fontName=BOLD, fontSize=12, leading=15, spaceBefore=12, spaceAfter=4
    ),
}


def markup(text: str, style: ParagraphStyle, avail: float) -> str:
    """Paragraph markup of one cleaned line: TABs as wide gaps, over-long runs shrunk to fit.

    Paragraph would cut a run wider than the line (a URL) in two, and the reader would then
    see two words that the dump does not have; a smaller font for that run alone avoids it.
    """
    if "\n" in text:
        return "<br/>".join(markup(part, style, avail) for part in text.split("\n"))
    parts = []
    for run in text.split(" "):
        xml = escape(run).replace("\t", CELL_GAP)
        width = pdfmetrics.stringWidth(run.replace("\t", "\u00a0" * GAP_SPACES), style.fontName, style.fontSize)
        if width > avail:
            xml = f'<font size="{style.fontSize * avail / width * 0.98:.2f}">{xml}</font>'
        parts.append(xml)
    return " ".join(parts)


def paragraph(block: Para, avail: float) -> Paragraph:
    style = STYLES[block.style]
    return Paragraph(markup(block.text, style, avail), style)


def column_widths(rows: list[list[str]], size: float) -> list[float]:
    """Widths that fit every cell on one line, so a table row stays one printed line."""
    widths = [0.0] * len(rows[0])
    for r, row in enumerate(rows):
        font = BOLD if r == 0 else REGULAR
        for c, cell in enumerate(row):
            if r == 0 and c == 0:
                continue  # the marker spans the two label columns, checked below
            widths[c] = max(widths[c], pdfmetrics.stringWidth(cell, font, size) + 2 * TABLE_PADDING)
    marker = pdfmetrics.stringWidth(rows[0][0], BOLD, size) + 2 * TABLE_PADDING
    widths[1] = max(widths[1], marker - widths[0])
    return widths


def table(block: TableBlock, avail: float) -> Table:
    # Short rows (the dropped column) keep their cells from the left; missing cells stay empty.
    ncols = max(7, *(len(row) for row in block.rows))
    rows = [row + [""] * (ncols - len(row)) for row in block.rows]
    size = TABLE_FONT_SIZE
    widths = column_widths(rows, size)
    while sum(widths) > avail and size > 3:  # shrink the font rather than wrap a cell
        size -= 0.1
        widths = column_widths(rows, size)
    spare = max(0.0, avail - sum(widths)) / (ncols - 2)
    widths = widths[:2] + [w + spare for w in widths[2:]]
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), REGULAR, size),
            ("FONT", (0, 0), (-1, 0), BOLD, size),
            ("SPAN", (0, 0), (1, 0)),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), TABLE_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), TABLE_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
    )
    return Table(rows, colWidths=widths, style=style, repeatRows=1, hAlign="LEFT")


def flowables(blocks: list[Para | TableBlock], avail: float) -> list:
    story: list = []
    for block in blocks:
        if isinstance(block, TableBlock):
            story += [Spacer(1, 4), table(block, avail), Spacer(1, 6)]
        else:
            story.append(paragraph(block, avail))
    return story


def page_decoration(title: str):
    """onPage callback: running header with the report title, footer with the page number."""

    def draw(canvas, doc) -> None:
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFont(REGULAR, 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, height - 11 * mm, title)
        canvas.drawRightString(width - MARGIN, 10 * mm, f"Pagina {doc.page}")
        canvas.restoreState()

    return draw


def reproducible_document(
    out_path: Path, pagesize: tuple[float, float], margins: tuple[float, ...], title: str, creator: str
) -> SimpleDocTemplate:
    """A document at out_path (its folder made) that renders byte-identical on every run.

    margins: left, right, top, bottom."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    left, right, top, bottom = margins
    return SimpleDocTemplate(
        str(out_path),
        pagesize=pagesize,
        invariant=1,  # invariant: byte-identical reruns
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=title,
        author="",
        subject="",
        creator=creator,
    )


def render_lines(lines: list[str], out_path: Path, running_title: str) -> int:
    """Render raw dump lines into a PDF at out_path; returns the page count."""
    register_fonts()
    cleaned = [clean_line(line) for line in lines]
    doc = reproducible_document(out_path, A4, (MARGIN,) * 4, running_title, "tools/render_samples.py")
    decorate = page_decoration(running_title)
    avail = doc.width - 2 * FRAME_PADDING
    doc.build(flowables(parse_blocks(cleaned), avail), onFirstPage=decorate, onLaterPages=decorate)
    return doc.page


def read_dump(path: Path) -> list[str]:
    # split on "\n" only: dump line numbers (001:L762) count newlines, nothing else
    return path.read_text(encoding="utf-8").split("\n")


def render_dump(dump: Path, out_dir: Path) -> tuple[Path, int]:
    lines = read_dump(dump)
    out = out_dir / f"{dump.stem}.pdf"
    return out, render_lines(lines, out, report_title([clean_line(line) for line in lines]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dumps", type=Path, default=REPO / "data" / "dumps")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "samples")
    args = parser.parse_args(argv)
    dumps = sorted(args.dumps.glob("*.txt"))
    if not dumps:
        parser.error(f"no *.txt dumps in {args.dumps}")
    for dump in dumps:
        started = time.perf_counter()
        out, pages = render_dump(dump, args.out)
        seconds = time.perf_counter() - started
        print(f"{out}: {pages} pages, {out.stat().st_size / 1024:.0f} KiB, {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
