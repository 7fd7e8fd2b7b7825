"""The documents of the report and the links from each figure to its source (file, page, line)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from .html_parts import _attrs


@dataclass(frozen=True)
class Doc:
    document_id: str
    file_name: str
    source_format: str
    title: str | None
    theme: str | None
    report_year: int | None
    previous_year: int | None
    layout: str
    page_count: int | None
    line_count: int | None
    table_markers: int | None
    node_count: int
    leaf_count: int
    header_lost_count: int
    anomaly_count: int
    has_staffing_tables: bool

    @property
    def anchor(self) -> str:
        return f"doc-{self.document_id[:12]}"

    @property
    def label(self) -> str:
        parts = [self.title or self.file_name]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class Source:
    doc: Doc
    page: int | None
    line: int | None

    @property
    def text(self) -> str:
        if self.page is not None:
            return f"{self.doc.file_name}, p. {self.page}"
        if self.line is not None:
            return f"{self.doc.file_name}, line {self.line}"
        return self.doc.file_name


class Linker:
    """Where a source link points: the document's entry on this page, or, when the folder of the
    source files is known, the file itself (PDF at its page)."""

    def __init__(self, out_dir: Path, sources: Path | None):
        self.base = None
        if sources is not None:
            rel = os.path.relpath(Path(sources).resolve(), Path(out_dir).resolve())
            self.base = Path(rel).as_posix()

    def href(self, src: Source) -> str:
        if self.base is None:
            return f"#{src.doc.anchor}"
        target = f"{self.base}/{src.doc.file_name}"
        if src.page is not None and src.doc.source_format == "pdf":
            target += f"#page={src.page}"
        return target

    def link(self, src: Source) -> Markup:
        attrs = _attrs(href=self.href(src), data_document=src.doc.file_name, data_page=src.page, data_line=src.line)
        return Markup('<a class="src"{}>{}</a>').format(Markup(attrs), src.text)
