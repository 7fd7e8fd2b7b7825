"""The overview report: one static, self-contained HTML page built from the warehouse marts.

`build_report(database, out_dir)` reads the warehouse read-only and writes `out_dir/index.html`
atomically. The page needs nothing but a browser and the file system: no scripts, no external
CSS, fonts or images (a Content-Security-Policy forbids them); the charts are inline SVG drawn
here, each with a title and a data table as fallback.

What it shows, per report:

* execution rate (% besteding) of operating expenditure per policy goal and action plan, with
  the 100% line (2021 goal totals are not printed: derived from their plans, and labelled so);
* the top 10 conformed actions by actual operating expenditure per fiscal year (Stad and OCMW
  shares of a pair added, split in the bar);
* planned vs paid staffing (VTE) per goal (a report without staffing tables says so: never 0);
* the reconciliation status (parent vs Σ children) counts per report, and every gap;
* data-quality KPIs: reports, blocks, tables extracted vs table markers counted in the text,
  anomalies by kind, gaps.

Every figure and row links to its source as "file name, p. N" (or "file name, line N" when the
source was a text dump without pages); the link carries `data-document`, `data-page` and
`data-line`. Numbers are shown Belgian style (1.234.567 €, 91,7%) and their values are in
`data-value` attributes (plain decimal notation). Same warehouse in, same bytes out.

CLI: `python -m serving.report --database warehouse/gent.duckdb --out warehouse/report`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from pathlib import Path

import duckdb

REPORT_FILE = "index.html"
OPEX = ("exploitatie", "uitgaven")  # operating expenditure: the category/direction the page charts

# ----------------------------------------------------------------------------- formatting


def _dec(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def number(value, decimals: int = 0) -> str:
    """Belgian style: '.' for thousands, ',' for decimals: 1.234.567 / 1.097,07 / -18,4."""
    d = _dec(value)
    if d is None:
        return "–"
    d = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{d:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def eur(value) -> str:
    return "–" if value is None else f"{number(value)} €"


def pct(value) -> str:
    return "–" if value is None else f"{number(value, 1)}%"


def fte(value) -> str:
    return "–" if value is None else number(value, 2)


def raw_value(value, decimals: int | None = None) -> str:
    """The value for a data-value attribute: plain decimal notation, '' for null."""
    d = _dec(value)
    if d is None:
        return ""
    if decimals is not None:
        d = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{d:f}"


def ratio_pct(numerator, denominator) -> Decimal | None:
    """numerator / denominator × 100, one decimal (half up); null for a zero or null denominator."""
    n, d = _dec(numerator), _dec(denominator)
    if n is None or d is None or d == 0:
        return None
    return (n * 100 / d).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _f(x: float) -> str:
    """An SVG coordinate, fixed precision so the output is byte-stable."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(**attrs) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(name if value is True else f'{name}="{escape(str(value), quote=True)}"')
    return (" " + " ".join(parts)) if parts else ""


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ----------------------------------------------------------------------------- sources


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

    def link(self, src: Source) -> str:
        return (
            f'<a class="src"{_attrs(href=self.href(src), data_document=src.doc.file_name, data_page=src.page, data_line=src.line)}>'
            f"{escape(src.text)}</a>"
        )


# ----------------------------------------------------------------------------- data


@dataclass
class ExecRow:
    doc: Doc
    level: str  # goal or action_plan
    code: str
    goal_code: str
    title: str | None
    budget: Decimal | None
    actual: Decimal | None
    rate: Decimal | None  # printed execution %, or derived when the report prints no total
    rate_printed: bool
    source: Source


@dataclass
class TopRow:
    fiscal_year: int
    rank: int
    codes: str
    title: str | None
    plan_code: str | None
    service: str | None
    actual: Decimal | None
    budget: Decimal | None
    by_entity: list[tuple[str, Decimal]]
    is_intra_group: bool
    unprinted_cells: int
    members: list[tuple[str, Source]] = field(default_factory=list)  # (leaf code or node id, source)


@dataclass
class FteRow:
    doc: Doc
    goal_code: str
    title: str | None
    plan: Decimal | None
    paid: Decimal | None
    plan_leaves: Decimal | None
    paid_leaves: Decimal | None
    status: str  # reconciliation status of the paid metric, or not_reported
    source: Source


@dataclass
class GapRow:
    doc: Doc
    parent_code: str
    parent_level: str
    metric: str
    category: str
    direction: str
    unit: str
    value_year: int | None
    printed: Decimal | None
    children_sum: Decimal | None
    difference: Decimal | None
    tolerance: Decimal | None
    child_count: int
    source: Source


@dataclass
class Data:
    docs: list[Doc]
    execution: list[ExecRow]
    top: dict[int, list[TopRow]]
    fte: list[FteRow]
    statuses: dict[str, dict[str, int]]  # document_id -> status -> count
    gaps: list[GapRow]
    tables: dict[str, int]  # document_id -> tables extracted
    anomalies: dict[str, dict[str, int]]  # document_id -> kind -> count


def _rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def load(con: duckdb.DuckDBPyConnection) -> Data:
    docs = [
        Doc(**r)
        for r in _rows(
            con,
            """
        select document_id, file_name, source_format, document_title as title, theme, report_year,
               previous_year, layout, page_count, line_count, table_markers, node_count, leaf_count,
               header_lost_count, anomaly_count, has_staffing_tables
        from marts.dim_document
        order by report_year desc nulls last, file_name, document_id""",
        )
    ]
    by_id = {d.document_id: d for d in docs}

    def src(r: dict) -> Source:
        return Source(by_id[r["document_id"]], r["page"], r["line"])

    # execution rate per goal and plan: the printed totals, and for goals whose report prints
    # none (2021) the totals derived from their plans in rpt_reconciliation
    execution = []
    for r in _rows(
        con,
        """
        with printed as (
            select r.document_id, r.node_level as level, r.node_code as code, r.goal_code,
                   r.budget_eur as budget, r.actual_eur as actual, r.execution_pct_printed as rate,
                   true as rate_printed, r.page, r.line
            from marts.fct_spending_reported as r
            where r.node_level in ('goal', 'action_plan') and r.category = ? and r.direction = ?
        ),
        derived as (
            select document_id, 'goal' as level, parent_code as code, goal_code,
                   max(derived_value) filter (where metric = 'budget') as budget,
                   max(derived_value) filter (where metric = 'actual') as actual,
                   null::decimal(12, 1) as rate, false as rate_printed, min(page) as page, min(line) as line
            from marts.rpt_reconciliation
            where parent_level = 'goal' and is_derived and category = ? and direction = ?
              and metric in ('budget', 'actual')
            group by document_id, parent_code, goal_code
        ),
        nodes as (
            select * from printed
            union all
            select * from derived
            where not exists (select 1 from printed p where p.document_id = derived.document_id
                                and p.level = 'goal' and p.code = derived.code)
        )
        select n.*, coalesce(g.goal_title, '') as goal_title, p.action_plan_title,
               min(n.page) over (partition by n.document_id, n.goal_code) as goal_page,
               min(n.line) filter (where n.level = 'goal') over (partition by n.document_id, n.goal_code) as goal_line
        from nodes as n
        left join marts.dim_policy_goal as g on g.goal_code = n.goal_code
        left join marts.dim_action_plan as p on n.level = 'action_plan' and p.action_plan_code = n.code
        order by n.document_id, goal_page nulls last, goal_line nulls last, n.goal_code,
                 n.level = 'action_plan', n.page nulls last, n.line nulls last, n.code""",
        [*OPEX, *OPEX],
    ):
        rate = r["rate"] if r["rate_printed"] else ratio_pct(r["actual"], r["budget"])
        title = r["goal_title"] if r["level"] == "goal" else r["action_plan_title"]
        execution.append(
            ExecRow(
                by_id[r["document_id"]],
                r["level"],
                r["code"],
                r["goal_code"],
                title,
                _dec(r["budget"]),
                _dec(r["actual"]),
                _dec(rate),
                r["rate_printed"],
                src(r),
            )
        )
    # the documents in the order of the page, goals in document order within each
    order = {d.document_id: i for i, d in enumerate(docs)}
    execution.sort(key=lambda e: order[e.doc.document_id])

    # top 10 conformed actions by actual operating expenditure, per fiscal year
    top: dict[int, list[TopRow]] = {}
    ranked = _rows(
        con,
        """
        with per_action as (
            select f.action_key, f.fiscal_year, sum(f.actual_eur) as actual, sum(f.budget_eur) as budget,
                   bool_or(f.is_intra_group) as is_intra_group,
                   count(*) filter (where f.actual_eur is null) as unprinted_cells
            from marts.fct_spending as f
            where f.category = ? and f.direction = ?
            group by f.action_key, f.fiscal_year
        ),
        ranked as (
            select p.*, a.codes, a.title_printed, a.action_plan_code, s.service_name,
                   row_number() over (partition by p.fiscal_year
                                      order by p.actual desc nulls last, a.codes, p.action_key) as rank
            from per_action as p
            join marts.dim_action as a on a.action_key = p.action_key
            left join marts.dim_service as s on s.service_key = a.service_key
        )
        select * from ranked where rank <= 10 and actual is not null
        order by fiscal_year desc, rank""",
        list(OPEX),
    )
    members = _rows(
        con,
        """
        select f.action_key, f.fiscal_year, f.entity_code, f.node_id as code,
               f.actual_eur, f.document_id, f.page, f.line
        from marts.fct_spending as f
        where f.category = ? and f.direction = ?
        order by f.action_key, f.fiscal_year, f.entity_code, code, f.document_id, f.page nulls last, f.line""",
        list(OPEX),
    )
    member_map: dict[tuple, list[dict]] = {}
    for m in members:
        member_map.setdefault((m["action_key"], m["fiscal_year"]), []).append(m)
    entity_order = {"stad": 0, "ocmw": 1, "district09": 2, "unknown": 3}
    for r in ranked:
        mem = member_map.get((r["action_key"], r["fiscal_year"]), [])
        shares: dict[str, Decimal] = {}
        for m in mem:
            if m["actual_eur"] is not None:
                shares[m["entity_code"]] = shares.get(m["entity_code"], Decimal(0)) + _dec(m["actual_eur"])
        top.setdefault(r["fiscal_year"], []).append(
            TopRow(
                r["fiscal_year"],
                r["rank"],
                r["codes"],
                r["title_printed"],
                r["action_plan_code"],
                r["service_name"],
                _dec(r["actual"]),
                _dec(r["budget"]),
                sorted(shares.items(), key=lambda kv: (entity_order.get(kv[0], 9), kv[0])),
                bool(r["is_intra_group"]),
                r["unprinted_cells"],
                [(m["code"], src(m)) for m in mem],
            )
        )

    # planned vs paid VTE per goal: the printed goal totals (reconciliation rows carry them with
    # their status), next to the sum over the goal's leaves
    fte_rows = []
    for r in _rows(
        con,
        """
        with goal as (
            select document_id, goal_key, parent_code as goal_code,
                   max(printed_value) filter (where metric = 'plan_fte') as plan,
                   max(printed_value) filter (where metric = 'paid_fte') as paid,
                   max(status) filter (where metric = 'paid_fte') as status,
                   min(page) as page, min(line) as line
            from marts.rpt_reconciliation
            where parent_level = 'goal' and metric in ('plan_fte', 'paid_fte')
            group by document_id, goal_key, parent_code
        ),
        leaves as (
            select document_id, goal_key, sum(plan_fte) as plan_leaves, sum(paid_fte) as paid_leaves
            from marts.fct_staffing group by document_id, goal_key
        )
        select g.*, l.plan_leaves, l.paid_leaves, d.goal_title
        from goal as g
        left join leaves as l using (document_id, goal_key)
        left join marts.dim_policy_goal as d on d.goal_key = g.goal_key
        order by g.document_id, g.page nulls last, g.line nulls last, g.goal_code""",
    ):
        fte_rows.append(
            FteRow(
                by_id[r["document_id"]],
                r["goal_code"],
                r["goal_title"],
                _dec(r["plan"]),
                _dec(r["paid"]),
                _dec(r["plan_leaves"]),
                _dec(r["paid_leaves"]),
                r["status"],
                src(r),
            )
        )
    fte_rows.sort(key=lambda e: order[e.doc.document_id])

    statuses: dict[str, dict[str, int]] = {d.document_id: {} for d in docs}
    for r in _rows(
        con,
        """select document_id, status, count(*) as n from marts.rpt_reconciliation
                           group by all order by document_id, status""",
    ):
        statuses.setdefault(r["document_id"], {})[r["status"]] = r["n"]

    gaps = [
        GapRow(
            by_id[r["document_id"]],
            r["parent_code"],
            r["parent_level"],
            r["metric"],
            r["category"],
            r["direction"],
            r["unit"],
            r["value_year"],
            _dec(r["printed_value"]),
            _dec(r["children_sum"]),
            _dec(r["difference"]),
            _dec(r["tolerance"]),
            r["child_count"],
            src(r),
        )
        for r in _rows(
            con,
            """
                select * from marts.rpt_reconciliation where status = 'gap'
                order by document_id, page nulls last, line nulls last, parent_code, unit, metric, category,
                         direction desc""",
        )
    ]
    gaps.sort(key=lambda g: order[g.doc.document_id])

    tables = {
        r["document_id"]: r["n"]
        for r in _rows(
            con,
            """
        select document_id, count(distinct table_no) as n from (
            select document_id, table_no from marts.fct_spending_reported
            union all
            select document_id, table_no from marts.fct_staffing_reported)
        group by document_id order by document_id""",
        )
    }

    anomalies: dict[str, dict[str, int]] = {d.document_id: {} for d in docs}
    for r in _rows(
        con, "select document_id, kind, count(*) as n from raw.anomalies group by all order by document_id, kind"
    ):
        if r["document_id"] in anomalies:
            anomalies[r["document_id"]][r["kind"]] = r["n"]
    return Data(docs, execution, top, fte_rows, statuses, gaps, tables, anomalies)


# ----------------------------------------------------------------------------- SVG charts

WIDTH = 960
LABEL_W = 360
BAR_X0 = LABEL_W + 10
BAR_W = 430
FONT = 12

STATUS_COLOURS = {
    "exact": "#2f855a",
    "rounding": "#9ae6b4",
    "gap": "#c53030",
    "not_printed": "#dd6b20",
    "derived": "#3182ce",
    "not_reported": "#a0aec0",
}
STATUS_ORDER = ("exact", "rounding", "gap", "not_printed", "derived", "not_reported")
STATUS_LABELS = {
    "exact": "exact",
    "rounding": "rounding",
    "gap": "gap",
    "not_printed": "not printed",
    "derived": "derived",
    "not_reported": "not reported",
}
ENTITY_COLOURS = {"stad": "#2b6cb0", "ocmw": "#805ad5", "district09": "#319795", "unknown": "#718096"}
ENTITY_LABELS = {
    "stad": "Stad Gent",
    "ocmw": "OCMW Gent",
    "district09": "District09",
    "unknown": "unknown (header lost)",
}
KIND_PALETTE = (
    "#2b6cb0",
    "#dd6b20",
    "#38a169",
    "#c53030",
    "#805ad5",
    "#d69e2e",
    "#319795",
    "#d53f8c",
    "#718096",
    "#2c5282",
    "#9c4221",
    "#276749",
)


class Svg:
    """A chart: an accessible inline SVG (role img, <title>, <desc>) built line by line."""

    def __init__(self, chart_id: str, title: str, desc: str, height: float):
        self.id, self.title, self.desc, self.height = chart_id, title, desc, height
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text)

    def text(
        self, x, y, content: str, *, anchor: str = "start", cls: str | None = None, weight: str | None = None
    ) -> None:
        self.add(
            f'<text x="{_f(x)}" y="{_f(y)}"{_attrs(text_anchor=None if anchor == "start" else anchor, class_=cls, font_weight=weight)}>'
            f"{escape(content)}</text>"
        )

    def label(self, x, y, content: str, *, weight: str | None = None) -> None:
        """A row label, clipped to the label column (font metrics differ between systems)."""
        self.add(
            f'<text x="{_f(x)}" y="{_f(y)}" clip-path="url(#{self.id}-clip)"{_attrs(font_weight=weight)}>{escape(content)}</text>'
        )

    def render(self) -> str:
        head = (
            f'<svg id="{self.id}" class="chart" role="img" aria-labelledby="{self.id}-title {self.id}-desc" '
            f'viewBox="0 0 {WIDTH} {_f(self.height)}" width="{WIDTH}" height="{_f(self.height)}" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">'
            f'<title id="{self.id}-title">{escape(self.title)}</title>'
            f'<desc id="{self.id}-desc">{escape(self.desc)}</desc>'
            f'<defs><clipPath id="{self.id}-clip"><rect x="0" y="0" width="{LABEL_W}" height="{_f(self.height)}"/></clipPath></defs>'
        )
        return "\n".join([head, *self.parts, "</svg>"])


def _legend(svg: Svg, items: list[tuple[str, str]], y: float, x: float = BAR_X0) -> None:
    for label, colour in items:
        svg.add(f'<rect x="{_f(x)}" y="{_f(y - 10)}" width="12" height="12" fill="{colour}"/>')
        svg.text(x + 16, y, label)
        x += 16 + 7 * len(label) + 18


def _scale_max(values, floor: float, step: float) -> float:
    top = max([float(v) for v in values if v is not None] + [floor])
    return step * -(-top // step)


def execution_scale(rows: list[ExecRow]) -> float:
    """One scale for every execution chart (comparable across reports): up to 200%, beyond that clipped."""
    return min(_scale_max([r.rate for r in rows if r.budget], 110, 25), 200.0)


def execution_chart(chart_id: str, rows: list[ExecRow], linker: Linker, doc: Doc, scale: float) -> str:
    row_h, top = 20, 40
    svg = Svg(
        chart_id,
        f"Execution rate of operating expenditure per goal and action plan — {doc.label}",
        "Horizontal bars: actual / budget × 100 (% besteding) of operating expenditure (exploitatie uitgaven) "
        "per policy goal (bold) and its action plans; the dashed line marks 100%. Each bar links to its source.",
        top + row_h * len(rows) + 12,
    )
    x_of = lambda v: BAR_X0 + BAR_W * min(float(v), scale) / scale  # noqa: E731
    _legend(svg, [("below 100%", "#3182ce"), ("above 100%", "#dd6b20"), ("derived (total not printed)", "#a0aec0")], 14)
    tick = 25 if scale <= 150 else 50
    for t in range(0, int(scale) + 1, tick):
        svg.add(f'<line x1="{_f(x_of(t))}" y1="{top - 6}" x2="{_f(x_of(t))}" y2="{_f(svg.height - 8)}" class="grid"/>')
        svg.text(x_of(t), top - 9, f"{t}%", anchor="middle", cls="axis")
    for i, r in enumerate(rows):
        y = top + i * row_h
        goal = r.level == "goal"
        label = f"{r.code} {_short(r.title, 34 if goal else 42)}"
        tip = (
            f"{r.code} {r.title or ''} — {pct(r.rate)}{'' if r.rate_printed else ' (derived)'}; actual {eur(r.actual)} "
            f"of budget {eur(r.budget)} — {r.source.text}"
        )
        svg.add(
            f"<a{_attrs(href=linker.href(r.source), class_='bar', data_figure='execution', data_code=r.code, data_value=raw_value(r.rate))}>"
            f"<title>{escape(tip)}</title>"
        )
        svg.label(8 if goal else 22, y + 14, label, weight="bold" if goal else None)
        if r.rate is not None and r.budget:
            colour = "#a0aec0" if not r.rate_printed else "#dd6b20" if r.rate > 100 else "#3182ce"
            w = x_of(r.rate) - BAR_X0
            svg.add(f'<rect x="{BAR_X0}" y="{y + 3}" width="{_f(max(w, 1))}" height="14" fill="{colour}"/>')
            more = "»" if float(r.rate) > scale else ""
            svg.text(BAR_X0 + w + 4, y + 14, f"{pct(r.rate)}{more}", cls="val")
        else:
            svg.text(BAR_X0 + 4, y + 14, "no rate (budget 0)" if r.budget == 0 else "not printed", cls="na")
        svg.add("</a>")
    x100 = x_of(100)
    svg.add(f'<line x1="{_f(x100)}" y1="{top - 4}" x2="{_f(x100)}" y2="{_f(svg.height - 6)}" class="ref"/>')
    return svg.render()


def top_chart(chart_id: str, rows: list[TopRow], linker: Linker, year: int) -> str:
    row_h, top = 24, 40
    scale = _scale_max([max(r.actual or 0, r.budget or 0) for r in rows], 1, 1_000_000)
    svg = Svg(
        chart_id,
        f"Top 10 actions by actual operating expenditure, {year}",
        "Horizontal bars: actual operating expenditure (jaarrekening, exploitatie uitgaven) of the ten largest "
        "conformed actions; a Stad/OCMW pair counts once, its bar split by entity; the black tick is the budget.",
        top + row_h * len(rows) + 12,
    )
    x_of = lambda v: BAR_X0 + BAR_W * float(v) / scale  # noqa: E731
    entities = sorted(
        {e for r in rows for e, _ in r.by_entity},
        key=lambda e: list(ENTITY_COLOURS).index(e) if e in ENTITY_COLOURS else 9,
    )
    _legend(
        svg,
        [(ENTITY_LABELS.get(e, e), ENTITY_COLOURS.get(e, "#718096")) for e in entities] + [("budget", "#1a202c")],
        14,
    )
    for i, r in enumerate(rows):
        y = top + i * row_h
        tip = (
            f"{r.rank}. {r.codes} {r.title or ''} — actual {eur(r.actual)}, budget {eur(r.budget)}"
            + "".join(f"; {ENTITY_LABELS.get(e, e)} {eur(v)}" for e, v in r.by_entity)
            + " — "
            + "; ".join(f"{code}: {s.text}" for code, s in r.members)
        )
        svg.add(
            f"<a{_attrs(href=linker.href(r.members[0][1]) if r.members else None, class_='bar', data_figure='top-actions', data_code=r.codes, data_value=raw_value(r.actual))}>"
            f"<title>{escape(tip)}</title>"
        )
        svg.label(8, y + 16, f"{r.rank}. {_short(r.codes, 22)} {_short(r.title, 48 - min(len(r.codes), 22))}")
        x = BAR_X0
        for entity, value in r.by_entity:
            w = BAR_W * float(value) / scale
            svg.add(
                f'<rect x="{_f(x)}" y="{y + 4}" width="{_f(max(w, 0.5))}" height="16" fill="{ENTITY_COLOURS.get(entity, "#718096")}"/>'
            )
            x += w
        if r.budget is not None:
            bx = x_of(r.budget)
            svg.add(f'<line x1="{_f(bx)}" y1="{y + 1}" x2="{_f(bx)}" y2="{y + 23}" class="budget"/>')
        svg.text(max(x, x_of(r.budget or 0)) + 6, y + 17, eur(r.actual), cls="val")
        svg.add("</a>")
    return svg.render()


def paired_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: list[dict],
    legend: tuple[str, str],
    colours=("#90cdf4", "#2b6cb0"),
    scale: float | None = None,
    bar_w: float = 300,
) -> str:
    """rows: label, a, b, note, href, figure, code, value, tip; the note is written after the bars."""
    row_h, top = 28, 40
    scale = scale or _scale_max([v for r in rows for v in (r["a"], r["b"])], 1, 10)
    svg = Svg(chart_id, title, desc, top + row_h * len(rows) + 12)
    _legend(svg, [(legend[0], colours[0]), (legend[1], colours[1])], 14)
    for i, r in enumerate(rows):
        y = top + i * row_h
        svg.add(
            f"<a{_attrs(href=r['href'], class_='bar', data_figure=r['figure'], data_code=r['code'], data_value=r['value'])}>"
            f"<title>{escape(r['tip'])}</title>"
        )
        svg.label(8, y + 17, _short(r["label"], 50))
        if r["a"] is None and r["b"] is None:
            svg.text(BAR_X0 + 4, y + 17, r["note"], cls="na")
        else:
            for j, (v, colour) in enumerate(zip((r["a"], r["b"]), colours)):
                w = bar_w * float(v or 0) / scale
                svg.add(
                    f'<rect x="{BAR_X0}" y="{y + 3 + 11 * j}" width="{_f(max(w, 0.5))}" height="10" fill="{colour}"/>'
                )
            end = BAR_X0 + bar_w * float(max(r["a"] or 0, r["b"] or 0)) / scale
            svg.text(end + 6, y + 17, r["note"], cls="val")
        svg.add("</a>")
    return svg.render()


def stacked_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: list[dict],
    order: list[str],
    colours: dict[str, str],
    labels: dict[str, str],
    figure: str,
) -> str:
    """rows: label, href, code, segments {key: count}; absolute counts on one scale."""
    row_h = 30
    legend_items = [(labels.get(k, k), colours[k]) for k in order]
    # the legend wraps over lines of at most the chart width
    lines, line, x = [], [], BAR_X0
    for label, colour in legend_items:
        w = 16 + 7 * len(label) + 18
        if line and x + w > WIDTH:
            lines.append(line)
            line, x = [], BAR_X0
        line.append((label, colour))
        x += w
    if line:
        lines.append(line)
    top = 20 + 18 * len(lines)
    scale = max([sum(r["segments"].values()) for r in rows] + [1])
    svg = Svg(chart_id, title, desc, top + row_h * len(rows) + 8)
    for n, items in enumerate(lines):
        _legend(svg, items, 14 + 18 * n)
    for i, r in enumerate(rows):
        y = top + i * row_h
        total = sum(r["segments"].values())
        tip = f"{r['label']}: " + ", ".join(
            f"{labels.get(k, k)} {r['segments'][k]}" for k in order if r["segments"].get(k)
        )
        svg.add(
            f"<a{_attrs(href=r['href'], class_='bar', data_figure=figure, data_code=r['code'], data_value=total)}>"
            f"<title>{escape(tip)}</title>"
        )
        svg.label(8, y + 18, _short(r["label"], 50))
        x = BAR_X0
        for k in order:
            n = r["segments"].get(k, 0)
            if not n:
                continue
            w = BAR_W * n / scale
            svg.add(
                f"<rect{_attrs(x=_f(x), y=y + 4, width=_f(max(w, 1)), height=20, fill=colours[k], data_key=k, data_value=n)}/>"
            )
            if w >= 8 * len(str(n)) + 4:
                svg.text(x + w / 2, y + 18, str(n), anchor="middle", cls="seg-dark" if k in ("rounding",) else "seg")
            x += w
        svg.text(x + 6, y + 18, number(total), cls="val")
        svg.add("</a>")
    return svg.render()


# ----------------------------------------------------------------------------- HTML

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
       margin: 0 auto; max-width: 1000px; padding: 1rem 1.25rem 3rem; color: #1a202c; background: #fff; line-height: 1.4; }
h1 { font-size: 1.6rem; margin: .5rem 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .4rem; border-bottom: 2px solid #e2e8f0; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .3rem; }
p.lead, p.note { color: #4a5568; margin: .3rem 0 .6rem; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; margin: .6rem 0; }
a { color: #2b6cb0; }
a.src { white-space: nowrap; font-size: .85em; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: .6rem; margin: 1rem 0; }
.kpi { border: 1px solid #e2e8f0; border-radius: 6px; padding: .6rem .8rem; background: #f7fafc; }
.kpi .v { font-size: 1.4rem; font-weight: 700; display: block; white-space: nowrap; }
.kpi a { font-size: .8rem; }
.kpi .l { color: #4a5568; font-size: .85rem; }
figure { margin: 1rem 0 1.6rem; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg.chart { max-width: 100%; height: auto; display: block; background: #fff; }
svg .axis { fill: #718096; font-size: 11px; }
svg .val { fill: #1a202c; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg .na { fill: #718096; font-style: italic; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .seg { fill: #fff; font-size: 11px; }
svg .seg-dark { fill: #1a202c; font-size: 11px; }
svg .grid { stroke: #edf2f7; stroke-width: 1; }
svg .ref { stroke: #c53030; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg .budget { stroke: #1a202c; stroke-width: 2; }
svg a.bar { text-decoration: none; }
svg a.bar:hover rect, svg a.bar:focus rect { opacity: .8; }
svg a.bar:hover text { text-decoration: underline; }
details { margin: .4rem 0; }
summary { cursor: pointer; color: #2b6cb0; }
table { border-collapse: collapse; font-size: .85rem; margin: .4rem 0; width: 100%; }
th, td { border-bottom: 1px solid #e2e8f0; padding: .2rem .4rem; text-align: left; vertical-align: top; }
th { background: #f7fafc; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.goal td { font-weight: 600; }
.status { display: inline-block; padding: 0 .35rem; border-radius: 3px; font-size: .8em; color: #fff; }
p.not-reported { color: #4a5568; font-style: italic; border-left: 4px solid #a0aec0; padding: .3rem .6rem; background: #f7fafc; }
code.sha { word-break: break-all; font-size: .8em; }
footer { margin-top: 2.5rem; color: #718096; font-size: .8rem; }
"""


def _table(headers: list[tuple[str, bool]], rows: list[str], caption: str) -> str:
    head = "".join(
        f'<th scope="col"{_attrs(class_="n" if numeric else None)}>{escape(h)}</th>' for h, numeric in headers
    )
    return (
        f'<table><caption class="visually-hidden">{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>"
    )


def _td(text: str, value=None, numeric: bool = True, cls: str | None = None) -> str:
    classes = " ".join(c for c in ("n" if numeric else None, cls) if c)
    return f"<td{_attrs(class_=classes or None, data_value=value)}>{text}</td>"


def _fallback(summary: str, table: str, open_: bool = False) -> str:
    return f"<details{' open' if open_ else ''}><summary>{escape(summary)}</summary>\n{table}\n</details>"


def _doc_heading(doc: Doc, linker: Linker) -> str:
    return (
        f'<h3>{escape(doc.label)} <span class="note">({escape(str(doc.report_year or ""))}, '
        f"{linker.link(Source(doc, None, None))})</span></h3>"
    )


def section_kpis(data: Data, linker: Linker) -> str:
    n_docs = len(data.docs)
    blocks = sum(d.node_count for d in data.docs)
    leaves = sum(d.leaf_count for d in data.docs)
    lost = sum(d.header_lost_count for d in data.docs)
    tables = sum(data.tables.get(d.document_id, 0) for d in data.docs)
    markers = sum(d.table_markers or 0 for d in data.docs)
    anomalies = sum(sum(k.values()) for k in data.anomalies.values())
    checks = sum(sum(s.values()) for s in data.statuses.values())
    gaps = sum(s.get("gap", 0) for s in data.statuses.values())
    tiles = [
        ("reports", n_docs, number(n_docs), "reports in the warehouse", "#sources"),
        (
            "blocks",
            blocks,
            number(blocks),
            f"blocks (goals, plans, actions, projects); {number(leaves)} leaves, {number(lost)} with lost header",
            "#fig-quality-tables",
        ),
        (
            "tables",
            tables,
            f"{number(tables)} / {number(markers)}",
            "tables extracted / table markers counted in the text",
            "#fig-quality-tables",
        ),
        ("anomalies", anomalies, number(anomalies), "anomalies recorded by the extractor", "#fig-quality-anomalies"),
        (
            "gaps",
            gaps,
            number(gaps),
            f"reconciliation gaps, of {number(checks)} checks (parent vs Σ children)",
            "#gaps",
        ),
    ]
    out = ['<div class="kpis">']
    for key, value, shown, label, href in tiles:
        out.append(
            f'<div class="kpi" data-kpi="{key}" data-value="{value}"><span class="v">{escape(shown)}</span>'
            f'<span class="l">{escape(label)}</span> <a href="{href}">per report</a></div>'
        )
    out.append("</div>")
    return "\n".join(out)


def section_execution(data: Data, linker: Linker) -> str:
    out = [
        '<section id="execution"><h2>Execution rate per goal and action plan</h2>',
        '<p class="lead">Operating expenditure (exploitatie uitgaven): actual (jaarrekening) as a share of the '
        "budget, as printed in the report. Where a report prints no goal totals (District09 2021) the goal rate is "
        "derived from the sum of its plans and shown in grey. Each bar links to its source.</p>",
    ]
    scale = execution_scale(data.execution)
    for doc in data.docs:
        rows = [r for r in data.execution if r.doc is doc]
        if not rows:
            continue
        cid = f"execution-{doc.document_id[:12]}"
        table_rows = []
        for r in rows:
            table_rows.append(
                f"<tr{_attrs(class_='goal' if r.level == 'goal' else None, data_figure='execution', data_document=doc.file_name, data_level=r.level, data_code=r.code)}>"
                f"<td>{escape(r.code)}</td><td>{escape(r.title or '')}</td>"
                + _td(eur(r.budget), raw_value(r.budget))
                + _td(eur(r.actual), raw_value(r.actual))
                + _td(pct(r.rate) + ("" if r.rate_printed else " (derived)"), raw_value(r.rate), cls="rate")
                + f"<td>{linker.link(r.source)}</td></tr>"
            )
        table = _table(
            [
                ("code", False),
                ("title", False),
                ("budget", True),
                ("actual", True),
                ("% execution", True),
                ("source", False),
            ],
            table_rows,
            f"Execution rate per goal and plan — {doc.label}",
        )
        out.append(
            f'<figure id="fig-{cid}" data-figure="execution" data-document="{escape(doc.file_name)}">'
            f"<figcaption>{escape(doc.label)} ({doc.report_year}) — {linker.link(Source(doc, None, None))}</figcaption>\n"
            f"{execution_chart(cid, rows, linker, doc, scale)}\n{_fallback('Data table', table)}</figure>"
        )
    out.append("</section>")
    return "\n".join(out)


def section_top(data: Data, linker: Linker) -> str:
    out = [
        '<section id="top-actions"><h2>Top 10 actions by actual operating expenditure</h2>',
        '<p class="lead">Conformed actions and projects: a Stad/OCMW pair is one action with both shares added '
        "(split by colour). Amounts as printed (jaarrekening, exploitatie uitgaven); cells the report lost are not "
        "counted. Each row links to the budget row of every member leaf.</p>",
    ]
    for year in sorted(data.top, reverse=True):
        rows = data.top[year]
        cid = f"top-actions-{year}"
        table_rows = []
        for r in rows:
            flags = []
            if r.is_intra_group:
                flags.append("intra-group flow")
            if r.unprinted_cells:
                flags.append(f"{r.unprinted_cells} cell(s) not printed")
            table_rows.append(
                f"<tr{_attrs(data_figure='top-actions', data_year=year, data_rank=r.rank, data_code=r.codes)}>"
                + _td(str(r.rank), r.rank)
                + f"<td>{escape(r.codes)}</td><td>{escape(r.title or '')}"
                + (f" <em>({escape(', '.join(flags))})</em>" if flags else "")
                + "</td>"
                + f"<td>{escape(r.plan_code or '')}</td>"
                + _td(eur(r.actual), raw_value(r.actual))
                + _td(eur(r.budget), raw_value(r.budget))
                + _td(pct(ratio_pct(r.actual, r.budget)), raw_value(ratio_pct(r.actual, r.budget)))
                + "<td>"
                + "<br>".join(
                    f'<span data-leaf="{escape(code)}">{escape(code)}: {linker.link(s)}</span>' for code, s in r.members
                )
                + "</td></tr>"
            )
        table = _table(
            [
                ("#", True),
                ("codes", False),
                ("title", False),
                ("plan", False),
                ("actual", True),
                ("budget", True),
                ("% execution", True),
                ("source", False),
            ],
            table_rows,
            f"Top 10 actions {year}",
        )
        out.append(
            f'<figure id="fig-{cid}" data-figure="top-actions" data-year="{year}">'
            f"<figcaption>Fiscal year {year}</figcaption>\n{top_chart(cid, rows, linker, year)}\n"
            f"{_fallback('Data table', table)}</figure>"
        )
    out.append("</section>")
    return "\n".join(out)


def section_fte(data: Data, linker: Linker) -> str:
    out = [
        '<section id="staffing"><h2>Planned vs paid staffing (VTE) per goal</h2>',
        '<p class="lead">Full-time equivalents per policy goal as printed in the goal\'s staffing table: plan '
        "(light) and paid (dark). A report without staffing tables says <em>not reported</em>: that is not 0.</p>",
    ]
    scale = _scale_max([v for r in data.fte for v in (r.plan, r.paid)], 1, 50)
    for doc in data.docs:
        rows = [r for r in data.fte if r.doc is doc]
        if not rows:
            continue
        cid = f"staffing-{doc.document_id[:12]}"
        chart_rows, table_rows = [], []
        for r in rows:
            rate = ratio_pct(r.paid, r.plan)
            if r.status == "not_reported":
                note = "not reported (no staffing tables in this report)"
            else:
                note = f"plan {fte(r.plan)} · paid {fte(r.paid)} ({pct(rate)})"
            chart_rows.append(
                dict(
                    label=f"{r.goal_code} {r.title or ''}",
                    a=r.plan,
                    b=r.paid,
                    note=note,
                    href=linker.href(r.source),
                    figure="staffing",
                    code=r.goal_code,
                    value=raw_value(r.paid),
                    tip=f"{r.goal_code} {r.title or ''} — {note} — {r.source.text}",
                )
            )
            table_rows.append(
                f"<tr{_attrs(data_figure='staffing', data_document=doc.file_name, data_code=r.goal_code, data_status=r.status)}>"
                f"<td>{escape(r.goal_code)}</td><td>{escape(r.title or '')}</td>"
                + _td(fte(r.plan), raw_value(r.plan), cls="plan")
                + _td(fte(r.paid), raw_value(r.paid), cls="paid")
                + _td(pct(rate), raw_value(rate))
                + _td(fte(r.plan_leaves), raw_value(r.plan_leaves))
                + _td(fte(r.paid_leaves), raw_value(r.paid_leaves))
                + f"<td>{escape(STATUS_LABELS.get(r.status, r.status or ''))}</td><td>{linker.link(r.source)}</td></tr>"
            )
        if all(r.status == "not_reported" for r in rows):
            chart = (
                f'<p class="not-reported" data-figure="staffing" data-status="not_reported" data-document="{escape(doc.file_name)}">'
                f"Not reported: this report has no staffing tables, for none of its {len(rows)} goals "
                "(null, not 0).</p>"
            )
        else:
            chart = paired_chart(
                cid,
                f"Planned vs paid VTE per goal — {doc.label}",
                "Paired horizontal bars per policy goal: planned VTE (light) and paid VTE (dark), as printed.",
                chart_rows,
                ("plan VTE", "paid VTE"),
                scale=scale,
            )
        table = _table(
            [
                ("goal", False),
                ("title", False),
                ("plan VTE", True),
                ("paid VTE", True),
                ("% paid", True),
                ("plan Σ leaves", True),
                ("paid Σ leaves", True),
                ("reconciliation (paid)", False),
                ("source", False),
            ],
            table_rows,
            f"Planned vs paid VTE per goal — {doc.label}",
        )
        out.append(
            f'<figure id="fig-{cid}" data-figure="staffing" data-document="{escape(doc.file_name)}">'
            f"<figcaption>{escape(doc.label)} ({doc.report_year}) — {linker.link(Source(doc, None, None))}</figcaption>\n"
            f"{chart}\n{_fallback('Data table', table)}</figure>"
        )
    out.append("</section>")
    return "\n".join(out)


def reconciliation_verdict(data: Data) -> str:
    """The reconciliation suite's verdict in the words of the terminal, the UI and the Data Docs."""
    from expectations.runner import verdict

    gaps = sum(s.get("gap", 0) for s in data.statuses.values())
    not_printed = sum(s.get("not_printed", 0) for s in data.statuses.values())
    return verdict(
        "reconciliation",
        "WARN" if gaps or not_printed else "OK",
        {"gaps": gaps, "not_printed_cells": not_printed},
        gaps + not_printed,
    )


def section_reconciliation(data: Data, linker: Linker) -> str:
    out = [
        '<section id="reconciliation"><h2>Reconciliation status</h2>',
        '<p class="lead">Every printed goal and plan total compared with the sum of its children, per metric '
        "(budget, actual, previous year; plan, paid VTE): <em>exact</em>, within <em>rounding</em> tolerance "
        "(½ unit × (n+1)), a real <em>gap</em>, <em>not printed</em>, <em>derived</em> (the report prints no total) "
        "or <em>not reported</em>. Gaps are listed below with their size and location.</p>",
    ]
    present = [s for s in STATUS_ORDER if any(data.statuses.get(d.document_id, {}).get(s) for d in data.docs)]
    rows = [
        dict(
            label=f"{d.file_name} ({d.report_year})",
            href=linker.href(Source(d, None, None)),
            code=d.file_name,
            segments=data.statuses.get(d.document_id, {}),
        )
        for d in data.docs
    ]
    chart = stacked_chart(
        "reconciliation-status",
        "Reconciliation status counts per report",
        "Stacked horizontal bars: number of reconciliation checks per status, one bar per report.",
        rows,
        present,
        STATUS_COLOURS,
        STATUS_LABELS,
        "reconciliation",
    )
    table_rows = []
    for d in data.docs:
        s = data.statuses.get(d.document_id, {})
        table_rows.append(
            f"<tr{_attrs(data_figure='reconciliation', data_document=d.file_name)}>"
            f"<td>{linker.link(Source(d, None, None))}</td>"
            + "".join(_td(number(s.get(k, 0)), s.get(k, 0), cls=f"status-{k}") for k in STATUS_ORDER)
            + _td(number(sum(s.values())), sum(s.values()), cls="total")
            + "</tr>"
        )
    table = _table(
        [("report", False), *[(STATUS_LABELS[k], True) for k in STATUS_ORDER], ("checks", True)],
        table_rows,
        "Reconciliation status counts per report",
    )
    out.append(
        '<figure id="fig-reconciliation-status" data-figure="reconciliation">'
        f"<figcaption>Checks per status and report</figcaption>\n{chart}\n{_fallback('Data table', table)}</figure>"
    )

    out.append(f'<h3 id="gaps">Gaps ({number(len(data.gaps))})</h3>')
    verdict = reconciliation_verdict(data)
    out.append(
        f'<p class="verdict" data-suite="reconciliation" data-severity="{verdict.split()[0]}">'
        f"Quality suite “3. Reconciliation”: {escape(verdict)}</p>"
    )
    if data.gaps:
        out.append(
            '<p class="note">Difference = printed total − Σ children; positive means the parent prints more than '
            "its children add up to. Printed values are never changed.</p>"
        )
        gap_rows = []
        for g in data.gaps:
            fmt = fte if g.unit == "FTE" else eur
            what = f"{g.metric} · {g.category} {g.direction}" if g.unit == "EUR" else g.metric
            gap_rows.append(
                f"<tr{_attrs(data_figure='gap', data_document=g.doc.file_name, data_code=g.parent_code, data_metric=g.metric, data_category=g.category, data_direction=g.direction)}>"
                f"<td>{escape(g.parent_code)}</td><td>{escape(what)}</td><td>{escape(str(g.value_year or ''))}</td>"
                + _td(fmt(g.printed), raw_value(g.printed))
                + _td(fmt(g.children_sum), raw_value(g.children_sum))
                + _td(fmt(g.difference), raw_value(g.difference), cls="difference")
                + _td(
                    fte(g.tolerance)
                    if g.unit == "FTE"
                    else f"{number(g.tolerance, 0 if g.tolerance % 1 == 0 else 1)} €",
                    raw_value(g.tolerance),
                )
                + _td(str(g.child_count), g.child_count)
                + f"<td>{linker.link(g.source)}</td></tr>"
            )
        out.append(
            _table(
                [
                    ("parent", False),
                    ("metric", False),
                    ("year", False),
                    ("printed", True),
                    ("Σ children", True),
                    ("difference", True),
                    ("tolerance", True),
                    ("children", True),
                    ("source", False),
                ],
                gap_rows,
                "Reconciliation gaps",
            )
        )
    else:
        out.append('<p class="note">No gaps: every printed total agrees with its children within rounding.</p>')
    out.append("</section>")
    return "\n".join(out)


def section_quality(data: Data, linker: Linker) -> str:
    out = [
        '<section id="quality"><h2>Data quality</h2>',
        '<p class="lead">Per report: the tables the extractor read against the table markers counted '
        "independently in the text, the blocks, and the anomalies recorded (damage found and handled).</p>",
    ]
    chart_rows, table_rows = [], []
    for d in data.docs:
        tables, markers = data.tables.get(d.document_id, 0), d.table_markers
        src = Source(d, None, None)
        ok = "all tables read" if tables == markers else f"{number((markers or 0) - tables)} missing"
        chart_rows.append(
            dict(
                label=f"{d.file_name} ({d.report_year})",
                a=markers,
                b=tables,
                note=f"{number(tables)} of {number(markers)} ({ok})",
                href=linker.href(src),
                figure="tables",
                code=d.file_name,
                value=tables,
                tip=f"{d.file_name}: {number(tables)} tables extracted, {number(markers)} markers counted",
            )
        )
        table_rows.append(
            f"<tr{_attrs(data_figure='quality', data_document=d.file_name)}><td>{linker.link(src)}</td>"
            + _td(number(d.page_count) if d.page_count is not None else "–", d.page_count)
            + _td(number(d.line_count), d.line_count)
            + _td(number(d.node_count), d.node_count, cls="blocks")
            + _td(number(d.leaf_count), d.leaf_count)
            + _td(number(d.header_lost_count), d.header_lost_count, cls="header-lost")
            + _td(number(tables), tables, cls="tables")
            + _td(number(markers), markers, cls="markers")
            + _td(
                number(sum(data.anomalies.get(d.document_id, {}).values())),
                sum(data.anomalies.get(d.document_id, {}).values()),
                cls="anomalies",
            )
            + "</tr>"
        )
    chart = paired_chart(
        "quality-tables",
        "Tables extracted vs table markers counted, per report",
        "Paired horizontal bars per report: table markers counted in the text (light) and tables extracted (dark).",
        chart_rows,
        ("table markers", "tables extracted"),
        colours=("#cbd5e0", "#2f855a"),
    )
    table = _table(
        [
            ("report", False),
            ("pages", True),
            ("lines", True),
            ("blocks", True),
            ("leaves", True),
            ("lost headers", True),
            ("tables", True),
            ("markers", True),
            ("anomalies", True),
        ],
        table_rows,
        "Data-quality figures per report",
    )
    out.append(
        '<figure id="fig-quality-tables" data-figure="tables">'
        f"<figcaption>Tables vs markers</figcaption>\n{chart}\n{_fallback('Data table', table, open_=True)}</figure>"
    )

    kinds = sorted({k for a in data.anomalies.values() for k in a})
    colours = {k: KIND_PALETTE[i % len(KIND_PALETTE)] for i, k in enumerate(kinds)}
    labels = {k: k.replace("_", " ") for k in kinds}
    rows = [
        dict(
            label=f"{d.file_name} ({d.report_year})",
            href=linker.href(Source(d, None, None)),
            code=d.file_name,
            segments=data.anomalies.get(d.document_id, {}),
        )
        for d in data.docs
    ]
    chart = stacked_chart(
        "quality-anomalies",
        "Anomalies by kind, per report",
        "Stacked horizontal bars: number of anomalies the extractor recorded, by kind, one bar per report.",
        rows,
        kinds,
        colours,
        labels,
        "anomalies",
    )
    a_rows = []
    for k in kinds:
        a_rows.append(
            f"<tr{_attrs(data_figure='anomalies', data_kind=k)}><td>{escape(labels[k])}</td>"
            + "".join(
                _td(
                    number(data.anomalies.get(d.document_id, {}).get(k, 0)),
                    data.anomalies.get(d.document_id, {}).get(k, 0),
                    cls=f"doc-{d.document_id[:12]}",
                )
                for d in data.docs
            )
            + _td(
                number(sum(a.get(k, 0) for a in data.anomalies.values())),
                sum(a.get(k, 0) for a in data.anomalies.values()),
                cls="total",
            )
            + "</tr>"
        )
    table = _table(
        [("kind", False), *[(d.file_name, True) for d in data.docs], ("total", True)], a_rows, "Anomalies by kind"
    )
    out.append(
        '<figure id="fig-quality-anomalies" data-figure="anomalies">'
        f"<figcaption>Anomalies by kind</figcaption>\n{chart}\n{_fallback('Data table', table)}</figure>"
    )
    out.append("</section>")
    return "\n".join(out)


def section_sources(data: Data, linker: Linker) -> str:
    rows = []
    for d in data.docs:
        rows.append(
            f'<tr id="{d.anchor}"{_attrs(data_figure="document", data_document=d.file_name)}>'
            f"<td>{escape(d.file_name)}</td><td>{escape(d.title or '')}</td><td>{escape(str(d.report_year or ''))}</td>"
            f"<td>{escape(d.layout)}</td><td>{escape(d.source_format)}</td>"
            + _td(number(d.page_count) if d.page_count is not None else "–", d.page_count)
            + f'<td><code class="sha">{escape(d.document_id)}</code></td></tr>'
        )
    return (
        '<section id="sources"><h2>Source documents</h2>'
        '<p class="lead">Every figure on this page leads back to one of these documents, by page (PDF) or '
        "line (text dump). The document id is the sha256 of the file.</p>\n"
        + _table(
            [
                ("file", False),
                ("title", False),
                ("year", False),
                ("layout", False),
                ("format", False),
                ("pages", True),
                ("document id (sha256)", False),
            ],
            rows,
            "Source documents",
        )
        + "</section>"
    )


def render(data: Data, linker: Linker) -> str:
    years = sorted({d.report_year for d in data.docs if d.report_year})
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    body = [
        f"<header><h1>Annual accounts of Ghent{' ' + escape(span) if span else ''}: overview</h1>",
        '<p class="lead">Stad Gent, OCMW Gent and District09, from the published annual-account reports '
        "(jaarrekening) in the warehouse. Amounts in euro as printed; Belgian number format.</p>",
        '<nav aria-label="Sections"><ul><li><a href="#execution">Execution rate</a></li><li><a href="#top-actions">Top actions</a></li>'
        '<li><a href="#staffing">Staffing</a></li><li><a href="#reconciliation">Reconciliation</a></li>'
        '<li><a href="#quality">Data quality</a></li><li><a href="#sources">Sources</a></li></ul></nav></header>',
        "<main>",
        section_kpis(data, linker),
        section_execution(data, linker),
        section_top(data, linker),
        section_fte(data, linker),
        section_reconciliation(data, linker),
        section_quality(data, linker),
        section_sources(data, linker),
        "</main>",
        "<footer>Built from the warehouse marts (dim_document, fct_spending, fct_spending_reported, fct_staffing, "
        "rpt_reconciliation) and raw.anomalies. No scripts, no external resources.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Ghent annual accounts{' ' + escape(span) if span else ''} — overview</title>\n"
        f"<style>{CSS}.visually-hidden {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }}</style>\n"
        "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


# ----------------------------------------------------------------------------- entry points


def build_report(database: Path, out_dir: Path, *, sources: Path | None = None) -> Path:
    """Read the warehouse read-only and write out_dir/index.html atomically; returns its path.

    sources: the folder of the source reports; when given, source links point to the files
    themselves (a PDF at its page), relative to out_dir; otherwise to the document list on the page.
    """
    database, out_dir = Path(database), Path(out_dir)
    if not database.exists():
        raise FileNotFoundError(f"warehouse not found: {database}")
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.ConnectionException as exc:
        # this process already has the file open read-write (DuckDB allows one configuration per file
        # and process): share that instance; the report only ever runs SELECTs
        if "different configuration" not in str(exc):
            raise
        con = duckdb.connect(str(database))
    try:
        data = load(con)
    finally:
        con.close()
    html = render(data, Linker(out_dir, sources)).encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / REPORT_FILE
    fd, tmp = tempfile.mkstemp(prefix=".index.", suffix=".html.tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(html)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serving.report", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", type=Path, default=Path("warehouse/gent.duckdb"), help="warehouse to read (read-only)"
    )
    parser.add_argument("--out", type=Path, default=Path("warehouse/report"), help="folder for index.html")
    parser.add_argument(
        "--sources", type=Path, help="folder of the source reports, to link figures to the files themselves"
    )
    args = parser.parse_args(argv)
    try:
        path = build_report(args.database, args.out, sources=args.sources)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
