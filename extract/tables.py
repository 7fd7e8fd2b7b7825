"""Budget and staffing tables: header years, labelled rows, cells aligned to their columns.

Cells are recognised by their printed shape (amount, percentage, FTE), and a row with a
missing cell is aligned to the column template by shape and, where shapes cannot tell,
by the arithmetic that holds between the cells (REPORT_FORMAT §3). A cell never shifts
into another column: what cannot be placed stays null and is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import combinations
from typing import cast

from . import grammar
from .lines import Line
from .numbers import parse_amount, parse_fte, parse_percent, shape

YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
BUDGET_COLUMNS = ("budget", "actual", "execution_pct", "actual_prev", "change_pct")
STAFFING_COLUMNS = ("plan", "paid", "paid_pct", "paid_prev", "change_pct")
BUDGET_TEMPLATE = ("A", "A", "P", "A", "P")
STAFFING_TEMPLATE = ("F", "F", "P", "F", "P")
# (percentage column, numerator column, denominator column): the same for both tables.
BUDGET_RATIOS = ((2, 1, 0), (4, 1, 3))
BUDGET_ROWS = tuple((c, d) for c in grammar.CATEGORIES for d in grammar.DIRECTIONS)


@dataclass
class Issue:
    kind: str
    detail: str
    line: Line | None
    node_id: str | None = None


@dataclass
class Row:
    category: str | None  # None for the staffing row
    direction: str | None
    label_printed: str
    raw_cells: list[str | None]  # aligned to the five columns; None = not printed
    line: Line
    alignments: list[tuple[int, ...]] = field(default_factory=list)


@dataclass
class Table:
    kind: str  # 'budget' or 'staffing'
    marker: Line
    marker_printed: str
    header_text: str
    year: int | None
    previous_year: int | None
    rows: list[Row]
    issues: list[Issue]

    @property
    def template(self) -> tuple[str, ...]:
        return BUDGET_TEMPLATE if self.kind == "budget" else STAFFING_TEMPLATE


MAX_HEADER_FRAGMENTS_ABOVE = 6
MARKER_FIRST_WORD = re.compile(r"^(?:budgettaire|onderbouw\w*)$", re.I)


def join_split_markers(lines: list[Line]) -> list[Line]:
    """A table marker whose header cell wraps ("Budgettaire" / "onderbouwing") made one line again.

    The second word is sought on the next lines of the same page, past lines that are only
    column-header words (pieces of the other wrapped header cells); it must start its line.
    """
    out = list(lines)
    for i, line in enumerate(out):
        first, rest = _first_word(line.text)
        if not MARKER_FIRST_WORD.match(first) or grammar.TABLE_MARKER.match(line.text):
            continue
        if rest and not grammar.is_table_header_fragment(rest):
            continue
        for j in range(i + 1, min(i + 1 + MAX_HEADER_FRAGMENTS_ABOVE, len(out))):
            other = out[j]
            if other.page != line.page:
                break
            second, other_rest = _first_word(other.text)
            if grammar.TABLE_MARKER.match(f"{first} {second}") and (
                not other_rest or grammar.is_table_header_fragment(other_rest)
            ):
                out[i] = replace(line, text=f"{first} {second}" + (f"\t{rest}" if rest else ""), boxes=())
                out[j] = replace(other, text=other_rest, boxes=other.boxes[1:])
                break
            if not grammar.is_table_header_fragment(other.text):
                break
    return [line for line in out if line.text]


def _first_word(text: str) -> tuple[str, str]:
    parts = re.split(r"[ \t]", text, maxsplit=1)
    return parts[0], (parts[1].strip(" \t") if len(parts) > 1 else "")


def hoist_table_headers(lines: list[Line]) -> list[Line]:
    """Move header fragments printed above a table marker to just after it.

    A header row whose cells wrap over lines and are vertically centred (or bottom-aligned)
    prints pieces of the taller cells ("%", "Besteding", "Jaarrekening") above the line that
    carries the marker. They belong to the table header, not to the prose before it.
    """
    out = list(lines)
    for i, line in enumerate(lines):
        if not grammar.TABLE_MARKER.match(line.text):
            continue
        k = i  # climb while the line goes on from the one above it (same header row, no gap)
        while (
            k > 0
            and not out[k].para_start
            and i - k < MAX_HEADER_FRAGMENTS_ABOVE
            and out[k - 1].page == line.page
            and grammar.is_table_header_fragment(out[k - 1].text)
        ):
            k -= 1
        if k < i:
            out[k : i + 1] = [out[i], *out[k:i]]
    return out


def table_kind(marker_label: str) -> str:
    return "staffing" if "personeel" in marker_label.lower() else "budget"


def parse_table(lines: list[Line], start: int) -> tuple[Table, int]:
    """Parse the table whose marker is lines[start]; return it and the index after it."""
    marker = lines[start]
    m = grammar.must_match(grammar.TABLE_MARKER, marker.text)
    kind = table_kind(m.group("label"))
    table = Table(kind, marker, m.group("label"), m.group("rest"), None, None, [], [])
    canonical = "Onderbouwing personeel" if kind == "staffing" else "Budgettaire onderbouwing"
    if grammar.collapse(m.group("label")).lower() != canonical.lower():
        table.issues.append(Issue("label_misspelt", f"{m.group('label')!r} read as {canonical!r}", marker))
    header = [m.group("rest")]
    i = start + 1
    expected: list[tuple[str | None, str | None]] = list(BUDGET_ROWS) if kind == "budget" else [(None, None)]
    pending_category: grammar.Label | None = None
    # Header fragments run until the first labelled row (the 2021 layout wraps them over many lines).
    end = _skip_header(lines, i, kind)
    header.extend(l.text for l in lines[i:end])
    i = end
    table.header_text = grammar.collapse(" ".join(header))
    _read_years(table)
    while i < len(lines) and len(table.rows) < len(expected):
        text = lines[i].text
        tokens = text.split()
        if _repeats_header(lines, i, table):
            table.issues.append(
                Issue(
                    "table_header_repeated",
                    f"{kind} table continues on page {lines[i].page} under a repeated header",
                    lines[i],
                )
            )
            i = _skip_header(lines, i + 1, kind)
            continue
        if not tokens or not _row_start(text, kind):
            break
        category = grammar.match_label(tokens[0], grammar.CATEGORIES) if kind == "budget" else None
        if category and _labels_pair(table, category, expected):
            # Printed between (or beside the second of) the two rows of its category: a
            # label vertically centred over the pair. It is the label of the pair's first row.
            first = table.rows[-1]
            first.label_printed = f"{category.printed} {first.label_printed}"
            if category.misspelt:
                table.issues.append(
                    Issue("label_misspelt", f"{category.printed!r} read as {category.canonical!r}", lines[i])
                )
            tokens, category = tokens[1:], None
            if not tokens:
                i += 1
                continue
        if category:
            pending_category = category
            tokens = tokens[1:]
            if not tokens:  # 2021 layout: the category stands on its own line
                i += 1
                continue
        row = _parse_row(tokens, lines[i], kind, expected[len(table.rows)], pending_category, table)
        pending_category = None
        if row is None:
            break
        table.rows.append(row)
        i += 1
    if len(table.rows) < len(expected):
        missing = [f"{c or ''} {d or 'VTE'}".strip() for c, d in expected[len(table.rows) :]]
        table.issues.append(
            Issue(
                "completeness",
                f"{kind} table has {len(table.rows)} of {len(expected)} rows; missing: {', '.join(missing)}",
                marker,
            )
        )
    _align_rows(table)
    return table, i


def _labels_pair(table: Table, category: grammar.Label, expected: list) -> bool:
    """Does a category printed now belong to the Uitgaven row just read (which printed none)?"""
    if not table.rows or len(table.rows) >= len(expected):
        return False
    first = table.rows[-1]
    return (
        first.category == category.canonical
        and first.direction == grammar.DIRECTIONS[0]
        and expected[len(table.rows)] == (category.canonical, grammar.DIRECTIONS[1])
        and grammar.match_label(first.label_printed.split()[0], grammar.CATEGORIES) is None
    )


def _skip_header(lines: list[Line], i: int, kind: str) -> int:
    """Index of the first row after header fragments (the 2021 layout wraps them over many lines)."""
    start = i
    while i < len(lines) and not _row_start(lines[i].text, kind) and i - start < 16:
        if grammar.is_block_start(lines[i].text) or grammar.LEAF_CODE.match(lines[i].text):
            break
        i += 1
    return i


def _repeats_header(lines: list[Line], i: int, table: Table) -> bool:
    """A table split over pages may print its header again at the top of the next page."""
    m = grammar.TABLE_MARKER.match(lines[i].text)
    return bool(
        m
        and table_kind(m.group("label")) == table.kind
        and table.rows
        and lines[i].page is not None
        and lines[i].page != table.rows[-1].line.page
    )


def _row_start(text: str, kind: str) -> bool:
    first = text.split()[0] if text.split() else ""
    if kind == "staffing":
        return first.lower() == grammar.STAFFING_LABEL
    return bool(grammar.match_label(first, grammar.CATEGORIES) or grammar.match_label(first, grammar.DIRECTIONS))


def _read_years(table: Table) -> None:
    years = sorted({int(y) for y in YEAR.findall(table.header_text)})
    if not years:
        table.issues.append(
            Issue("header_years_missing", f"no year in table header {table.header_text!r}", table.marker)
        )
        return
    table.year, table.previous_year = years[-1], years[0]
    if len(years) != 2 or table.previous_year != table.year - 1:
        table.issues.append(
            Issue("header_years_unexpected", f"years {years} in header {table.header_text!r}", table.marker)
        )


def _parse_row(tokens, line, kind, expected, category, table) -> Row | None:
    exp_category, exp_direction = expected
    if kind == "budget":
        direction = grammar.match_label(tokens[0], grammar.DIRECTIONS)
        if direction is None:
            return None
        label_printed = " ".join(x.printed for x in (category, direction) if x)
        for printed in (category, direction):
            if printed and printed.misspelt:
                table.issues.append(Issue("label_misspelt", f"{printed.printed!r} read as {printed.canonical!r}", line))
        # Rows come in a fixed order; the printed category is checked against it, not trusted over it.
        if category and category.canonical != exp_category:
            table.issues.append(
                Issue("row_order", f"category {category.printed!r} where {exp_category!r} was expected", line)
            )
        if direction.canonical != exp_direction:
            table.issues.append(
                Issue("row_order", f"direction {direction.printed!r} where {exp_direction!r} was expected", line)
            )
    else:
        label_printed = tokens[0]
    values = tokens[1:]
    stray = [t for t in values if shape(t) is None]
    if stray:
        table.issues.append(Issue("unexpected_token", f"tokens {stray} in a {kind} row", line))
        values = [t for t in values if shape(t) is not None]
    row = Row(exp_category, exp_direction, label_printed, list(values), line)
    return row


def _candidate_alignments(shapes: list[str | None], template: tuple[str, ...]) -> list[tuple[int, ...]]:
    """Column positions the printed cells can occupy, keeping their order and shapes."""
    if len(shapes) > len(template):
        return []
    out = []
    for positions in combinations(range(len(template)), len(shapes)):
        if all(_fits(s, template[p]) for s, p in zip(shapes, positions)):
            out.append(positions)
    return out


def _fits(printed_shape: str | None, column_shape: str) -> bool:
    # An FTE column accepts whole numbers too ("0" is never printed for VTE, but be lenient).
    return printed_shape == column_shape or (column_shape == "F" and printed_shape == "A")


def _align_rows(table: Table) -> None:
    template = table.template
    decided: dict[tuple[int, ...], int] = {}
    for row in table.rows:
        printed = cast(list[str], row.raw_cells)  # before placement, every cell is a printed token
        row.alignments = _candidate_alignments([shape(t) for t in printed], template)
        if len(row.alignments) > 1:
            scored = [(a, _evidence(_place(printed, a), table.kind)) for a in row.alignments]
            consistent = [(a, e) for a, e in scored if e is not None]
            if consistent:
                best = max(e for _, e in consistent)
                row.alignments = [a for a, e in consistent if e == best]
        if len(row.alignments) == 1 and len(printed) < len(template):
            decided[row.alignments[0]] = decided.get(row.alignments[0], 0) + 1
    # Rows whose own cells cannot tell (all zeros) follow the table's majority alignment.
    majority = max(decided, key=lambda alignment: decided[alignment]) if decided else None
    columns = BUDGET_COLUMNS if table.kind == "budget" else STAFFING_COLUMNS
    for row in table.rows:
        printed = cast(list[str], row.raw_cells)
        if len(printed) == len(template) and row.alignments:
            continue
        if not row.alignments:
            table.issues.append(
                Issue("row_unreadable", f"cells {printed} do not fit the {table.kind} columns; all left null", row.line)
            )
            row.raw_cells = [None] * len(template)
            continue
        if len(row.alignments) > 1 and majority not in row.alignments:
            # Nothing tells where some cells belong: place only those every reading agrees on
            # and leave the others null, never a value in a column that may not have printed it.
            agreed = [(t, a[0]) for t, *a in zip(printed, *row.alignments) if len(set(a)) == 1]
            row.raw_cells = [None] * len(template)
            for token, column in agreed:
                row.raw_cells[column] = token
            unplaced = [t for t, *a in zip(printed, *row.alignments) if len(set(a)) > 1]
            table.issues.append(
                Issue(
                    "missing_cell",
                    f"a column was not printed and cells {unplaced} fit more than one column: left null (printed row kept in raw_text)",
                    row.line,
                )
            )
            continue
        chosen = majority if len(row.alignments) > 1 else row.alignments[0]
        assert chosen is not None  # several alignments reach here only when the majority is one of them
        how = "the table's other rows" if len(row.alignments) > 1 else "shape and arithmetic"
        row.raw_cells = _place(printed, chosen)
        missing = [columns[k] for k in range(len(template)) if k not in chosen]
        table.issues.append(
            Issue("missing_cell", f"{', '.join(missing)} not printed (null); cells placed by {how}", row.line)
        )


def _evidence(cells: list[str | None], kind: str) -> int | None:
    """How many arithmetic facts support this placement of cells; None when one contradicts it.

    Facts: each printed percentage fits its two printed amounts; and when the shared
    numerator (actual / paid) is the missing cell, the two estimates of it that the two
    percentages give must agree.
    """
    template = BUDGET_TEMPLATE if kind == "budget" else STAFFING_TEMPLATE
    half_unit = Decimal("0.5") if kind == "budget" else Decimal("0.005")
    v = [parse_cell(t, s) for t, s in zip(cells, template)]
    support = 0
    for pct, num, den in BUDGET_RATIOS:
        if None in (v[pct], v[num], v[den]):
            continue
        if not percentage_consistent(v[pct], v[num], v[den], half_unit):
            return None
        support += bool(v[den])  # a zero base prints 0,0% whatever the numerator: no evidence
    if v[1] is None and None not in (v[0], v[2], v[3], v[4]):
        # actual ≈ budget × p1 ≈ previous × p2, each within the rounding of its percentage.
        estimates = [
            (Decimal(v[0]) * v[2] / 100, abs(Decimal(v[0])) / 2000 + half_unit),
            (Decimal(v[3]) * v[4] / 100, abs(Decimal(v[3])) / 2000 + half_unit),
        ]
        if v[0] and v[3]:
            (a, ea), (b, eb) = estimates
            if abs(a - b) > ea + eb:
                return None
            support += 1
    return support


def _place(printed: list[str], positions: tuple[int, ...]) -> list[str | None]:
    cells: list[str | None] = [None] * 5
    for token, p in zip(printed, positions):
        cells[p] = token
    return cells


def parse_cell(token: str | None, column_shape: str):
    if token is None:
        return None
    if column_shape == "P":
        return parse_percent(token)
    if column_shape == "F":
        return parse_fte(token) if shape(token) == "F" else Decimal(parse_amount(token))
    return parse_amount(token)


def values(row: Row, template: tuple[str, ...]) -> list:
    return [parse_cell(t, s) for t, s in zip(row.raw_cells, template)]


def percentage_consistent(printed: Decimal, numerator, denominator, half_unit: Decimal) -> bool:
    """Does the printed % fit numerator/denominator, given that both were rounded to the unit?

    Interval arithmetic: the true amounts lie within ± half a unit of the printed ones, and
    the percentage was rounded to 0,1 point, so it may be off by 0,05 point more.
    """
    numerator, denominator = Decimal(numerator), Decimal(denominator)
    if denominator == 0:
        # Printed 0,0% for a true zero base; a base that only rounds to 0 gives a huge percentage.
        return printed == 0 or abs(printed) >= (abs(numerator) - half_unit) * 100 / half_unit
    lo_num, hi_num = numerator - half_unit, numerator + half_unit
    lo_den, hi_den = denominator - half_unit, denominator + half_unit
    if lo_den <= 0 <= hi_den:  # the true base may be 0 or tiny: anything goes
        return True
    candidates = [100 * n / d for n in (lo_num, hi_num) for d in (lo_den, hi_den)]
    slack = Decimal("0.05") + Decimal("1e-9")
    return min(candidates) - slack <= printed <= max(candidates) + slack


def check_percentages(table: Table) -> list[Issue]:
    """Every printed percentage against the ratio of its two amounts."""
    ratios = BUDGET_RATIOS
    columns = BUDGET_COLUMNS if table.kind == "budget" else STAFFING_COLUMNS
    half_unit = Decimal("0.5") if table.kind == "budget" else Decimal("0.005")
    issues = []
    for row in table.rows:
        parsed = values(row, table.template)
        for pct, num, den in ratios:
            if None in (parsed[pct], parsed[num], parsed[den]):
                continue
            if not percentage_consistent(parsed[pct], parsed[num], parsed[den], half_unit):
                issues.append(
                    Issue(
                        "percentage_mismatch",
                        f"{columns[pct]} printed {row.raw_cells[pct]} but {columns[num]}/{columns[den]} = "
                        f"{row.raw_cells[num]}/{row.raw_cells[den]}",
                        row.line,
                    )
                )
    return issues
