"""The common input of the grammar: printed lines with their lineage.

Both readers (text dump, PDF) produce `Line`s; everything after that is source-agnostic.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .grammar import STATUS_AND_PHASE, join_lines
from .markup import clean_line, is_rule


@dataclass(frozen=True)
class Line:
    text: str  # printed text, cell gaps as single TABs
    page: int | None  # 1-based PDF page; None for text dumps (they have no pages)
    line: int  # 1-based line on the page (PDF) or in the file (dump)
    para_start: bool  # first line of a paragraph (blank line or vertical gap before it)
    bold: bool | None = None  # PDF only: heading font; None when the source cannot tell
    # PDF only: (x0, x1) of every printed word, in the order of the words of `text` (split
    # on spaces and TABs). Lets a header row whose cells wrap be read column by column.
    boxes: tuple[tuple[float, float], ...] = ()
    # PDF only: the line before stopped short although this line's first word would have
    # fit on it, so the renderer broke it on purpose (a weaker sign than para_start).
    after_short_line: bool = False
    italic: bool | None = None  # PDF only: most of the line is set in an italic font

    @property
    def words(self) -> str:
        """The text with cell gaps as plain spaces."""
        return self.text.replace("\t", " ")

    def word_boxes(self) -> list[tuple[float, float, str, str]] | None:
        """(x0, x1, word, separator before it) of each word; None when the source has no geometry."""
        tokens = re.split(r"([ \t])", self.text)
        words, separators = tokens[0::2], ["", *tokens[1::2]]
        if not self.boxes or len(words) != len(self.boxes):
            return None
        return [(x0, x1, w, sep) for (x0, x1), w, sep in zip(self.boxes, words, separators)]

    def cells(self) -> list[tuple[float, float, str]] | None:
        """(x0, x1, text) of each TAB-separated cell; None when the source has no geometry."""
        parts = self.text.split("\t")
        counts = [len(part.split(" ")) for part in parts]
        if not self.boxes or sum(counts) != len(self.boxes):
            return None
        out, k = [], 0
        for part, n in zip(parts, counts):
            out.append((self.boxes[k][0], self.boxes[k + n - 1][1], part))
            k += n
        return out


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


EDGE_TOLERANCE = 0.3  # points: cells of one column start at the same x (same padding)
WIDE_GAP = 1.8  # times the row's word space: a gap between two cells
EDGE_GAP = 1.25  # times the word space: enough before a word on a column edge


def row_columns(lines: list[Line], vocabulary: frozenset[str] = frozenset()) -> tuple[list[str], bool] | None:
    """The cells of a table row printed over several lines, read column by column.

    A renderer that wraps the cells of one row (a long title next to a period and an owner)
    interleaves their pieces line by line, and centres the shorter cells vertically. Pieces
    whose horizontal extents overlap are one column; each column reads top to bottom.
    A single line is a row too: its cells are what its gaps say.
    Returns the column texts and whether the geometry proves a row of cells (see
    `_laid_out_as_row`); without that proof the lines may as well be one paragraph wrapped
    at the text edge whose words happen to be far apart, and the caller must decide. None
    when the lines carry no geometry, form a single column, or a line has two pieces in one
    column (then they are no row of cells).
    """
    rows = [boxes for line in lines if (boxes := line.word_boxes()) is not None]
    if not lines or len(rows) < len(lines):
        return None
    # In a tight table the padding between two cells is narrower than a cell gap, but still
    # clearly wider than the word spaces of the row: such a gap separates cells here. A word
    # starting exactly on a column edge (seen on another line) after a wider-than-space gap
    # starts a cell too.
    gaps = sorted(b[0] - a[1] for words in rows for a, b in itertools.pairwise(words))
    space = gaps[len(gaps) // 4] if gaps else 0.0  # a low quantile: rows of one-word cells have few spaces
    # A project's status and phase start a cell however tight the padding before them: no
    # title reads "… Lopend Uitvoering".
    cut = [
        [
            k == 0 or sep == "\t" or x0 - words[k - 1][1] > WIDE_GAP * space or _status_at(words, k)
            for k, (x0, _, _, sep) in enumerate(words)
        ]
        for words in rows
    ]
    edges = [words[k][0] for words, starts in zip(rows, cut) for k in range(1, len(words)) if starts[k]]
    # A line starting right of the row's left edge starts a cell of a later column.
    edges += [words[0][0] for words in rows[1:] if words[0][0] > rows[0][0][0] + 1]
    fragments, per_line = [], []
    for n, (words, starts) in enumerate(zip(rows, cut)):
        cells: list[list] = []
        for k, (x0, x1, word, _) in enumerate(words):
            on_edge = (
                k and x0 - words[k - 1][1] > EDGE_GAP * space and any(abs(x0 - e) <= EDGE_TOLERANCE for e in edges)
            )
            if starts[k] or on_edge:
                cells.append([x0, x1, word])
            else:
                cells[-1][1], cells[-1][2] = x1, f"{cells[-1][2]} {word}"
        printed = [(x0, x1, text) for x0, x1, text in cells if text.strip()]
        if not printed:
            return None
        per_line.append(printed)
        fragments += [(x0, x1, n, text) for x0, x1, text in printed]
    columns: list[list] = []
    for x0, x1, n, text in sorted(fragments):
        if columns and x0 < columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
            columns[-1][2].append((n, text))
        else:
            columns.append([x0, x1, [(n, text)]])
    if len(columns) < 2:
        return None
    for _, _, pieces in columns:
        if len({n for n, _ in pieces}) < len(pieces):
            return None
    texts = [
        join_lines([text for _, text in sorted(pieces, key=lambda p: p[0])], vocabulary) for _, _, pieces in columns
    ]
    return texts, len(lines) == 1 or _laid_out_as_row(per_line)


def _status_at(words: list[tuple[float, float, str, str]], k: int) -> bool:
    """Do a project's status and phase start at word k of a line?"""
    return bool(STATUS_AND_PHASE.match(" ".join(w for _, _, w, _ in words[k : k + 4])))


def _laid_out_as_row(cells: list[list[tuple[float, float, str]]]) -> bool:
    """Does the geometry prove a row of cells rather than one paragraph wrapped at the text edge?

    Proof: a line that starts elsewhere than the first (a cell of another column), or two
    lines with an inner cell starting at the same x (a column edge). A row whose only
    multi-line cell is the first one looks exactly like a wrapped paragraph: no proof.
    """
    left = cells[0][0][0]
    if any(abs(c[0][0] - left) > 1 for c in cells[1:]):
        return True
    inner_seen: list[float] = []
    for c in cells:
        inner = [x0 for x0, _, _ in c[1:]]
        if any(abs(x - y) <= 1 for x in inner for y in inner_seen):
            return True
        inner_seen += inner
    return False
