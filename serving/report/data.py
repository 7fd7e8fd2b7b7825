"""What the report shows, read from the warehouse marts (read-only SQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from .formatting import _dec
from .sources import Doc, Source

OPEX = ("exploitatie", "uitgaven")  # operating expenditure: the category/direction the page charts


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
    rate: Decimal | None  # paid as a share of plan, %
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

    # execution rate per goal and plan, printed or (goals whose report prints no totals, 2021)
    # derived from their plans: marts.rpt_goal_and_plan_overview states the rule
    execution = []
    for r in _rows(
        con,
        """
        select o.document_id, o.node_level as level, o.node_code as code, o.goal_code,
               o.operating_budget_eur as budget, o.operating_actual_eur as actual,
               o.operating_execution_rate_pct as rate, o.operating_origin = 'printed' as rate_printed,
               o.operating_page as page, o.operating_line as line,
               coalesce(g.goal_title, '') as goal_title, p.action_plan_title,
               min(o.operating_page) over (partition by o.document_id, o.goal_code) as goal_page,
               min(o.operating_line) filter (where o.node_level = 'goal')
                   over (partition by o.document_id, o.goal_code) as goal_line
        from marts.rpt_goal_and_plan_overview as o
        left join marts.dim_policy_goal as g on g.goal_code = o.goal_code
        left join marts.dim_action_plan as p on o.node_level = 'action_plan' and p.action_plan_code = o.node_code
        where o.operating_origin is not null
        order by o.document_id, goal_page nulls last, goal_line nulls last, o.goal_code,
                 o.node_level = 'action_plan', o.operating_page nulls last, o.operating_line nulls last, o.node_code""",
    ):
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
                _dec(r["rate"]),
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

    # planned vs paid VTE per goal: the printed goal totals with their reconciliation status, next
    # to the sums over the goal's leaves (marts.rpt_goal_and_plan_overview)
    fte_rows = []
    for r in _rows(
        con,
        """
        select o.document_id, o.node_code as goal_code, o.planned_fte as plan, o.paid_fte as paid,
               o.paid_vs_planned_pct as rate, o.planned_fte_leaves as plan_leaves,
               o.paid_fte_leaves as paid_leaves, o.paid_fte_status as status,
               o.staffing_page as page, o.staffing_line as line, d.goal_title
        from marts.rpt_goal_and_plan_overview as o
        left join marts.dim_policy_goal as d on d.goal_key = o.goal_key
        where o.node_level = 'goal'
        order by o.document_id, page nulls last, line nulls last, goal_code""",
    ):
        fte_rows.append(
            FteRow(
                by_id[r["document_id"]],
                r["goal_code"],
                r["goal_title"],
                _dec(r["plan"]),
                _dec(r["paid"]),
                _dec(r["rate"]),
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
