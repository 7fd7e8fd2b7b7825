"""Self-checks of one extracted report: nothing lost, every percentage consistent, no hidden
reordering of the text.

The marker count comes straight from the text layer with a tolerant pattern, not from the
parser, so that a parser bug that skips a table shows up as a mismatch.
"""

from __future__ import annotations

import re

from .lines import Line
from .parser import ParseResult
from .tables import Issue, check_percentages, join_split_markers

# Tolerant: misspellings, markup remnants and a leading space all still count.
TABLE_MARKER_ANYWHERE = re.compile(r"^\W*(budgettaire\s+onderbouw|onderbouw\w*\s+personeel)", re.I)


ROW_LABEL = re.compile(r"^\W*(exploitatie|investe\w*|financiering|uitgaven|ontvangsten|vte)\b", re.I)
ROWS_PER_TABLE = {"budget": 6, "staffing": 1}
NUMBER = re.compile(r"(?<![\w.,])-?\d[\d.]*(,\d+)?%?(?![\w])")


def count_table_markers(lines: list[Line]) -> int:
    """Table markers in the text layer, a header repeated over a page break counted once.

    A simple scan of its own: markers, and the number of row-like lines (by their label)
    after the last one. A marker of the same kind on a later page while that table still
    misses rows is the same table's header printed again.
    """
    count, kind, rows, page = 0, None, 0, None
    for line in join_split_markers(lines):  # a marker cell wrapped over two lines is one marker
        marker = TABLE_MARKER_ANYWHERE.match(line.text)
        if marker:
            this_kind = "staffing" if "personeel" in marker.group(1).lower() else "budget"
            continued = this_kind == kind and 0 < rows < ROWS_PER_TABLE[this_kind] and line.page not in (None, page)
            if not continued:
                count, kind, rows = count + 1, this_kind, 0
        elif kind and ROW_LABEL.match(line.text) and NUMBER.search(line.text):
            rows += 1
            page = line.page
    return count


def completeness_issues(result: ParseResult, markers: int, layout: str) -> list[Issue]:
    """Numbers missing ('completeness': the report is refused, see `acceptance`) and blocks out
    of place or text taken for a block ('structure': recorded, the numbers read are whole)."""
    issues: list[Issue] = []
    tables = [t for b in result.blocks for t in b.tables]
    orphan_tables = sum(1 for i in result.issues if i.kind == "completeness" and "table" in i.detail)
    if len(tables) != markers:
        kind = "completeness" if len(tables) < markers else "structure"
        issues.append(
            Issue(
                kind,
                f"{len(tables)} tables extracted, {markers} table markers in the text ({orphan_tables} orphaned)",
                None,
            )
        )
    for block in result.blocks:
        if block.level in ("action", "project") and (block.parent is None or block.parent.level != "action_plan"):
            issues.append(Issue("structure", f"{block.node_id} has no action plan", block.line, block.node_id))
        if block.level == "action_plan" and (block.parent is None or block.parent.level != "goal"):
            issues.append(Issue("structure", f"{block.node_id} has no goal", block.line, block.node_id))
        kinds = [t.kind for t in block.tables]
        needs_budget = block.level != "goal" or layout != "district09"
        # A block with a code and no table lost its numbers (or they went to another block); a
        # block without a code or any table is a piece of text the grammar took for a block.
        kind = "completeness" if block.code or block.tables else "structure"
        if needs_budget and "budget" not in kinds:
            issues.append(Issue(kind, f"{block.node_id} has no budget table", block.line, block.node_id))
        if layout == "stad_ocmw" and "staffing" not in kinds:
            issues.append(Issue(kind, f"{block.node_id} has no staffing table", block.line, block.node_id))
    return issues


def percentage_issues(result: ParseResult) -> list[Issue]:
    issues = []
    for block in result.blocks:
        for table in block.tables:
            for issue in check_percentages(table):
                issue.node_id = block.node_id
                issues.append(issue)
    return issues


# Bidirectional controls reorder what a reader sees ("Trojan Source"): a title printed with a
# RIGHT-TO-LEFT OVERRIDE shows other words than its characters say. Kept as printed, recorded.
BIDI_CONTROLS = {
    "\u061c": "ARABIC LETTER MARK",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
}
_BIDI = re.compile("[" + "".join(BIDI_CONTROLS) + "]")


def bidi_control_issues(lines: list[Line]) -> list[Issue]:
    """One `bidi_control` anomaly per printed line that holds a bidirectional control character."""
    issues = []
    for line in lines:
        found = sorted(set(_BIDI.findall(line.text)))
        if found:
            names = ", ".join(f"U+{ord(c):04X} {BIDI_CONTROLS[c]}" for c in found)
            issues.append(
                Issue(
                    "bidi_control",
                    f"bidirectional control character(s) {names} kept as printed: "
                    "a reader may see this text in another order than it is stored",
                    line,
                )
            )
    return issues
