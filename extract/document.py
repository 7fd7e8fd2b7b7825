"""One report file in, all its raw tables out: the pure core behind the CLI and the assets."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import EXTRACTOR_VERSION, grammar
from .contents import PageNumber, contents_issues, printed_page_numbers
from .errors import ExtractionError
from .glyphs import recover_ligatures
from .lines import Line, dump_lines
from .parser import Block, LayoutError, ParseResult, parse_report
from .records import Anomaly, BudgetLine, Document, Node, Responsible, StaffingLine, Text
from .self_checks import bidi_control_issues, completeness_issues, count_table_markers, percentage_issues
from .tables import Issue, values

TEXT_SUFFIXES = {".txt", ".text"}
PDF_ENGINES = ("pdfplumber", "pdfium")  # pdfplumber the default; PDFium faster, optional (README: Performance)


@dataclass
class Extraction:
    document: Document
    tables: dict[str, list]  # table name -> rows (dataclass instances)


@dataclass
class Source:
    lines: list[Line]
    pages: int | None
    format: str  # 'pdf' or 'text'
    furniture: list[tuple[str, int]]  # running headers/footers removed: (text, times)
    glyphs: list[tuple[str, str | None, int]] = field(
        default_factory=list
    )  # private-use glyphs: (char, letters, times)
    page_numbers: dict[int, PageNumber] = field(default_factory=dict)  # PDF only: physical page -> number printed on it


def read_source(path: Path, data: bytes, engine: str = "pdfplumber") -> Source:
    """Lines of a PDF (read by `engine`) or a text dump; the source kind is told by content, not by name."""
    if engine not in PDF_ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r}: use one of {', '.join(PDF_ENGINES)}")
    if not data:
        raise ExtractionError(path, "empty file")
    if data.startswith(b"%PDF-"):
        if engine == "pdfium":  # optional, faster, same rows
            from .pdfium_lines import _read_pages
        else:
            from .pdf_lines import _read_pages  # pdfplumber is imported only when a PDF comes
        from .pdf_lines import pdf_lines

        physical: list[list] = []

        def read_pages(path, data):  # the page reader's seam: keep the physical lines, page numbers and all
            physical.extend(_read_pages(path, data))
            return physical

        lines, pages, furniture = pdf_lines(path, data, read_pages=read_pages)
        lines, glyphs = recover_ligatures(lines)
        return Source(lines, pages, "pdf", furniture, glyphs, printed_page_numbers(physical))
    if path.suffix.lower() in TEXT_SUFFIXES:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ExtractionError(path, f"text dump is not UTF-8 ({exc.reason} at byte {exc.start})") from None
        # Split on "\n" only: dump line numbers (001:L762) count newlines; splitlines() would also
        # split on form feeds (pdftotext page breaks), U+2028 and other separators and shift them.
        return Source(list(dump_lines(text.split("\n"))), None, "text", [])
    raise ExtractionError(path, "not a PDF (no %PDF- signature) and not a .txt text dump")


def extract_file(path: Path | str, engine: str = "pdfplumber") -> Extraction:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(path, f"cannot read: {exc.strerror}") from None
    return extract_bytes(path, data, engine)


def extract_bytes(path: Path, data: bytes, engine: str = "pdfplumber") -> Extraction:
    """Extract a report already read into memory (path names it in errors and lineage)."""
    source = read_source(path, data, engine)
    return extract_source(source, path, hashlib.sha256(data).hexdigest())


def extract_source(source: Source, path: Path, document_id: str) -> Extraction:
    lines = source.lines
    if not any(grammar.marker_kind(l.text) == "goal" for l in lines):
        raise ExtractionError(path, "not an annual-account report: no 'Beleidsdoelstelling SD…' block found")
    try:
        result = parse_report(lines)
    except LayoutError as exc:
        raise ExtractionError(path, f"layout not recognised: {exc}") from None
    layout = detect_layout(result)
    _check_codes(result, layout, path)
    markers = count_table_markers(lines)
    furniture = [
        Issue("page_furniture_removed", f"running header/footer removed from {times} pages: {text!r}", None)
        for text, times in source.furniture
    ]
    furniture += [
        Issue(
            "glyph_recovered" if letters else "glyph_unmapped",
            f"private-use glyph U+{ord(char):04X} in {times} words "
            + (
                f"read as {letters!r} (the letters that make them words of the document)"
                if letters
                else "left as printed: no reading makes them words"
            ),
            None,
        )
        for char, letters, times in source.glyphs
    ]
    issues = (
        furniture
        + result.issues
        + completeness_issues(result, markers, layout)
        + percentage_issues(result)
        + bidi_control_issues(lines)
    )
    # Whole reports only: the report's own TOC and page numbering against what was read.
    read = {b.code for b in result.blocks if b.code and b.level in ("goal", "action_plan")}
    issues += contents_issues(result.front.toc, read, source.page_numbers, source.pages)
    years = Counter((t.year, t.previous_year) for b in result.blocks for t in b.tables if t.year)
    year, previous = years.most_common(1)[0][0] if years else (None, None)
    document = Document(
        document_id=document_id,
        file_name=path.name,
        source_format=source.format,
        title=result.front.title,
        theme=result.front.theme,
        report_year=year,
        previous_year=previous,
        layout=layout,
        entities="; ".join(f"{name} ({number})" for name, number in result.front.entities),
        page_count=source.pages,
        line_count=len(lines),
        table_markers=markers,
        extractor_version=EXTRACTOR_VERSION,
    )
    return Extraction(document, build_rows(document_id, result, layout, issues))


def detect_layout(result: ParseResult) -> str:
    names = {name for name, _ in result.front.entities}
    if names & {"Stad Gent", "OCMW Gent"}:
        return "stad_ocmw"
    if "District09" in names:
        return "district09"
    codes = [b.code for b in result.blocks if b.code and b.level in ("action", "project")]
    if codes and any(grammar.DISTRICT09_CODE.match(c) and c.startswith("AC") for c in codes):
        return "district09"
    return "stad_ocmw"


def _check_codes(result: ParseResult, layout: str, path: Path) -> None:
    for block in result.blocks:
        if block.code and block.level in ("action", "project") and grammar.leaf_entity(block.code, layout) is None:
            where = f"line {block.line.line}" + (f", page {block.line.page}" if block.line.page else "")
            raise ExtractionError(
                path,
                f"layout not recognised: leaf code {block.code!r} ({where}) has an unknown shape for a {layout} report",
            )


# The five printed cells of a table row, in print order: (field of the raw text, field of the value).
BUDGET_CELLS = (
    ("budget_raw", "budget"),
    ("actual_raw", "actual"),
    ("execution_pct_raw", "execution_pct"),
    ("actual_prev_raw", "actual_prev"),
    ("change_pct_raw", "change_pct"),
)
STAFFING_CELLS = (
    ("plan_raw", "plan_fte"),
    ("paid_raw", "paid_fte"),
    ("paid_pct_raw", "paid_pct"),
    ("paid_prev_raw", "paid_prev_fte"),
    ("change_pct_raw", "change_pct"),
)


def _cells(fields: tuple[tuple[str, str], ...], raw_cells: list[str | None], parsed: list) -> dict[str, Any]:
    """A row's printed cells and their values, by the record's field names."""
    cells: dict[str, Any] = {}
    for i, (raw_field, value_field) in enumerate(fields):
        cells[raw_field] = raw_cells[i]
        cells[value_field] = parsed[i]
    return cells


def build_rows(document_id: str, result: ParseResult, layout: str, issues: list[Issue]) -> dict[str, list]:
    rows: dict[str, list] = {
        name: [] for name in ("nodes", "responsibles", "budget_lines", "staffing_lines", "texts", "anomalies")
    }
    table_no = 0
    for block in result.blocks:
        rows["nodes"].append(_node(document_id, block, layout))
        if block.responsible:
            rows["responsibles"].append(
                Responsible(document_id, block.node_id, block.responsible, block.line.page, block.line.line)
            )
        for table in block.tables:
            table_no += 1
            for row_no, row in enumerate(table.rows, start=1):
                v = values(row, table.template)
                common: dict[str, Any] = dict(document_id=document_id, node_id=block.node_id, table_no=table_no)
                lineage: dict[str, Any] = dict(
                    year=table.year,
                    previous_year=table.previous_year,
                    page=row.line.page,
                    line=row.line.line,
                    raw_text=row.line.text,
                )
                if table.kind == "budget":
                    assert row.category and row.direction  # a budget row takes both from BUDGET_ROWS
                    rows["budget_lines"].append(
                        BudgetLine(
                            **common,
                            row_no=row_no,
                            category=row.category,
                            direction=row.direction,
                            label_printed=row.label_printed,
                            **_cells(BUDGET_CELLS, row.raw_cells, v),
                            **lineage,
                        )
                    )
                else:
                    rows["staffing_lines"].append(
                        StaffingLine(
                            **common,
                            **_cells(STAFFING_CELLS, row.raw_cells, v),
                            **lineage,
                        )
                    )
        for seq, section in enumerate(block.sections, start=1):
            kept = [(p, start) for p, start in zip(section.paragraphs, section.starts, strict=True) if p]
            text = "\n".join(grammar.collapse(" ".join(p)) for p, _ in kept)
            rows["texts"].append(
                Text(
                    document_id,
                    block.node_id,
                    section.name,
                    seq,
                    text,
                    section.line.page,
                    section.line.line,
                    [start.page for _, start in kept],
                    [start.line for _, start in kept],
                )
            )
    for issue in issues:
        line = issue.line
        rows["anomalies"].append(
            Anomaly(
                document_id,
                issue.node_id,
                issue.kind,
                issue.detail,
                line.page if line else None,
                line.line if line else None,
                line.text if line else None,
            )
        )
    return rows


def _node(document_id: str, block: Block, layout: str) -> Node:
    entity = grammar.leaf_entity(block.code, layout) if block.code and block.level in ("action", "project") else None
    if block.header_lost and layout == "district09":
        entity = "district09"
    return Node(
        document_id=document_id,
        node_id=block.node_id,
        code=block.code,
        level=block.level,
        parent_node_id=block.parent.node_id if block.parent else None,
        title=block.title,
        service=block.service,
        entity=entity,
        status=block.status,
        phase=block.phase,
        period_start=block.period_start,
        period_end=block.period_end,
        owner=block.owner,
        header_lost=block.header_lost,
        position=block.position,
        page=block.line.page,
        line=block.line.line,
    )
