"""The common input of the grammar: printed lines with their lineage.

Both readers (text dump, PDF) produce `Line`s; everything after that is source-agnostic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from .markup import clean_line, is_rule


@dataclass(frozen=True)
class Line:
    text: str  # printed text, cell gaps as single TABs
    page: int | None  # 1-based PDF page; None for text dumps (they have no pages)
    line: int  # 1-based line on the page (PDF) or in the file (dump)
    para_start: bool  # first line of a paragraph (blank line or vertical gap before it)
    bold: bool | None = None  # PDF only: heading font; None when the source cannot tell

    @property
    def words(self) -> str:
        """The text with cell gaps as plain spaces."""
        return self.text.replace("\t", " ")


def dump_lines(raw_lines: Iterable[str]) -> Iterator[Line]:
    """Lines of a text dump: markup removed, blank and rule lines dropped, paragraphs marked."""
    after_blank = True
    for number, raw in enumerate(raw_lines, start=1):
        text = clean_line(raw)
        if not text or is_rule(text):
            after_blank = after_blank or not text
            continue
        yield Line(text=text, page=None, line=number, para_start=after_blank)
        after_blank = False
