"""Render the report dumps to HTML with our own CSS designs, then print them to PDF with
several engines: a multi-engine test corpus for the PDF extractor.

Each dump in data/dumps becomes one HTML document per design, printed by each engine to
`tests/corpus/<engine>-<design>/<dump-stem>.pdf` (written atomically: a hidden `.part`
file in the same folder, then renamed).

The rendering is faithful: every printed line of a dump (``extract.markup.clean_line``) appears in
order with the same words, damage included (lost headers, misspelt labels, the table with a
missing column at 001:L762-768, typos, glyph garbage). Nothing is repaired, dropped or added
except typography: running header/footer ("<report title>" and "blz. N/M"), the separators
"·" (stacked) or "|" (magazine) between header meta cells, and soft hyphens. Markdown
table rules (``---|---``) are converter syntax and are not printed. Dump 002's markdown:
``<sup>2</sup>`` prints as a real superscript, ``**bold**``/``<b>`` as bold, ``[text](url)``
prints its text only, ``<https://...>`` prints the URL, ``\\\\_`` prints ``_``.
No bullets are added.

Designs (CSS in tools/html_designs/<design>.css):

  grid      A4 portrait, narrow margins (11 mm sides), Liberation Sans 8.4 pt. Leaf and plan
            headers are one table row: a bold "CODE - Title" cell (wraps over 2-3 lines),
            regular cells for status / phase / period / service in narrow columns, so
            "Nog niet gestart" and long service names wrap over 2-3 lines. Budget and
            staffing tables full width, horizontal rules only, header row in <thead>
            (repeated when a table breaks across pages). Justified body with soft hyphens.
            Running title top left, "blz. N/M" bottom right.
  stacked   A4 portrait, wide margins (30/34 mm), Linux Libertine O 10 pt. Headers stacked:
            bold "CODE - Title" line, then the project meta line "status · phase · period ·
            service" in small caps (real smcp glyphs in WeasyPrint; synthesised from Liberation
            Serif in Chromium; LibreOffice synthesises its own), or the service alone in italic, indented 7 mm and set
            tight (no gap, line-height 1.05) above the indented description. Tables with
            narrow number columns: header cells wrap over 2-3 lines; italic headers;
            only horizontal rules. Justified + soft hyphens. Title and "blz. N/M" in the footer.
  magazine  A4 landscape, wide right margin (70 mm), Carlito 9.6 pt body, Noto Serif
            headings. Header as one flowing paragraph: bold "CODE - Title" then
            "| status | phase | period | service". Tables 80 % wide, coloured header row,
            zebra rows. Justified + soft hyphens. "<title> — blz. N/M" at top right.

Engines:
  chromium     headless Chromium --print-to-pdf (CSS @page margin boxes for the furniture).
  weasyprint   WeasyPrint (python -m weasyprint), @page margin boxes.
  libreoffice  soffice: HTML (Writer import) -> ODT -> PDF. Its HTML import ignores most
               CSS (no @page, no flex, little of the table CSS): yet another look. Running
               header/footer come from <div title="header|footer"> with a page field.

Ligatures are switched off in every design (Carlito and Libertine ligatures such as "ft",
"tt", "fb" have no text-layer mapping in WeasyPrint/Chromium: the words would be lost).

Soft hyphens (not for Chromium: it writes each soft hyphen as a space into the text layer,
and has no offline hyphenation dictionary, so Chromium PDFs are not hyphenated): words of at least 9 letters in body text, titles and goal titles get U+00AD
at the Dutch hyphenation points (pyphen nl_NL), so every engine hyphenates at line ends.

Fidelity check (--check): every PDF is read with pdfplumber (page.extract_text(), page.close()
per page); the words of the cleaned dump must appear in the PDF in order. Page furniture
lines are dropped, words hyphenated at a line end are joined, "·"/"|" separators ignored,
both sides NFKC-normalised and case-folded (small caps). Two figures: "local" (share of dump
words found: words unique to both sides anchor the alignment in order, and between two
anchors the words must be found among the PDF tokens between them, in any order, since the
cells of a wrapped header row or table header are read line by line and interleave) and
"strict" (the longest subsequence of those matches that is in PDF order, as a share of dump
words). "extra" counts PDF tokens no dump word used: the repeated table header rows.

Re-render everything (all engines need to be installed):

    .venv/bin/python tools/render_html.py --check
    .venv/bin/python tools/render_html.py --engines weasyprint --designs grid --check
    .venv/bin/python tools/render_html.py --check-only          # check existing PDFs
"""

from __future__ import annotations

import argparse
import concurrent.futures
import html
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _p in (REPO, REPO / "tools"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from render_samples import (  # noqa: E402
    ACHIEVED,
    BLOCK_MARKER,
    CODE_LINE,
    GOAL_MARKER,
    TABLE_MARKER,
    read_dump,
    read_table,
    report_title,
)

from extract.markup import clean_line, is_rule  # noqa: E402

DESIGN_DIR = Path(__file__).resolve().parent / "html_designs"
DESIGNS = ("grid", "stacked", "magazine")
ENGINES = ("chromium", "weasyprint", "libreoffice")
VENV_BIN = Path(sys.executable).parent

# ---------------------------------------------------------------- printed text of a dump line

_LINK = re.compile(r"\[([^\]\n]*)\]\((?:https?://|mailto:)[^)\s]*\)")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+)>")
_DOUBLE_ESCAPE = re.compile(r"\\\\(?=[_*])")  # "\\_" in a markdown dump prints "_"
# Private-use sentinels carry bold / superscript through clean_line.
B_ON, B_OFF, B_TOGGLE, S_ON, S_OFF = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004"
SENTINELS = B_ON + B_OFF + B_TOGGLE + S_ON + S_OFF
_STRIP_SENTINELS = str.maketrans("", "", SENTINELS)


def _markdown_text(raw: str) -> str:
    """Markdown constructs that clean_line leaves alone but a PDF never shows."""
    raw = _LINK.sub(r"\1", raw)
    raw = _AUTOLINK.sub(r"\1", raw)
    return _DOUBLE_ESCAPE.sub("\\\\", raw)


def printed(raw: str) -> str:
    """Printed text of one dump line (clean_line plus markdown links / double escapes)."""
    return clean_line(_markdown_text(raw))


def rich(raw: str) -> str:
    """printed(raw) with sentinels marking bold and superscript; plain if they cannot be kept."""
    plain = printed(raw)
    marked = _markdown_text(raw)
    marked = re.sub(r"<(b|strong)>", B_ON, marked, flags=re.I)
    marked = re.sub(r"</(b|strong)>", B_OFF, marked, flags=re.I)
    marked = re.sub(r"<sup>", S_ON, marked, flags=re.I)
    marked = re.sub(r"</sup>", S_OFF, marked, flags=re.I)
    marked = re.sub(r"(?<!\\)\*\*", B_TOGGLE, marked)
    marked = clean_line(marked).strip(SENTINELS + " \t")
    if marked.translate(_STRIP_SENTINELS) != plain:
        return plain
    return marked


# ---------------------------------------------------------------- blocks


@dataclass
class Block:
    kind: str  # front, toc, marker, goal-title, header, achieved, table, body, service
    lines: list[str] = field(default_factory=list)  # rich lines (sentinels allowed)
    rows: list[list[str]] | None = None  # table rows, header row first
    level: int = 0


TOC_LINE = re.compile(r"^(?:SD|OD|PO)\d{5}\b.*\t\d{1,4}$")
SERVICE_LIKE = re.compile(r"^[A-Z][^.:;!?]{2,70}$")
META_2021 = re.compile(r"^(Lopend|Afgewerkt|Stopgezet|Nog niet gestart|Niet gestart) (\S+) (\d{4} - \d{4})$")


def plain_of(text: str) -> str:
    return text.translate(_STRIP_SENTINELS)


def classify(raw_lines: list[str]) -> list[Block]:
    """Dump lines into blocks, in order; every printed line lands in exactly one block."""
    cleaned = [printed(line) for line in raw_lines]
    richs = [rich(line) for line in raw_lines]
    blocks: list[Block] = []
    in_front = True
    after_goal = False
    i = 0
    n = len(cleaned)
    while i < n:
        line = cleaned[i]
        if not line or is_rule(line):
            i += 1
            continue
        if TABLE_MARKER.match(line):
            found = read_table(cleaned, i)
            if found:
                table, end = found
                # read_table skips blank lines only; rule lines inside would end it anyway
                blocks.append(Block("table", rows=table.rows))
                i = end
                after_goal = False
                continue
        if BLOCK_MARKER.match(line):
            in_front = False
            level = 1 if GOAL_MARKER.match(line) else (2 if line == "Actieplan" else 3)
            blocks.append(Block("marker", [richs[i]], level=level))
            after_goal = level == 1
            i += 1
            continue
        if in_front:
            kind = "toc" if TOC_LINE.match(line) else "front"
            blocks.append(Block(kind, [richs[i]]))
            i += 1
            continue
        # a paragraph: this line and the following non-blank, non-special lines
        group = [i]
        j = i + 1
        while (
            j < n
            and cleaned[j]
            and not is_rule(cleaned[j])
            and not TABLE_MARKER.match(cleaned[j])
            and not BLOCK_MARKER.match(cleaned[j])
            and not CODE_LINE.match(cleaned[j])
            and not ACHIEVED.match(cleaned[j])
        ):
            group.append(j)
            j += 1
        # rule lines directly under a header line belong to it (never printed)
        texts = [richs[k] for k in group]
        if after_goal:
            kind = "goal-title"
        elif CODE_LINE.match(line):
            kind = "header"
        elif ACHIEVED.match(line):
            kind = "achieved"
        else:
            kind = "body"
        if kind == "achieved" and len(texts) > 1:
            blocks.append(Block("achieved", texts[:1]))
            blocks.append(Block("body", texts[1:]))
        else:
            blocks.append(Block(kind, texts))
        after_goal = False
        i = j
    # a short one-line paragraph right after a one-cell leaf header is its service line
    for k in range(1, len(blocks)):
        prev, cur = blocks[k - 1], blocks[k]
        if (
            prev.kind == "header"
            and len(prev.lines) == 1
            and "\t" not in prev.lines[0]
            and plain_of(prev.lines[0])[:2] in ("AC", "PR")
            and cur.kind == "body"
            and len(cur.lines) == 1
            and "\t" not in cur.lines[0]
            and SERVICE_LIKE.match(plain_of(cur.lines[0]))
            and len(plain_of(cur.lines[0]).split()) <= 8
        ):
            cur.kind = "service"
    # the description right after a header (used by the stacked design's indent)
    return blocks


# ---------------------------------------------------------------- HTML

try:
    import pyphen

    _HYPH = pyphen.Pyphen(lang="nl_NL", left=3, right=3)
except Exception:  # pragma: no cover - hyphenation is typography only
    _HYPH = None
_LONG_WORD = re.compile(r"(?<![\w/.@:%=&?#-])([A-Za-zÀ-ÿ]{9,})(?![\w/.@%=&?#]|:/)")


def soft_hyphens(text: str) -> str:
    if _HYPH is None:
        return text
    return _LONG_WORD.sub(lambda m: _HYPH.inserted(m[1], hyphen="\u00ad"), text)


def inline_html(text: str, hyphenate: bool = False) -> str:
    """Rich text (sentinels) into HTML; TABs become wide gaps."""
    out: list[str] = []
    bold = sup = False
    buf = ""

    def flush() -> None:
        nonlocal buf
        if buf:
            t = soft_hyphens(buf) if hyphenate else buf
            t = html.escape(t, quote=False).replace("\t", "\u2003\u2003")
            out.append(t.replace("\u00ad", "&shy;"))
            buf = ""

    for ch in text:
        if ch in SENTINELS:
            flush()
            if ch == B_ON or (ch == B_TOGGLE and not bold):
                if not bold:
                    out.append("<b>")
                bold = True
            elif ch in (B_OFF, B_TOGGLE):
                if bold:
                    out.append("</b>")
                bold = False
            elif ch == S_ON and not sup:
                out.append("<sup>")
                sup = True
            elif ch == S_OFF and sup:
                out.append("</sup>")
                sup = False
        else:
            buf += ch
    flush()
    if sup:
        out.append("</sup>")
    if bold:
        out.append("</b>")
    return "".join(out)


def split_cells(first: str) -> list[str]:
    cells = [c for c in first.split("\t") if plain_of(c).strip()]
    out: list[str] = []
    for c in cells:
        m = META_2021.match(plain_of(c))
        if m and c == plain_of(c):
            out += [m[1], m[2], m[3]]
        else:
            out.append(c)
    return out


def header_parts(block: Block) -> tuple[list[str], list[str], list[str]]:
    """(title cells, meta cells, continuation lines) of a header block."""
    first, rest = block.lines[0], block.lines[1:]
    cells = split_cells(first)
    title = cells[:1]
    meta = cells[1:]
    if re.fullmatch(r"(OD|PO)\d{5}", plain_of(title[0]).strip()) and meta:
        title, meta = title + meta[:1], meta[1:]
    return title, meta, rest


def table_html(rows: list[list[str]], engine: str) -> str:
    ncols = max(7, *(len(r) for r in rows))
    head, body = rows[0], rows[1:]
    cells = [f'<th colspan="2" class="tmarker">{inline_html(head[0])}</th>']
    for c in head[2:] + [""] * (ncols - len(head)):
        cells.append(f"<th>{inline_html(c)}</th>")
    out = ['<table class="fin" cellpadding="2" cellspacing="0">']
    if engine == "libreoffice":
        out.append('<col width="16%"><col width="12%">' + '<col width="14%">' * (ncols - 2))
    out.append("<thead><tr>" + "".join(cells) + "</tr></thead><tbody>")
    for row in body:
        padded = row + [""] * (ncols - len(row))
        tds = [f'<td class="cat">{inline_html(padded[0])}</td>', f'<td class="dir">{inline_html(padded[1])}</td>']
        tds += [f'<td class="num">{inline_html(c)}</td>' for c in padded[2:]]
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def header_html(block: Block, design: str, engine: str) -> str:
    title, meta, rest = header_parts(block)
    cont = "".join(f'<p class="hd-cont">{inline_html(line, True)}</p>' for line in rest)
    if design == "grid":
        n = len(title) + len(meta)
        if n == 1:
            return f'<p class="hd-cont">{inline_html(title[0], True)}</p>{cont}'
        # widths: code-only cell narrow; title cell gets the rest; meta cells narrow
        widths: list[float] = []
        for k in range(len(title)):
            widths.append(9.0 if k == 0 and len(title) == 2 else 0.0)
        for c in meta:
            p = plain_of(c)
            # narrow columns (multi-word cells wrap over 2-3 lines) that still fit their longest word
            longest = max((len(w) for w in p.split()), default=1)
            fit = (longest * 1.75 + 2.0) / 188.0 * 100.0
            widths.append(max(fit, 8.0 if re.fullmatch(r"\d{4} - \d{4}", p) else 7.0 if len(p) <= 16 else 12.5))
        free = 100.0 - sum(widths)
        widths = [w if w else free for w in widths]
        cols = "".join(f'<col style="width:{w:.1f}%" width="{w:.0f}%">' for w in widths)
        tds = [f'<td class="hd-title">{inline_html(c, True)}</td>' for c in title]
        tds += [f'<td class="hd-meta">{inline_html(c)}</td>' for c in meta]
        return (
            f'<table class="hdr" width="100%" cellpadding="2" cellspacing="0">{cols}<tr>{"".join(tds)}</tr>'
            f"</table>{cont}"
        )
    title_html = " ".join(inline_html(c, True) for c in title)
    if design == "stacked":
        out = f'<p class="hd-title">{title_html}</p>'
        if len(meta) == 1 and not rest:
            out += f'<p class="hd-service">{inline_html(meta[0])}</p>'
        elif meta:
            out += f'<p class="hd-meta">{" · ".join(inline_html(c) for c in meta)}</p>'
        return out + cont
    # magazine: one flowing line with "|" separators
    meta_html = "".join(f" | {inline_html(c)}" for c in meta)
    return f'<p class="hd-inline"><b>{title_html}</b>{meta_html}</p>{cont}'


def furniture_css(title: str, design: str) -> str:
    t = title.replace("\\", "\\\\").replace('"', '\\"')
    page = '"blz. " counter(page) "/" counter(pages)'
    box = "font-family: inherit; font-size: 7pt; color: #666;"
    if design == "grid":
        return f'@page {{ @top-left {{ content: "{t}"; {box} }} @bottom-right {{ content: {page}; {box} }} }}'
    if design == "stacked":
        return (
            f'@page {{ @bottom-left {{ content: "{t}"; {box} font-style: italic; }} '
            f"@bottom-right {{ content: {page}; {box} }} }}"
        )
    return f'@page {{ @top-right {{ content: "{t} — " {page}; {box} }} }}'


def lo_furniture(title: str, design: str) -> str:
    """Header/footer for LibreOffice's HTML import (it reads Writer's own export format)."""
    field_page = "<sdfield type=PAGE subtype=RANDOM format=PAGE>1</sdfield>"
    field_count = "<sdfield type=DOCSTAT subtype=PAGE format=PAGE>1</sdfield>"
    t = html.escape(title, quote=False)
    if design == "magazine":
        return f'<div title="header"><p align="right">{t} — blz. {field_page}/{field_count}</p></div>'
    return (
        f'<div title="header"><p>{t}</p></div>'
        f'<div title="footer"><p align="right">blz. {field_page}/{field_count}</p></div>'
    )


def merge_wrapped(lines: list[str]) -> list[str]:
    """Join the lines of a layout dump (000) that its converter wrapped at the old page width.

    A dump line of 110+ characters followed by another line of the same paragraph was cut by
    pdftotext, not by the author: the engine wraps the paragraph anew. Lines ending in ":"
    and shorter lines (lists, headings) keep their own line.
    """
    out: list[str] = []
    for line in lines:
        if (
            out
            and len(plain_of(out[-1])) >= 110
            and not plain_of(out[-1]).rstrip().endswith(":")
            and "\t" not in line
            and "\t" not in out[-1]
        ):
            out[-1] = out[-1].rstrip() + " " + line.lstrip()
        else:
            out.append(line)
    return out


def build_html(raw_lines: list[str], design: str, engine: str) -> str:
    title = report_title([printed(line) for line in raw_lines])
    css = (DESIGN_DIR / f"{design}.css").read_text(encoding="utf-8")
    parts: list[str] = []
    blocks = classify(raw_lines)
    after_header = False
    for block in blocks:
        k = block.kind
        if k == "marker":
            tag = {1: "h1", 2: "h2", 3: "h3"}[block.level]
            parts.append(f'<{tag} class="marker">{inline_html(block.lines[0])}</{tag}>')
        elif k == "toc":
            line = block.lines[0]
            head, _, page = line.rpartition("\t")
            parts.append(
                f'<div class="toc-line"><span class="toc-title">{inline_html(head)}</span> '
                f'<span class="toc-page">{inline_html(page)}</span></div>'
            )
        elif k == "front":
            parts.append(f'<p class="front">{inline_html(block.lines[0])}</p>')
        elif k == "goal-title":
            parts.append(f'<p class="goal-title">{"<br>".join(inline_html(x, True) for x in block.lines)}</p>')
        elif k == "header":
            parts.append(header_html(block, design, engine))
        elif k == "service":
            cls = "hd-service" if design == "stacked" else "body"
            parts.append(f'<p class="{cls}">{inline_html(block.lines[0])}</p>')
        elif k == "achieved":
            parts.append(f'<h4 class="achieved">{inline_html(block.lines[0])}</h4>')
        elif k == "table":
            parts.append(table_html(block.rows, engine))
        else:
            cls = "body desc" if after_header and design == "stacked" else "body"
            for line in merge_wrapped(block.lines):
                parts.append(f'<p class="{cls}">{inline_html(line, True)}</p>')
        if k in ("header", "service"):
            after_header = True
        elif k not in ("body",):
            after_header = False
    if engine == "libreoffice":
        head_extra = lo_furniture(title, design)
    else:
        head_extra = ""
        css = furniture_css(title, design) + "\n" + css
    if engine == "chromium":
        # Chromium embeds Linux Libertine (CFF) as Type 3 fonts whose small-cap glyphs map to
        # private-use code points: the words would be lost. A font without small-cap glyphs
        # gets synthesised small caps (smaller capitals), whose text layer is the letters.
        css += '\np.hd-meta { font-family: "Liberation Serif", serif; }\n'

    body = "\n".join(parts)
    if engine == "chromium":
        # Chromium writes every soft hyphen (broken or not) as a space into the text layer,
        # which would split the words; it has no hyphenation dictionary offline either.
        body = body.replace("&shy;", "")
    return (
        f'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>\n<style>\n{css}\n</style></head>\n"
        f'<body class="{design}">\n{head_extra}\n{body}\n</body></html>\n'
    )


# ---------------------------------------------------------------- engines


def _run(cmd: list[str], timeout: int = 1800, **kw) -> None:
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")


# Headless Chromium that reaches for nothing on its own (no network, updates, sync or GPU); also
# what tests/test_report.py opens the overview page with, network blocked.
HEADLESS_CHROMIUM = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def print_chromium(html_path: Path, pdf_path: Path, work: Path) -> None:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-", dir=work))
    _run(
        [
            exe,
            *HEADLESS_CHROMIUM,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--disable-pdf-tagging",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
    )
    shutil.rmtree(profile, ignore_errors=True)


def print_weasyprint(html_path: Path, pdf_path: Path, work: Path) -> None:
    _run([sys.executable, "-m", "weasyprint", "--quiet", str(html_path), str(pdf_path)])


def print_libreoffice(html_path: Path, pdf_path: Path, work: Path) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice") or "soffice"
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-", dir=work))
    env_arg = f"-env:UserInstallation={profile.resolve().as_uri()}"
    odt_dir = Path(tempfile.mkdtemp(prefix="lo-odt-", dir=work))
    _run(
        [
            exe,
            env_arg,
            "--headless",
            "--infilter=HTML (StarWriter)",
            "--convert-to",
            "odt:writer8",
            "--outdir",
            str(odt_dir),
            str(html_path),
        ]
    )
    odt = odt_dir / (html_path.stem + ".odt")
    pdf_dir = Path(tempfile.mkdtemp(prefix="lo-pdf-", dir=work))
    _run([exe, env_arg, "--headless", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(pdf_dir), str(odt)])
    shutil.move(str(pdf_dir / (html_path.stem + ".pdf")), pdf_path)
    shutil.rmtree(profile, ignore_errors=True)


PRINTERS = {"chromium": print_chromium, "weasyprint": print_weasyprint, "libreoffice": print_libreoffice}


def render_one(dump: Path, design: str, engine: str, out_root: Path, keep_html: Path | None) -> tuple[Path, float]:
    started = time.perf_counter()
    out_dir = out_root / f"{engine}-{design}"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{dump.stem}.pdf"
    with tempfile.TemporaryDirectory(prefix=f"render_html-{engine}-{design}-") as tmp:
        work = Path(tmp)
        html_path = work / f"{dump.stem}.html"
        html_path.write_text(build_html(read_dump(dump), design, engine), encoding="utf-8")
        if keep_html:
            dest = keep_html / f"{engine}-{design}"
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(html_path, dest / html_path.name)
        pdf_tmp = work / "out.pdf"
        PRINTERS[engine](html_path, pdf_tmp, work)
        part = out_dir / f".{dump.stem}.pdf.part"
        shutil.copy(pdf_tmp, part)
        os.replace(part, target)
    return target, time.perf_counter() - started


# ---------------------------------------------------------------- fidelity check

HYPHENS = "-\u2010\u2011\u00ad"
SEPARATOR_TOKENS = {"·", "|", "—"}
FURNITURE_PAGE = re.compile(r"\s*[—-]?\s*blz\.\s*\d+\s*/\s*\d+\s*$")


def norm(word: str) -> str:
    return unicodedata.normalize("NFKC", word).replace("\u00ad", "").casefold()


def expected_words(dump: Path) -> list[str]:
    words: list[str] = []
    for raw in read_dump(dump):
        line = printed(raw)
        if not line or is_rule(line):
            continue
        words += [w for w in (norm(t) for t in line.split()) if w and w not in SEPARATOR_TOKENS]
    return words


def pdf_words(pdf: Path, title: str) -> tuple[list[str], list[bool], int]:
    """(tokens, token ends a line, page count) of a PDF's text, page furniture removed."""
    import logging

    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # Chromium's Type 3 fonts: "FontBBox" noise
    title_n = norm(" ".join(title.split()))
    tokens: list[str] = []
    ends: list[bool] = []
    with pdfplumber.open(pdf) as doc:
        pages = len(doc.pages)
        for page in doc.pages:
            text = page.extract_text() or ""
            page.close()
            for line in text.split("\n"):
                stripped = FURNITURE_PAGE.sub("", line)
                if stripped != line and norm(" ".join(stripped.split())) in ("", title_n):
                    continue  # "blz. N/M", alone or after the running title
                if norm(" ".join(line.split())) == title_n:
                    continue  # running title alone
                words = [w for w in (norm(t) for t in line.split()) if w and w not in SEPARATOR_TOKENS]
                tokens += words
                ends += [False] * (len(words) - 1) + [True] if words else []
    return tokens, ends, pages


def _match(tokens: list[str], used: bytearray, j: int, word: str, local: bool, depth: int = 0) -> list[int]:
    """Token indexes from j that spell `word`: [j] itself, or pieces of a word split at a line end.

    Strict: the pieces are adjacent tokens. Local: the next piece may be up to 16 tokens
    further on (a wrapped cell of a header row is read line by line, so the cells
    beside it come in between).
    """
    if used[j]:
        return []
    t = tokens[j]
    if t == word:
        return [j]
    if depth >= 4 or j + 1 >= len(tokens):
        return []
    hyphenated = bool(t) and t[-1] in HYPHENS
    variants = [t[:-1], t] if hyphenated else [t]
    for v in variants:
        if v and len(v) < len(word) and word.startswith(v):
            rest = word[len(v) :]
            reach = 16 if local else 1
            for nxt in range(j + 1, min(len(tokens), j + 1 + reach)):
                if used[nxt] or not rest.startswith(tokens[nxt][:1] or "\0"):
                    continue
                more = _match(tokens, used, nxt, rest, local, depth + 1)
                if more:
                    return [j, *more]
    return []


def longest_increasing(positions: list[int]) -> int:
    """Length of the longest strictly increasing subsequence (words found in the PDF's order)."""
    import bisect

    tails: list[int] = []
    for x in positions:
        k = bisect.bisect_left(tails, x)
        if k == len(tails):
            tails.append(x)
        else:
            tails[k] = x
    return len(tails)


def align(words: list[str], tokens: list[str]) -> tuple[list[int | None], bytearray]:
    """Position in `tokens` of each dump word (None: not found), and which tokens were used.

    Anchors first: words that occur exactly once in the dump and once in the PDF, kept where
    they are in the same order (longest increasing subsequence). Between two anchors the
    dump words must be found among the PDF tokens between the same anchors, in any order (a
    header row or table header read line by line interleaves its cells); then words split at
    a line end are joined from the leftovers, and leftovers are tried in the neighbouring
    segments and 80 tokens around (cells interleaved across anchors). A missing word cannot derail the rest.
    """
    from collections import Counter, defaultdict

    wc, tc = Counter(words), Counter(tokens)
    first_at = {t: j for j, t in enumerate(tokens) if tc[t] == 1}
    pairs = [(i, first_at[w]) for i, w in enumerate(words) if wc[w] == 1 and w in first_at]
    anchors = _increasing_pairs(pairs)
    used = bytearray(len(tokens))
    where: list[int | None] = [None] * len(words)
    for i, j in anchors:
        where[i] = j
        used[j] = 1
    bounds = [(-1, -1), *anchors, (len(words), len(tokens))]
    segments = [(i0 + 1, i1, j0 + 1, j1) for (i0, j0), (i1, j1) in itertools.pairwise(bounds)]
    # 1. exact words, any order within the segment
    for wi0, wi1, tj0, tj1 in segments:
        free: dict[str, list[int]] = defaultdict(list)
        for j in range(tj1 - 1, tj0 - 1, -1):
            if not used[j]:
                free[tokens[j]].append(j)
        for i in range(wi0, wi1):
            stack = free.get(words[i])
            if stack:
                j = stack.pop()
                used[j] = 1
                where[i] = j
    # 2. leftovers: pieces split at a line end, and words reordered across an anchor
    for k, (wi0, wi1, tj0, tj1) in enumerate(segments):
        lo = max(0, min(tj0, segments[max(0, k - 1)][2]) - 80)
        hi = min(len(tokens), max(tj1, segments[min(len(segments) - 1, k + 1)][3]) + 80)
        left = [j for j in range(lo, hi) if not used[j]]
        if not left:
            continue
        for i in range(wi0, wi1):
            if where[i] is not None:
                continue
            for j in left:
                got = _match(tokens, used, j, words[i], True)
                if got:
                    for x in got:
                        used[x] = 1
                    where[i] = got[0]
                    break
            left = [j for j in left if not used[j]]
    return where, used


def _increasing_pairs(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs (sorted by their first item) whose second items increase."""
    import bisect

    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_idx.append(k)
        else:
            tails[pos] = j
            tail_idx[pos] = k
        prev[k] = tail_idx[pos - 1] if pos else -1
    out = []
    k = tail_idx[-1] if tail_idx else -1
    while k >= 0:
        out.append(pairs[k])
        k = prev[k]
    return out[::-1]


@dataclass
class CheckResult:
    pdf: Path
    pages: int
    words: int
    strict: float
    local: float
    missing: list[str]
    extra: int
    extra_sample: list[str]


def check_pdf(pdf: Path, dump: Path) -> CheckResult:
    words = expected_words(dump)
    title = report_title([printed(line) for line in read_dump(dump)])
    tokens, _ends, pages = pdf_words(pdf, title)
    where, used = align(words, tokens)
    missing = [i for i, j in enumerate(where) if j is None]
    local = len(words) - len(missing)
    strict = longest_increasing([j for j in where if j is not None])
    miss = []
    for i in missing[:12]:
        miss.append(" ".join(words[max(0, i - 3) : i]) + " [[" + words[i] + "]] " + " ".join(words[i + 1 : i + 4]))
    unused = [tokens[j] for j in range(len(tokens)) if not used[j]]
    return CheckResult(
        pdf, pages, len(words), strict / max(1, len(words)), local / max(1, len(words)), miss, len(unused), unused[:40]
    )


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--designs", default=",".join(DESIGNS))
    parser.add_argument("--dumps", type=Path, default=REPO / "data" / "dumps")
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "corpus")
    parser.add_argument("--check", action="store_true", help="check each PDF's text against its dump")
    parser.add_argument("--check-only", action="store_true", help="check existing PDFs, render nothing")
    parser.add_argument("--keep-html", type=Path, default=None, help="also write the HTML under this folder")
    parser.add_argument("--jobs", type=int, default=max(1, min(6, (os.cpu_count() or 2))))
    parser.add_argument("--verbose", action="store_true", help="list missing words and extra tokens")
    args = parser.parse_args(argv)
    engines = [e for e in args.engines.split(",") if e]
    designs = [d for d in args.designs.split(",") if d]
    for e in engines:
        if e not in ENGINES:
            parser.error(f"unknown engine {e}")
    for d in designs:
        if d not in DESIGNS:
            parser.error(f"unknown design {d}")
    dumps = sorted(args.dumps.glob("*.txt"))
    if not dumps:
        parser.error(f"no *.txt dumps in {args.dumps}")
    jobs = [(dump, d, e) for e in engines for d in designs for dump in dumps]
    failures = 0
    if not args.check_only:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = {
                pool.submit(render_one, dump, d, e, args.out, args.keep_html): (dump, d, e) for dump, d, e in jobs
            }
            for fut in concurrent.futures.as_completed(futures):
                dump, d, e = futures[fut]
                try:
                    target, seconds = fut.result()
                    print(
                        f"{target.relative_to(args.out)}: {target.stat().st_size / 1024:.0f} KiB, {seconds:.0f} s",
                        flush=True,
                    )
                except Exception as exc:  # report and go on with the other renders
                    failures += 1
                    print(f"FAILED {e}-{d}/{dump.stem}: {exc}", flush=True)
    if args.check or args.check_only:
        print(f"{'pdf':48} {'pages':>5} {'KiB':>6} {'words':>7} {'strict':>8} {'local':>8} {'extra':>6}")
        for dump, d, e in jobs:
            pdf = args.out / f"{e}-{d}" / f"{dump.stem}.pdf"
            if not pdf.exists():
                print(f"{pdf.relative_to(args.out)!s:48} missing")
                continue
            r = check_pdf(pdf, dump)
            print(
                f"{pdf.relative_to(args.out)!s:48} {r.pages:5d} {pdf.stat().st_size / 1024:6.0f} {r.words:7d} "
                f"{100 * r.strict:7.3f}% {100 * r.local:7.3f}% {r.extra:6d}",
                flush=True,
            )
            if args.verbose:
                for m in r.missing:
                    print(f"      missing: {m}")
                print(f"      extra sample: {' '.join(r.extra_sample)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
