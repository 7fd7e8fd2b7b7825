"""Hostile input for the number parser and the line grammar (hypothesis).

Three properties (issue 9, "Hostile input"):

1. Random Belgian-format numbers round-trip exactly (amounts, percentages, FTE).
2. Random damage of the kinds in docs/REPORT_FORMAT.md §5 applied to a generated report
   never crashes the extractor and never changes a value silently: every printed cell is read
   as exactly the value printed, or is null with an anomaly on its row.
3. Arbitrary damage beyond §5 (lines deleted, doubled, swapped, cut, random text) ends in the
   rows or in an ExtractionError, never in another exception, and every value kept is the exact
   reading of a cell printed on its own row (raw string beside it), nulls explained by an anomaly.

The reports are generated in the text-dump form (TAB-separated cells, as 001/002 print them)
and read through the same grammar as the PDFs (`dump_lines` → `extract_source`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from report_dumps import FRONT_2024

from extract import grammar
from extract.document import Source, extract_source
from extract.errors import ExtractionError
from extract.lines import dump_lines
from extract.markup import clean_line
from extract.number_format import format_amount
from extract.numbers import parse_amount, parse_fte, parse_percent, ratio_percent, shape

SLOW = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], max_examples=150
)


# ------------------------------------------------------------------ Belgian printing, written independently


def be_int(n: int) -> str:
    digits, groups = str(abs(n)), []
    while digits:
        digits, groups = digits[:-3], [digits[-3:], *groups]
    return ("-" if n < 0 else "") + ".".join(groups)


def be_decimal(value: Decimal, places: int) -> str:
    scaled = int(value.scaleb(places))
    whole, frac = divmod(abs(scaled), 10**places)
    return f"{'-' if scaled < 0 else ''}{be_int(whole)},{frac:0{places}d}"


def be_percent(value: Decimal) -> str:
    return be_decimal(value, 1) + "%"


# ------------------------------------------------------------------ 1. round trips

AMOUNTS = st.integers(min_value=-(10**13), max_value=10**13)


@given(AMOUNTS)
@example(0)
@example(-999)
@example(1000)
@example(-1_000_000)
def test_amounts_round_trip(n):
    text = be_int(n)
    assert shape(text) == "A"
    assert parse_amount(text) == n and type(parse_amount(text)) is int
    assert format_amount(n) == text


@given(st.decimals(min_value=-(10**10), max_value=10**10, places=1, allow_nan=False, allow_infinity=False))
def test_percentages_round_trip(value):
    text = be_percent(value)
    assert shape(text) == "P"
    parsed = parse_percent(text)
    assert parsed == value and parsed.as_tuple().exponent == -1  # exact Decimal, never a float


@given(st.decimals(min_value=-(10**8), max_value=10**8, places=2, allow_nan=False, allow_infinity=False))
def test_fte_round_trip(value):
    text = be_decimal(value, 2)
    assert shape(text) == "F"
    parsed = parse_fte(text)
    assert parsed == value and parsed.as_tuple().exponent == -2


@settings(max_examples=500)
@given(st.one_of(st.text(alphabet="0123456789.,%-+ \t٣١e\u2212", max_size=16), st.text(max_size=16)))
def test_a_string_is_read_as_what_it_prints_or_refused(text):
    """Every parser either refuses (ValueError) or returns the value the string prints."""
    for kind, parse, printing in (
        ("A", parse_amount, be_int),
        ("P", parse_percent, be_percent),
        ("F", parse_fte, lambda v: be_decimal(v, 2)),
    ):
        try:
            value = parse(text)
        except ValueError:
            continue
        # '-0' is how a report prints a negative amount rounded to zero: the one other printing.
        assert text in (printing(value), "-" + printing(value)), (kind, text, value)
        assert shape(text) == kind


# ------------------------------------------------------------------ the grammar never crashes

GRAMMAR_FUNCTIONS = (
    grammar.marker_kind,
    grammar.is_block_start,
    grammar.is_table_header_fragment,
    grammar.looks_like_service,
    grammar.ends_sentence,
    grammar.collapse,
    clean_line,
    shape,
    lambda t: grammar.match_label(t, grammar.CATEGORIES + grammar.DIRECTIONS),
    lambda t: [
        p.match(t)
        for p in (
            grammar.GOAL_MARKER,
            grammar.PLAN_MARKER,
            grammar.LEAF_MARKER,
            grammar.LEAF_CODE,
            grammar.PLAN_CODE,
            grammar.TABLE_MARKER,
            grammar.EMBEDDED_PAGE_HEADER,
            grammar.ENTITY_LINE,
        )
    ],
)
PREFIXES = (
    "",
    "Beleidsdoelstelling ",
    "Actieplan ",
    "Acties ",
    "AC12345 - ",
    "OD10075\t",
    "Budgettaire onderbouwing\t",
    "Onderbouwing personeel\t",
    "Exploitatie\tUitgaven\t",
    "VTE\t\t",
    "<b>",
    "### ",
    "Stad Gent - ",
)


@settings(max_examples=400)
@given(st.sampled_from(PREFIXES), st.text(max_size=60))
def test_the_line_grammar_never_crashes(prefix, text):
    for fn in GRAMMAR_FUNCTIONS:
        fn(prefix + text)
    list(dump_lines([prefix + text, text, ""]))


# ------------------------------------------------------------------ generated reports

BUDGET_HEAD = (
    "Budget 2024\tJaarrekening 2024\t% Besteding budget 2024\tJaarrekening 2023\tJaarrekening 2024 t.o.v. 2023"
)
STAFF_HEAD = "Plan 2024\tBetaald 2024\t% Besteding plan 2024\tBetaald 2023\tBetaald 2024 t.o.v. 2023"
PROSE = "Via een netwerk van eigen balies kan de burger terecht voor informatie, afspraken en meldingen."
GARBAGE = "\ufffd\ufb01\ufb02\u0663\u0661\u06f4\u00b7\u2022\u25a1\u25a0\u25c6\u200b\u00ad"


@dataclass
class Table:
    kind: str  # budget | staffing
    rows: list[list[str]]  # printed cells, five per row
    dropped: int | None = None  # a whole column not printed (§5: 001:L762-768)


def budget_cells(b: int, a: int, p: int) -> list[str]:
    """A budget row whose percentages hold (§3: every % is the ratio of its two amounts)."""
    return [be_int(b), be_int(a), be_percent(ratio_percent(a, b)), be_int(p), be_percent(ratio_percent(a, p))]


def staffing_cells(plan: Decimal, paid: Decimal, prev: Decimal) -> list[str]:
    return [
        be_decimal(plan, 2),
        be_decimal(paid, 2),
        be_percent(ratio_percent(paid, plan)),
        be_decimal(prev, 2),
        be_percent(ratio_percent(paid, prev)),
    ]


money = st.one_of(st.just(0), st.integers(0, 999), st.integers(1000, 50_000_000), st.integers(-5_000_000, -1))
fte = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False)


def dropped_columns(drop: bool):
    return st.one_of(st.none(), st.integers(0, 4)) if drop else st.none()


@st.composite
def budget_tables(draw, drop: bool) -> Table:
    rows = [budget_cells(draw(money), draw(money), draw(money)) for _ in range(6)]
    return Table("budget", rows, draw(dropped_columns(drop)))


@st.composite
def staffing_tables(draw, drop: bool) -> Table:
    return Table("staffing", [staffing_cells(draw(fte), draw(fte), draw(fte))], draw(dropped_columns(drop)))


@st.composite
def damage(draw) -> dict:
    """One combination of the damage kinds of REPORT_FORMAT §5 for one table or block."""
    return {
        "gap": draw(st.sampled_from(["\t", "\t\t", "\t\t\t", "  ", " \t "])),  # varying TABs; cells glued with spaces
        "markup": draw(st.booleans()),  # <b>VTE</b>, **label**
        "misspelt": draw(st.booleans()),  # onderbouwning, Investing
        "header_lost": draw(st.integers(0, 5)) == 0,  # a leaf without its code/title/service line
        "service": draw(st.sampled_from(["tab", "line", "glued"])),  # the service line in three places
        "title_wrapped": draw(st.booleans()),
        "page_header": draw(st.booleans()),  # a page header in the middle of a sentence
        "quoted_code": draw(st.booleans()),  # codes quoted inside prose
        "garbage": draw(st.text(alphabet=GARBAGE, max_size=6)),  # glyph garbage in prose
        "service_typo": draw(st.booleans()),
    }


def table_lines(table: Table, d: dict) -> list[str]:
    gap = d["gap"]
    mark = (lambda s: f"<b>{s}</b>") if d["markup"] else (lambda s: s)
    keep = [k for k in range(5) if k != table.dropped]
    if table.kind == "budget":
        label = "Budgettaire onderbouwning" if d["misspelt"] else "Budgettaire onderbouwing"
        out = [f"{mark(label)}\t\t{BUDGET_HEAD}"]
        investering = "Investing" if d["misspelt"] else "Investering"
        for i, row in enumerate(table.rows):
            category = ("Exploitatie", investering, "Financiering")[i // 2]
            head = f"{mark(category)}{gap}Uitgaven" if i % 2 == 0 else f"{gap}Ontvangsten"
            out.append(head + gap + gap.join(row[k] for k in keep))
    else:
        label = "Onderbouwning personeel" if d["misspelt"] else "Onderbouwing personeel"
        out = [f"{mark(label)}\t\t{STAFF_HEAD}", f"{mark('VTE')}\t{gap}" + gap.join(table.rows[0][k] for k in keep)]
    return [*out, ""]


def prose(d: dict) -> list[str]:
    sentence = PROSE
    if d["quoted_code"]:
        sentence = sentence.replace("informatie,", "informatie (zie AC34852 en PR40521),")
    if d["garbage"]:
        sentence = sentence.replace("afspraken", f"afspraken {d['garbage']}")
    if d["page_header"]:  # a running header printed in the middle of the sentence
        first, rest = sentence.split(" kan ", 1)
        return [first, "Stad Gent / Jaarrekening 2024 / Overzicht van alle beleidsdoelstellingen", "kan " + rest, ""]
    return [sentence, ""]


def leaf_lines(code: str, tables: list[Table], d: dict) -> list[str]:
    service = "Dienst Organisaatiebrede budgetten" if d["service_typo"] else "Dienst Publiekszaken"
    title = "Het verder uitbouwen van de eerstelijnsdienstverlening naar de burger"
    if d["header_lost"]:
        head = []
    elif d["service"] == "tab":
        head = [f"{code} - {title}\t{service}", ""]
    elif d["service"] == "line":
        head = [f"{code} - {title}", "", service, ""]
    else:
        head = [f"{code} - {title} {service}", ""]
    if head and d["title_wrapped"] and d["service"] != "line":
        head = [f"{code} - Het verder uitbouwen van de", "", head[0].split(" van de ", 1)[1], ""]
    out = ["Acties", "", *head, *prose(d)]
    for table in tables:
        out += table_lines(table, d)
    return out


@st.composite
def reports(draw, drop: bool = True):
    """(lines, tables in reading order): a goal, a plan and 1-4 leaves, each damaged its own way.

    drop: whether a table may miss a whole column (the one §5 damage with a known gap)."""
    n = draw(st.integers(1, 4))
    blocks = [(draw(budget_tables(drop)), draw(staffing_tables(drop)), draw(damage())) for _ in range(n + 2)]
    codes = draw(
        st.lists(
            st.sampled_from(["AC34852", "AC34853", "ACC2212", "ACB1234", "PR40521", "PR40663", "AC10001"]),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    lines = list(FRONT_2024)
    (gb, gs, gd), (pb, ps, pd) = blocks[0], blocks[1]
    lines += [
        "Beleidsdoelstelling SD10041",
        "",
        "We maken Gent samen met haar burgers en partners",
        "",
        *table_lines(gb, gd),
        *table_lines(gs, gd),
    ]
    lines += [
        "Actieplan",
        "",
        "OD10075\tVersterken van een toegankelijke en nabije dienstverlening\t2020 - 2027\tGroep Gent",
        "",
        *prose(pd),
        *table_lines(pb, pd),
        *table_lines(ps, pd),
    ]
    for code, (b, s, d) in zip(codes, blocks[2:]):
        lines += leaf_lines(code, [b, s], d)
    tables = [t for b, s, _ in blocks for t in (b, s)]
    return lines, tables


def extract_lines(lines: list[str]):
    return extract_source(Source(list(dump_lines(lines)), None, "text", []), Path("generated.txt"), "doc").tables


BUDGET_ATTRS = (
    ("budget_raw", "budget", "A"),
    ("actual_raw", "actual", "A"),
    ("execution_pct_raw", "execution_pct", "P"),
    ("actual_prev_raw", "actual_prev", "A"),
    ("change_pct_raw", "change_pct", "P"),
)
STAFF_ATTRS = (
    ("plan_raw", "plan_fte", "F"),
    ("paid_raw", "paid_fte", "F"),
    ("paid_pct_raw", "paid_pct", "P"),
    ("paid_prev_raw", "paid_prev_fte", "F"),
    ("change_pct_raw", "change_pct", "P"),
)


def read(text: str, kind: str):
    return {
        "A": parse_amount,
        "P": parse_percent,
        "F": lambda t: parse_fte(t) if shape(t) == "F" else Decimal(parse_amount(t)),
    }[kind](text)


def rows_in_order(t: dict, table: str) -> list:
    return sorted(t[table], key=lambda r: (r.table_no, getattr(r, "row_no", 0)))


def check_values(report, strict: bool) -> None:
    """Every printed cell read as exactly its value, or null with an anomaly on its row.

    Not strict (tables with a dropped column): a value may also be a cell printed on its row
    but placed in another column, provided the row carries an anomaly (never silent).
    """
    lines, tables = report
    t = extract_lines(lines)  # §5 damage is what the extractor copes with: no error at all
    flagged = {a.line for a in t["anomalies"]}
    printed = {
        "budget": [(table, row) for table in tables if table.kind == "budget" for row in table.rows],
        "staffing": [(table, row) for table in tables if table.kind == "staffing" for row in table.rows],
    }
    for name, attrs, kind in (("budget_lines", BUDGET_ATTRS, "budget"), ("staffing_lines", STAFF_ATTRS, "staffing")):
        got = rows_in_order(t, name)
        assert len(got) == len(printed[kind]), f"{name}: {len(got)} rows for {len(printed[kind])} printed"
        for row, (table, cells) in zip(got, printed[kind]):
            if table.dropped is not None:
                assert row.line in flagged, f"{name} line {row.line}: a cell is missing and nothing says so"
            for k, (raw_attr, value_attr, cell_kind) in enumerate(attrs):
                value, raw = getattr(row, value_attr), getattr(row, raw_attr)
                if value is None:
                    assert raw is None and row.line in flagged, f"{name} line {row.line}: {value_attr} silently null"
                elif not strict and table.dropped is not None and raw != cells[k]:
                    assert raw in row.raw_text.split() and value == read(raw, cell_kind)
                else:  # a dropped cell may be read from its neighbour only when both printed the same value
                    assert raw == cells[k], (
                        f"{name} line {row.line}: {value_attr} read from {raw!r}, printed {cells[k]!r}"
                    )
                    assert value == read(cells[k], cell_kind), (
                        f"{name} line {row.line}: {value_attr} {value} != {cells[k]}"
                    )


@SLOW
@given(reports(drop=False))
def test_damage_of_section_5_never_changes_a_value_silently(report):
    check_values(report, strict=True)


@SLOW
@given(reports())
def test_a_dropped_column_is_never_silent(report):
    check_values(report, strict=False)


def goal_plan_action(upper: list[Table], leaf: list[Table]) -> list[str]:
    """A report of one goal, one action plan (each with the `upper` tables) and one action (with `leaf`)."""
    return [
        *FRONT_2024,
        "Beleidsdoelstelling SD10041",
        "",
        "Doel",
        "",
        *(line for t in upper for line in table_lines(t, QUIET)),
        "Actieplan",
        "",
        "OD10075\tTitel\t2020 - 2027\tGroep Gent",
        "",
        *prose(QUIET),
        *(line for t in upper for line in table_lines(t, QUIET)),
        *leaf_lines("AC34852", leaf, QUIET),
    ]


def small_report(budget: Table, staffing: Table) -> tuple[list[str], list[Table]]:
    zeros = Table("budget", [budget_cells(0, 0, 0)] * 6)
    staff = Table("staffing", [staffing_cells(Decimal(1), Decimal(1), Decimal(1))])
    return goal_plan_action([zeros, staff], [budget, staffing]), [zeros, staff, zeros, staff, budget, staffing]


QUIET = {
    "gap": "\t",
    "markup": False,
    "misspelt": False,
    "header_lost": False,
    "service": "tab",
    "title_wrapped": False,
    "page_header": False,
    "quoted_code": False,
    "garbage": "",
    "service_typo": False,
}
# Found by hypothesis; both are rows of a table whose actual (or plan) column is not printed.
# 1. Budget 50.000 printed, actual 0 and previous 0: "50.000  0,0%  0  0,0%". The zero-base
#    rule (0,0% for a base of 0) makes "actual = 50.000" fit as well as "budget = 50.000", and
#    the extractor counts it as evidence: it reads actual 50.000, a value nobody printed, and
#    says it placed the cells "by shape and arithmetic".
ZERO_BASE = small_report(
    Table("budget", [budget_cells(50_000, 0, 0)] + [budget_cells(0, 0, 0)] * 5, dropped=1),
    Table("staffing", [staffing_cells(Decimal(1), Decimal(1), Decimal(1))]),
)
# 2. Plan 0,00 not printed, paid 0,01, previous 0,01: "0,01  0,0%  0,01  100,0%" fits "plan =
#    0,01" within the rounding of the percentages; placed by first fit, flagged "ambiguous".
TINY = small_report(
    Table("budget", [budget_cells(0, 0, 0)] * 6),
    Table("staffing", [staffing_cells(Decimal("0.00"), Decimal("0.01"), Decimal("0.01"))], dropped=0),
)


@pytest.mark.xfail(
    strict=False,
    reason="KNOWN GAP (see issue 9 note): with a whole column not printed, a table whose "
    "only decided row is itself a zero-base reading can still place a cell in the wrong column of "
    "the other rows (flagged missing_cell, not silent); rows with no evidence at all are now null",
)
@SLOW
@example(ZERO_BASE)
@example(TINY)
@given(reports())
def test_a_dropped_column_never_changes_a_value(report):
    check_values(report, strict=True)


# ------------------------------------------------------------------ 3. arbitrary damage


@st.composite
def mutated(draw):
    lines, _ = draw(reports())
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "double", "swap", "cut", "insert", "garble", "untab"]))
        if op == "delete":
            del lines[i]
        elif op == "double":
            lines.insert(i, lines[i])
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op == "cut":
            lines[i] = lines[i][: draw(st.integers(0, max(0, len(lines[i]))))]
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=40)))
        elif op == "garble" and lines[i]:
            k = draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:k] + draw(st.text(min_size=1, max_size=3)) + lines[i][k + 1 :]
        elif op == "untab":
            lines[i] = lines[i].replace("\t", " ")
        if not lines:
            lines.append("")
    return lines


@SLOW
@given(mutated())
def test_arbitrary_damage_never_crashes_and_every_value_is_its_printed_cell(lines):
    try:
        t = extract_lines(lines)
    except ExtractionError as exc:
        assert exc.reason
        return
    flagged = {a.line for a in t["anomalies"]}
    for name, attrs in (("budget_lines", BUDGET_ATTRS), ("staffing_lines", STAFF_ATTRS)):
        for row in t[name]:
            tokens = row.raw_text.split()
            for raw_attr, value_attr, kind in attrs:
                raw, value = getattr(row, raw_attr), getattr(row, value_attr)
                if raw is None:
                    assert value is None and row.line in flagged, (name, row.line, value_attr)
                else:
                    assert raw in tokens, f"{name} line {row.line}: {raw!r} is not printed on its row {row.raw_text!r}"
                    assert value == read(raw, kind), (name, row.line, raw, value)


def test_the_generator_makes_reports_the_extractor_reads_whole():
    """The generated report without damage reads back exactly: the properties above test damage, not the generator."""
    b = Table("budget", [budget_cells(1_158_616, 1_230_000, 1_178_695)] + [budget_cells(0, 0, 0)] * 5)
    s = Table("staffing", [staffing_cells(Decimal("15.30"), Decimal("15.37"), Decimal("16.08"))])
    t = extract_lines(goal_plan_action([b, s], [b, s]))
    assert [n.code for n in t["nodes"]] == ["SD10041", "OD10075", "AC34852"]
    assert len(t["budget_lines"]) == 18 and len(t["staffing_lines"]) == 3
    first = rows_in_order(t, "budget_lines")[0]
    assert (first.budget, first.actual, first.execution_pct, first.actual_prev, first.change_pct) == (
        1158616,
        1230000,
        Decimal("106.2"),
        1178695,
        Decimal("104.4"),
    )
    assert not [a for a in t["anomalies"] if a.kind not in ("title_wrapped",)]


@pytest.mark.parametrize("dropped", range(5))
def test_a_dropped_column_example(dropped):
    """Each column dropped from a table of real-sized amounts (001:L53-like): read exactly, the rest null."""
    b = Table(
        "budget",
        [budget_cells(11_968_763, 12_000_000, 12_969_510), budget_cells(469_401, 560_000, 654_825)]
        + [budget_cells(0, 0, 0)] * 4,
        dropped,
    )
    check_values(
        small_report(b, Table("staffing", [staffing_cells(Decimal("15.30"), Decimal("15.37"), Decimal("16.08"))])),
        strict=True,
    )
