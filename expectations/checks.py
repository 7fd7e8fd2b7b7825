"""The five suites, as checks: SQL over the warehouse plus the GX expectations that judge it.

Every check is a query with one row per checked unit (a document, a table, a cell, a parent
× metric, a key…), carrying its lineage: `document` (file name), `page`, `line`, `node_id`
and a readable `detail`, plus the column(s) its expectations test. A suite's checks are
combined with `UNION ALL BY NAME` into one GX query asset: a check's value column is null on
the other checks' rows, and GX map expectations ignore nulls, so each expectation judges
exactly its own check's rows and reports the unexpected ones with their lineage.

Suites (docs/REPORT_FORMAT.md §2-3, issue 5):
  1 completeness      nothing lost by the extraction                      ERROR, blocking
  2 cell_consistency  every printed cell is what it claims to be           ERROR, blocking
  3 reconciliation    parents vs the sum of their children                 gaps: WARN
  4 conservation      conformed facts (marts) sum to the raw leaf facts     ERROR, blocking
  5 semantics         not-reported is not 0; keys unique; printed = printed ERROR, blocking

Layout knowledge (which reports print staffing tables, and goal tables) is the extractor's
(extract/self_checks.py), repeated here on purpose: a check must not infer it from the data it
checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .catalog import Catalog, Skip
from .sql_numbers import belgian_sql

BLOCKING = {
    "completeness": True,
    "cell_consistency": True,
    "reconciliation": False,
    "conservation": True,
    "semantics": True,
}
SUITE_TITLES = {
    "completeness": "1. Extraction completeness",
    "cell_consistency": "2. Cell consistency",
    "reconciliation": "3. Reconciliation",
    "conservation": "4. Deduplication conservation",
    "semantics": "5. Semantics",
}
VERSION = "1"  # bump when a check's meaning changes; stored with every quality run

# As extract/self_checks.py: a layout is judged only where its format is known (an unknown layout
# neither needs staffing tables nor has its staffing values flagged).
STAFFING_LAYOUTS = ("stad_ocmw",)  # print a staffing table ("Onderbouwing personeel") for every block
LAYOUTS_WITHOUT_STAFFING = ("district09",)  # print none: staffing is not reported (null, not 0)
LAYOUTS_WITHOUT_GOAL_TABLES = ("district09",)  # print no budget table for goals (2021)
LEAF_LEVELS = ("action", "project")
COMMON_COLUMNS = ("check_name", "document_id", "document", "page", "line", "node_id", "detail")


@dataclass(frozen=True)
class Expect:
    """One GX expectation: the class name in great_expectations.expectations and its arguments."""

    name: str  # unique within its suite; names the expectation in results and messages
    type: str
    kwargs: dict
    severity: str = "critical"  # 'critical' (ERROR) or 'warning' (WARN)
    description: str = ""


@dataclass(frozen=True)
class Check:
    suite: str
    name: str
    description: str
    build: Callable[[Catalog], str]
    expectations: tuple[Expect, ...]
    marts: bool = False  # needs the dbt marts; skipped with "marts not built" when absent
    extra_columns: tuple[str, ...] = field(default=())  # structured columns copied into failures


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _be(expr: str, fte: str = "false") -> str:
    """SQL writing a number as the reports print it: 1.234.567 (EUR), 1.097,07 (VTE where `fte` holds)."""
    return belgian_sql(expr, f"case when {fte} then 2 else 0 end")


def _tolerance(expr: str, fte: str) -> str:
    """A rounding tolerance (½ unit × (n + 1)): 3,5 (EUR) / 0,035 (VTE)."""
    return belgian_sql(expr, f"case when {fte} then 3 else 1 end")


def _docs(cat: Catalog) -> str:
    return f"select document_id, file_name, layout, table_markers from {cat.raw('documents')}"


def _nodes(cat: Catalog) -> str:
    # distinct: a duplicated node row is the keys check's business, not every check's
    return f"select distinct document_id, node_id, code, level, parent_node_id, page, line from {cat.raw('nodes')}"


# ---------------------------------------------------------------------------------------------
# 1. Completeness
# ---------------------------------------------------------------------------------------------


def _tables_vs_markers(cat: Catalog) -> str:
    return f"""
with d as ({_docs(cat)}),
b as (select document_id, count(distinct table_no) as n from {cat.raw("budget_lines")} group by all),
s as (select document_id, count(distinct table_no) as n from {cat.raw("staffing_lines")} group by all),
t as (select document_id, count(distinct table_no) as n from (
        select document_id, table_no from {cat.raw("budget_lines")}
        union all select document_id, table_no from {cat.raw("staffing_lines")}) group by all)
select 'tables_match_markers' as check_name, d.document_id, d.file_name as document,
       cast(null as bigint) as page, cast(null as bigint) as line, cast(null as varchar) as node_id,
       coalesce(t.n, 0) as tables_extracted, d.table_markers,
       coalesce(t.n, 0) - d.table_markers as tables_minus_markers,
       coalesce(t.n, 0) || ' tables extracted (' || coalesce(b.n, 0) || ' budget, ' || coalesce(s.n, 0)
         || ' staffing) for ' || d.table_markers || ' table markers in the text' as detail
from d left join t using (document_id) left join b using (document_id) left join s using (document_id)
"""


def _budget_rows(cat: Catalog) -> str:
    return f"""
with expected(row_no, label) as (values (1, 'Exploitatie Uitgaven'), (2, 'Exploitatie Ontvangsten'),
        (3, 'Investering Uitgaven'), (4, 'Investering Ontvangsten'), (5, 'Financiering Uitgaven'),
        (6, 'Financiering Ontvangsten')),
t as (select document_id, node_id, table_no,
             count(distinct row_no) filter (where row_no between 1 and 6) as budget_rows,
             list(distinct row_no) as present,
             arg_min(page, row_no) as page, arg_min(line, row_no) as line
      from {cat.raw("budget_lines")} group by all),
m as (select t.document_id, t.table_no, string_agg(e.label, ', ' order by e.row_no) as missing
      from t cross join expected e where not list_contains(t.present, e.row_no) group by all)
select 'budget_tables_have_six_rows' as check_name, t.document_id, d.file_name as document, t.page, t.line,
       t.node_id, t.budget_rows, t.table_no,
       'budget table ' || t.table_no || ' of ' || t.node_id || ' has ' || t.budget_rows || ' of 6 rows'
         || coalesce('; missing: ' || m.missing, '') as detail
from t join ({_docs(cat)}) d using (document_id)
left join m on m.document_id = t.document_id and m.table_no = t.table_no
"""


def _blocks_have_budget_table(cat: Catalog) -> str:
    return f"""
with n as ({_nodes(cat)}),
b as (select document_id, node_id, count(distinct table_no) as tables from {cat.raw("budget_lines")} group by all)
, x as (select n.*, d.file_name, coalesce(b.tables, 0) as tables,
              case when n.level = 'goal' and d.layout in {_in(LAYOUTS_WITHOUT_GOAL_TABLES)} then 0
                   -- a code-less block with no table at all is text taken for a block (an anomaly of
                   -- kind 'structure'), not a block whose numbers were lost
                   when n.code is null and coalesce(b.tables, 0) = 0 and not exists (
                       select 1 from {cat.raw("staffing_lines")} s where s.document_id = n.document_id and s.node_id = n.node_id)
                   then 0 else 1 end as expected
       from n join ({_docs(cat)}) d using (document_id)
       left join b on b.document_id = n.document_id and b.node_id = n.node_id)
select 'blocks_have_a_budget_table' as check_name, x.document_id, x.file_name as document, x.page, x.line, x.node_id,
       x.tables - x.expected as budget_tables_vs_expected,
       x.level || ' ' || x.node_id || ' has ' || x.tables || ' budget tables, ' || x.expected || ' expected' as detail
from x
"""


def _blocks_have_staffing_table(cat: Catalog) -> str:
    return f"""
with n as ({_nodes(cat)}),
s as (select document_id, node_id, count(distinct table_no) as tables from {cat.raw("staffing_lines")} group by all)
select 'blocks_have_a_staffing_table' as check_name, n.document_id, d.file_name as document, n.page, n.line, n.node_id,
       coalesce(s.tables, 0) as staffing_tables,
       n.level || ' ' || n.node_id || ' has ' || coalesce(s.tables, 0)
         || ' staffing tables (VTE row), 1 expected in the ' || d.layout || ' layout' as detail
from n join ({_docs(cat)}) d using (document_id)
left join s on s.document_id = n.document_id and s.node_id = n.node_id
where d.layout in {_in(STAFFING_LAYOUTS)}
  and not (n.code is null and s.tables is null and not exists (  -- text taken for a block: see above
      select 1 from {cat.raw("budget_lines")} b where b.document_id = n.document_id and b.node_id = n.node_id))
"""


def _hierarchy(cat: Catalog, name: str, levels: tuple[str, ...], column: str) -> str:
    return f"""
with n as ({_nodes(cat)}),
p as (select distinct document_id, node_id, level from {cat.raw("nodes")})
select '{name}' as check_name, n.document_id, d.file_name as document, n.page, n.line, n.node_id,
       coalesce(p.level, 'none') as {column},
       n.level || ' ' || n.node_id || ' sits under '
         || coalesce(p.level || ' ' || p.node_id, coalesce(n.parent_node_id || ' (not found)', 'nothing')) as detail
from n join ({_docs(cat)}) d using (document_id)
left join p on p.document_id = n.document_id and p.node_id = n.parent_node_id
where n.level in {_in(levels)}
"""


def _anomalies(cat: Catalog) -> str:
    return f"""
select 'no_completeness_anomalies' as check_name, a.document_id, d.file_name as document, a.page, a.line,
       a.node_id, a.kind as anomaly_kind, a.kind || ': ' || a.detail as detail
from {cat.raw("anomalies")} a join ({_docs(cat)}) d using (document_id)
"""


# ---------------------------------------------------------------------------------------------
# 2. Cell consistency
# ---------------------------------------------------------------------------------------------

BUDGET_CELLS = (  # column, raw column, kind: A amount, P percentage
    ("budget", "budget_raw", "A"),
    ("actual", "actual_raw", "A"),
    ("execution_pct", "execution_pct_raw", "P"),
    ("actual_prev", "actual_prev_raw", "A"),
    ("change_pct", "change_pct_raw", "P"),
)
STAFFING_CELLS = (  # F: FTE
    ("plan_fte", "plan_raw", "F"),
    ("paid_fte", "paid_raw", "F"),
    ("paid_pct", "paid_pct_raw", "P"),
    ("paid_prev_fte", "paid_prev_raw", "F"),
    ("change_pct", "change_pct_raw", "P"),
)
# percentage = numerator / denominator (extract/tables.py BUDGET_RATIOS, the same for both tables)
RATIOS = {
    "budget": (("execution_pct", "actual", "budget"), ("change_pct", "actual", "actual_prev")),
    "staffing": (("paid_pct", "paid_fte", "plan_fte"), ("change_pct", "paid_fte", "paid_prev_fte")),
}
HALF_UNIT = {"budget": "0.5", "staffing": "0.005"}
# Belgian number shapes (REPORT_FORMAT §2); chr(37) is '%'
SHAPES = {
    "A": "'-{0,1}[0-9]{1,3}([.][0-9]{3})*'",
    "F": "'-{0,1}[0-9]{1,3}([.][0-9]{3})*,[0-9]{2}'",
    "P": "'-{0,1}[0-9]{1,3}([.][0-9]{3})*,[0-9]' || chr(37)",
}


def _parse(kind: str, raw: str) -> str:
    if kind == "A":
        return f"try_cast(replace({raw}, '.', '') as bigint)"
    if kind == "F":
        return f"try_cast(replace(replace({raw}, '.', ''), ',', '.') as decimal(18, 2))"
    return f"try_cast(replace(replace(replace({raw}, chr(37), ''), '.', ''), ',', '.') as decimal(18, 1))"


def _cells(cat: Catalog, kinds: str | None = None) -> str:
    """Every cell of every table: one row per (line, column) with its printed and stored value."""
    parts = []
    for table, cells in (("budget_lines", BUDGET_CELLS), ("staffing_lines", STAFFING_CELLS)):
        for column, raw, kind in cells:
            if kinds and kind not in kinds:
                continue
            parts.append(
                f"select document_id, node_id, table_no, page, line, '{table.split('_')[0]}' as table_kind, "
                f"'{column}' as cell, '{kind}' as kind, {raw} as printed, cast({column} as varchar) as stored, "
                f"{_parse(kind, raw)} = {column} as parses_to_stored, "
                f"regexp_full_match({raw}, {SHAPES[kind]}) as shape_ok "
                f"from {cat.raw(table)}"
            )
    return "\nunion all\n".join(parts)


def _percentages(cat: Catalog) -> str:
    parts = []
    for kind, table in (("budget", "budget_lines"), ("staffing", "staffing_lines")):
        raw = {c: r for c, r, _ in (BUDGET_CELLS if kind == "budget" else STAFFING_CELLS)}
        for pct, num, den in RATIOS[kind]:
            parts.append(
                f"select document_id, node_id, page, line, '{pct}' as cell, '{num}/{den}' as ratio, "
                f"{raw[pct]} as pct_raw, {raw[num]} as num_raw, {raw[den]} as den_raw, "
                f"cast({pct} as double) as p, cast({num} as double) as n, cast({den} as double) as d, "
                f"cast({HALF_UNIT[kind]} as double) as h from {cat.raw(table)}"
            )
    union = "\nunion all\n".join(parts)
    # extract/tables.py percentage_consistent, in SQL: the true amounts lie within ± half a unit
    # of the printed ones and the percentage was rounded to 0,1 point (0,05 more slack).
    return f"""
with c as ({union}),
i as (select *, 100 * (n - h) / (d - h) as c1, 100 * (n - h) / (d + h) as c2,
                100 * (n + h) / (d - h) as c3, 100 * (n + h) / (d + h) as c4
      from c where p is not null and n is not null and d is not null)
select 'percentages_match_ratios' as check_name, i.document_id, doc.file_name as document, i.page, i.line, i.node_id,
       case
         when d = 0 then p = 0 or abs(p) >= (abs(n) - h) * 100 / h
         when d - h <= 0 and 0 <= d + h then true
         else p between least(c1, c2, c3, c4) - 0.05 - 1e-9 and greatest(c1, c2, c3, c4) + 0.05 + 1e-9
       end as percentage_consistent,
       i.cell || ' printed ' || i.pct_raw || ' but ' || i.ratio || ' = ' || i.num_raw || ' / ' || i.den_raw
         || case when d = 0 then ' (zero base)' else ' = ' || replace(printf('%.1f', 100 * n / d), '.', ',') || chr(37) end as detail
from i join ({_docs(cat)}) doc using (document_id)
"""


def _cell_shapes(cat: Catalog, name: str, kind: str, column: str, shape: str) -> str:
    return f"""
with c as ({_cells(cat, kind)})
select '{name}' as check_name, c.document_id, d.file_name as document, c.page, c.line, c.node_id,
       case when c.printed is null then 'stored ' || c.stored || ' but nothing printed'
            when not c.shape_ok then 'not {shape}'
            when not coalesce(c.parses_to_stored, false) then 'stored ' || coalesce(c.stored, 'null') || ', printed ' || c.printed
            else 'ok' end as {column},
       c.table_kind || ' table ' || c.table_no || ' of ' || c.node_id || ', ' || c.cell || ': printed '
         || coalesce(c.printed, 'nothing') || ', stored ' || coalesce(c.stored, 'null') as detail
from c join ({_docs(cat)}) d using (document_id)
where c.printed is not null or c.stored is not null
"""


def _null_cells_reported(cat: Catalog) -> str:
    return f"""
with c as ({_cells(cat)}),
a as (select distinct document_id, page, line from {cat.raw("anomalies")}
      where kind in ('missing_cell', 'row_unreadable'))
select 'null_cells_are_reported' as check_name, c.document_id, d.file_name as document, c.page, c.line, c.node_id,
       case when a.document_id is null then 'not reported' else 'reported' end as null_cell_reported,
       c.table_kind || ' table ' || c.table_no || ' of ' || c.node_id || ': ' || c.cell
         || ' not printed (null) and no missing_cell anomaly at this line' as detail
from c join ({_docs(cat)}) d using (document_id)
left join a on a.document_id = c.document_id and a.page is not distinct from c.page and a.line = c.line
where c.printed is null and c.stored is null
"""


# ---------------------------------------------------------------------------------------------
# 3. Reconciliation (raw, the same classification as marts.rpt_reconciliation)
# ---------------------------------------------------------------------------------------------

EUR_METRICS = ("budget", "actual", "actual_prev")
FTE_METRICS = ("plan_fte", "paid_fte", "paid_prev_fte")
CATEGORIES = ("exploitatie", "investering", "financiering")
DIRECTIONS = ("uitgaven", "ontvangsten")
PASSING_STATUSES = ("exact", "rounding", "derived", "not_reported", "not_printed")


def reconciliation_sql(cat: Catalog) -> str:
    """Every parent (action plan, goal) × metric against the sum of its children, from raw.

    Statuses as in marts.rpt_reconciliation: exact / rounding (within ½ unit × (n+1)) / gap;
    not_printed (the parent cell or a child cell was not printed); derived (the report prints
    no total for this parent: 2021 goals); not_reported (VTE of a report without staffing tables).
    """
    metrics = [f"('{m}', '{c}', '{d}', 'EUR', 1.0)" for m in EUR_METRICS for c in CATEGORIES for d in DIRECTIONS]
    metrics += [f"('{m}', 'personeel', 'vte', 'FTE', 0.01)" for m in FTE_METRICS]
    eur = " union all ".join(
        f"select document_id, node_id, '{m}' as metric, category, direction, cast({m} as decimal(18, 2)) as value, "
        f"{m}_raw as value_raw, page, line from {cat.raw('budget_lines')}"
        for m in EUR_METRICS
    )
    fte_raw = {"plan_fte": "plan_raw", "paid_fte": "paid_raw", "paid_prev_fte": "paid_prev_raw"}
    fte = " union all ".join(
        f"select document_id, node_id, '{m}', 'personeel', 'vte', cast({m} as decimal(18, 2)), {fte_raw[m]}, page, line "
        f"from {cat.raw('staffing_lines')}"
        for m in FTE_METRICS
    )
    return f"""
with metrics(metric, category, direction, unit, unit_size) as (values {", ".join(metrics)}),
nodes as ({_nodes(cat)}),
docs as ({_docs(cat)}),
cells as ({eur} union all {fte}),
staffing_docs as (select distinct document_id from {cat.raw("staffing_lines")}),
parents as (
  select n.*, d.file_name, d.layout, sd.document_id is not null as has_staffing_tables
  from nodes n join docs d using (document_id) left join staffing_docs sd using (document_id)
  where n.level in ('goal', 'action_plan')),
children as (
  select document_id, parent_node_id, node_id from nodes where level in ('action_plan', 'action', 'project')),
child_counts as (select document_id, parent_node_id, count(*) as child_count from children group by all),
child_sums as (
  select c.document_id, c.parent_node_id, m.metric, m.category, m.direction,
         sum(v.value) as children_sum, count(v.value) as printed_child_cells,
         string_agg(case when v.value is null then c.node_id end, ', ' order by c.node_id) as children_not_printed
  from children c cross join metrics m
  left join cells v on v.document_id = c.document_id and v.node_id = c.node_id
       and v.metric = m.metric and v.category = m.category and v.direction = m.direction
  group by all),
grid as (
  select p.document_id, p.file_name, p.node_id, p.code, p.level, p.layout, p.has_staffing_tables,
         m.metric, m.category, m.direction, m.unit, m.unit_size,
         coalesce(cc.child_count, 0) as child_count,
         coalesce(cs.children_sum, 0) as children_sum,
         coalesce(cc.child_count, 0) - coalesce(cs.printed_child_cells, 0) as children_not_printed_count,
         cs.children_not_printed,
         pc.node_id is not null as is_parent_printed,
         pc.value as printed_value, pc.value_raw as printed_raw,
         cast(0.5 * m.unit_size * (coalesce(cc.child_count, 0) + 1) as decimal(18, 3)) as tolerance,
         coalesce(pc.page, p.page) as page, coalesce(pc.line, p.line) as line
  from parents p cross join metrics m
  left join child_counts cc on cc.document_id = p.document_id and cc.parent_node_id = p.node_id
  left join child_sums cs on cs.document_id = p.document_id and cs.parent_node_id = p.node_id
       and cs.metric = m.metric and cs.category = m.category and cs.direction = m.direction
  left join cells pc on pc.document_id = p.document_id and pc.node_id = p.node_id
       and pc.metric = m.metric and pc.category = m.category and pc.direction = m.direction),
classified as (
  select *,
         case
           when unit = 'FTE' and not has_staffing_tables then 'not_reported'
           when not is_parent_printed and children_not_printed_count = 0 then 'derived'
           when not is_parent_printed or printed_value is null or children_not_printed_count > 0 then 'not_printed'
           when printed_value - children_sum = 0 then 'exact'
           when abs(printed_value - children_sum) <= tolerance then 'rounding'
           else 'gap'
         end as status
  from grid)
select document_id, file_name as document, page, line, node_id, code as parent_code, level as parent_level,
       metric, category, direction, unit,
       case when unit = 'FTE' then 'VTE ' || metric else category || ' ' || direction || ' ' || metric end as metric_label,
       printed_value as printed, printed_raw, children_sum, child_count as n_children,
       children_not_printed_count, children_not_printed,
       printed_value - children_sum as difference, tolerance, status,
       case status when 'gap' then 0 when 'exact' then 1 when 'rounding' then 1 end as within_tolerance
from classified
"""


def _reconciliation(cat: Catalog) -> str:
    fte = "r.unit = 'FTE'"
    return f"""
select 'parents_match_children' as check_name, r.*,
       case r.status
         when 'not_printed' then r.parent_level || ' ' || r.parent_code || ' ' || r.metric_label || ': '
              || case when r.printed is null then 'parent cell not printed' else 'printed ' || r.printed_raw end
              || coalesce('; not printed in children: ' || r.children_not_printed, '')
              || ' (printed children sum to ' || {_be("r.children_sum", fte)} || ')'
         when 'derived' then r.parent_level || ' ' || r.parent_code || ' ' || r.metric_label
              || ': no printed total; derived sum ' || {_be("r.children_sum", fte)} || ' of ' || r.n_children || ' children'
         when 'not_reported' then r.parent_level || ' ' || r.parent_code || ' ' || r.metric_label
              || ': staffing not reported'
         else r.parent_level || ' ' || r.parent_code || ' ' || r.metric_label || ': printed ' || r.printed_raw
              || ', ' || r.n_children || ' children sum to ' || {_be("r.children_sum", fte)} || ', difference '
              || {_be("r.difference", fte)} || ' (tolerance ' || {_tolerance("r.tolerance", fte)} || ')'
       end as detail
from ({reconciliation_sql(cat)}) r
"""


def _reconciliation_vs_mart(cat: Catalog) -> str:
    t = "rpt_reconciliation"
    mart = cat.require("marts", t)
    col = lambda *names: cat.column("marts", t, *names)  # noqa: E731
    parent, metric, category, direction = col("parent_node_id"), col("metric"), col("category"), col("direction")
    status, difference = col("status"), col("difference")
    return f"""
with r as ({reconciliation_sql(cat)}),
m as (select document_id, {parent} as parent_node_id, {metric} as metric, {category} as category,
             {direction} as direction, {status} as status, cast({difference} as decimal(18, 2)) as difference
      from {mart}),
j as (select coalesce(r.document_id, m.document_id) as document_id, coalesce(r.node_id, m.parent_node_id) as node_id,
             coalesce(r.metric, m.metric) as metric, coalesce(r.category, m.category) as category,
             coalesce(r.direction, m.direction) as direction, r.page, r.line,
             r.status as raw_status, m.status as mart_status, r.difference as raw_difference, m.difference as mart_difference,
             r.document_id is null as only_mart, m.document_id is null as only_raw
      from r full outer join m on m.document_id = r.document_id and m.parent_node_id = r.node_id
           and m.metric = r.metric and m.category = r.category and m.direction = r.direction)
select 'rpt_reconciliation_agrees' as check_name, j.document_id, d.file_name as document, j.page, j.line, j.node_id,
       case when j.only_mart then 'row not in raw'
            when j.only_raw then 'row missing in marts.rpt_reconciliation'
            when j.raw_status is distinct from j.mart_status then 'status differs'
            when j.raw_status in ('exact', 'rounding', 'gap') and j.raw_difference is distinct from j.mart_difference
              then 'difference differs'
            else 'agrees' end as mart_agreement,
       j.category || ' ' || j.direction || ' ' || j.metric || ': raw status ' || coalesce(j.raw_status, '-')
         || ' (difference ' || coalesce(cast(j.raw_difference as varchar), '-') || '), marts.rpt_reconciliation '
         || coalesce(j.mart_status, '-') || ' (difference ' || coalesce(cast(j.mart_difference as varchar), '-') || ')' as detail
from j left join ({_docs(cat)}) d using (document_id)
"""


# ---------------------------------------------------------------------------------------------
# 4. Conservation (marts.fct_spending vs raw leaves)
# ---------------------------------------------------------------------------------------------


def _conservation(cat: Catalog) -> str:
    t = "fct_spending"
    mart = cat.require("marts", t)
    col = lambda *names, required=True: cat.column("marts", t, *names, required=required)  # noqa: E731
    budget, actual, prev = (
        col("budget_eur", "budget"),
        col("actual_eur", "actual"),
        col("actual_prev_eur", "actual_prev"),
    )
    category, direction = col("category"), col("direction")
    plan = col("action_plan_code", "plan_code", required=False)
    if plan:
        mart_rows = (
            f"select document_id, {plan} as plan_code, {category} as category, {direction} as direction, "
            f"{budget} as budget, {actual} as actual, {prev} as actual_prev from {mart}"
        )
    else:  # the plan of each leaf, from raw
        node = col("node_id")
        mart_rows = (
            f"select f.document_id, p.code as plan_code, f.{category} as category, f.{direction} as direction, "
            f"f.{budget} as budget, f.{actual} as actual, f.{prev} as actual_prev from {mart} f "
            f"left join ({_nodes(cat)}) n on n.document_id = f.document_id and n.node_id = f.{node} "
            f"left join ({_nodes(cat)}) p on p.document_id = n.document_id and p.node_id = n.parent_node_id"
        )
    measures = ("budget", "actual", "actual_prev")
    sums = ", ".join(f"sum({m}) as {m}" for m in measures)
    diffs = " || ".join(
        f"case when r.{m} is distinct from f.{m} then '; {m}: raw ' || coalesce({_be('r.' + m)}, 'null') "
        f"|| ' vs marts ' || coalesce({_be('f.' + m)}, 'null') || coalesce(' (' || {_be(f'f.{m} - r.{m}')} || ')', '') "
        f"else '' end"
        for m in measures
    )
    differs = " or ".join(f"r.{m} is distinct from f.{m}" for m in measures)
    return f"""
with nodes as ({_nodes(cat)}),
raw_leaf as (
  select b.document_id, p.code as plan_code, b.category, b.direction, b.budget, b.actual, b.actual_prev
  from {cat.raw("budget_lines")} b
  join nodes n on n.document_id = b.document_id and n.node_id = b.node_id and n.level in {_in(LEAF_LEVELS)}
  left join nodes p on p.document_id = n.document_id and p.node_id = n.parent_node_id),
mart_leaf as ({mart_rows}),
levels as (
  select 'plan' as level, document_id, plan_code, category, direction from raw_leaf
  union select 'plan', document_id, plan_code, category, direction from mart_leaf
  union select 'document', document_id, null, category, direction from raw_leaf
  union select 'document', document_id, null, category, direction from mart_leaf),
r as (select 'plan' as level, document_id, plan_code, category, direction, {sums} from raw_leaf group by all
      union all select 'document', document_id, null, category, direction, {sums} from raw_leaf group by all),
f as (select 'plan' as level, document_id, plan_code, category, direction, {sums} from mart_leaf group by all
      union all select 'document', document_id, null, category, direction, {sums} from mart_leaf group by all),
j as (select l.*, {", ".join(f"r.{m} as raw_{m}, f.{m} as mart_{m}" for m in measures)},
             case when {differs} then 'differs' else 'equal' end as conserved,
             substr({diffs}, 3) as differences
      from levels l
      left join r on r.level = l.level and r.document_id = l.document_id and r.plan_code is not distinct from l.plan_code
           and r.category = l.category and r.direction = l.direction
      left join f on f.level = l.level and f.document_id = l.document_id and f.plan_code is not distinct from l.plan_code
           and f.category = l.category and f.direction = l.direction)
select 'conformed_facts_conserve_raw_leaves' as check_name, j.document_id, d.file_name as document,
       pn.page, pn.line, j.plan_code as node_id, j.level as conservation_level, j.conserved,
       case when j.level = 'plan' then 'plan ' || coalesce(j.plan_code, '(none)') else 'document total' end
         || ' ' || j.category || ' ' || j.direction || ': Σ marts.fct_spending vs Σ raw leaves'
         || case when j.conserved = 'equal' then ' equal' else ' differ' || j.differences end as detail
from j left join ({_docs(cat)}) d using (document_id)
left join (select document_id, code, arg_min(page, position) as page, arg_min(line, position) as line
           from {cat.raw("nodes")} group by all) pn
  on pn.document_id = j.document_id and pn.code = j.plan_code
"""


# ---------------------------------------------------------------------------------------------
# 5. Semantics
# ---------------------------------------------------------------------------------------------


def _staffing_not_reported(cat: Catalog) -> str:
    parts = [
        f"""
select s.document_id, s.node_id, s.page, s.line, m.metric,
       case m.metric when 'plan_fte' then s.plan_fte when 'paid_fte' then s.paid_fte else s.paid_prev_fte end as value,
       'raw.staffing_lines' as relation,
       'the ' || d.layout || ' layout prints no staffing tables' as reason
from {cat.raw("staffing_lines")} s join ({_docs(cat)}) d using (document_id)
cross join (values ('plan_fte'), ('paid_fte'), ('paid_prev_fte')) m(metric)
where d.layout in {_in(LAYOUTS_WITHOUT_STAFFING)}"""
    ]
    if cat.has("marts", "fct_staffing"):
        t, mart = "fct_staffing", cat.rel("marts", "fct_staffing")
        try:
            cols = {m: cat.column("marts", t, m) for m in FTE_METRICS}
            reason = cat.column("marts", t, "fte_null_reason", "fte_status", required=False)
            page = cat.column("marts", t, "page", required=False)
            line = cat.column("marts", t, "line", required=False)
        except Skip:
            cols = None
        if cols:
            value = "case m.metric " + " ".join(f"when '{m}' then f.{c}" for m, c in cols.items()) + " end"
            parts.append(f"""
select f.document_id, f.node_id, {f"f.{page}" if page else "n.page"}, {f"f.{line}" if line else "n.line"}, m.metric,
       {value}, 'marts.fct_staffing',
       'the report prints no staffing table for it' || {f"coalesce(' (' || f.{reason} || ')', '')" if reason else "''"}
from {mart} f cross join (values ('plan_fte'), ('paid_fte'), ('paid_prev_fte')) m(metric)
left join ({_nodes(cat)}) n on n.document_id = f.document_id and n.node_id = f.node_id
where not exists (select 1 from {cat.raw("staffing_lines")} s where s.document_id = f.document_id and s.node_id = f.node_id)""")
    union = "\nunion all\n".join(parts)
    return f"""
with v as ({union})
select 'no_staffing_value_where_not_reported' as check_name, v.document_id, d.file_name as document, v.page, v.line,
       v.node_id, v.value as fte_where_not_reported,
       v.relation || ': ' || v.metric || ' = ' || coalesce(cast(v.value as varchar), 'null') || ' for ' || v.node_id
         || ', but ' || v.reason || ' (not reported is null, not 0)' as detail
from v join ({_docs(cat)}) d using (document_id)
"""


RAW_KEYS = {
    "documents": ("document_id",),
    "nodes": ("document_id", "node_id"),
    "budget_lines": ("document_id", "table_no", "row_no"),
    "staffing_lines": ("document_id", "table_no"),
    "texts": ("document_id", "node_id", "section", "seq"),
}
MART_KEYS = {
    "fct_spending": "spending_key",
    "fct_spending_reported": "reported_spending_key",
    "fct_staffing": "staffing_key",
    "fct_staffing_reported": "reported_staffing_key",
    "rpt_reconciliation": "reconciliation_key",
}


def _keys(cat: Catalog) -> str:
    parts = []
    for table, key in RAW_KEYS.items():
        has_node = "node_id" in key
        has_loc = table != "documents"
        parts.append(f"""
select '{table}' as relation, document_id, {"node_id" if has_node else "cast(null as varchar)"} as node_id,
       {"min(page)" if has_loc else "cast(null as bigint)"} as page, {"min(line)" if has_loc else "cast(null as bigint)"} as line,
       concat_ws(', ', {", ".join(f"cast({k} as varchar)" for k in key)}) as key_value, count(*) as occurrences
from {cat.raw(table)} group by {", ".join(key)}""")
    parts.append(f"""
select 'documents.file_name', min(document_id), null, null, null, file_name, count(*)
from {cat.raw("documents")} group by file_name""")
    for table, key in MART_KEYS.items():
        if not cat.has("marts", table) or key not in cat.columns[("marts", table)]:
            continue
        cols = cat.columns[("marts", table)]
        loc = "min(page), min(line)" if "page" in cols and "line" in cols else "null, null"
        node = "min(node_id)" if "node_id" in cols else ("min(parent_node_id)" if "parent_node_id" in cols else "null")
        doc = "min(document_id)" if "document_id" in cols else "null"
        parts.append(f"""
select 'marts.{table}', {doc}, {node}, {loc}, cast({key} as varchar), count(*)
from {cat.rel("marts", table)} group by {key}""")
    union = "\nunion all\n".join(parts)
    return f"""
with k as ({union})
select 'keys_unique' as check_name, k.document_id, d.file_name as document, k.page, k.line, k.node_id,
       k.occurrences as key_occurrences,
       k.relation || ' key (' || k.key_value || ') occurs ' || k.occurrences || ' times' as detail
from k left join ({_docs(cat)}) d using (document_id)
"""


def _compare(
    cat: Catalog,
    name: str,
    raw_table: str,
    mart_table: str,
    join: tuple[str, ...],
    pairs: tuple[tuple[str, tuple[str, ...]], ...],
) -> str:
    """Rows of a raw table vs the mart that claims to carry them as printed."""
    mart = cat.require("marts", mart_table)
    for key in join:
        cat.column("marts", mart_table, key)
    mapped = [(r, cat.column("marts", mart_table, *cands)) for r, cands in pairs]
    on = " and ".join(f"m.{k} = r.{k}" for k in join)
    diffs = " || ".join(
        f"case when r.{r} is distinct from m.{c} then '; {r}: raw ' || coalesce(cast(r.{r} as varchar), 'null') "
        f"|| ' vs marts ' || coalesce(cast(m.{c} as varchar), 'null') else '' end"
        for r, c in mapped
    )
    return f"""
select '{name}' as check_name, coalesce(r.document_id, m.document_id) as document_id,
       coalesce(r.page, m.page) as page, coalesce(r.line, m.line) as line, coalesce(r.node_id, m.node_id) as node_id,
       case when r.document_id is null then 'not in raw' when m.document_id is null then 'missing in marts'
            when ({diffs}) = '' then 'unchanged' else 'changed' end as printed_check,
       'marts.{mart_table} vs raw.{raw_table}: ' || case
            when r.document_id is null then 'row not in raw'
            when m.document_id is null then 'printed row missing in the mart'
            when ({diffs}) = '' then 'unchanged' else substr({diffs}, 3) end as detail
from {cat.raw(raw_table)} r full outer join {mart} m on {on}
"""


def _same_names(*columns: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`_compare` pairs for raw columns the mart carries under the same name."""
    return tuple((c, (c,)) for c in columns)


def _printed_unchanged(cat: Catalog) -> str:
    cat.require("marts", "fct_spending_reported")
    check, budget_key = "printed_values_unchanged", ("document_id", "node_id", "category", "direction")
    budget_pairs = (
        *_same_names("budget_raw", "actual_raw", "execution_pct_raw", "actual_prev_raw", "change_pct_raw"),
        ("budget", ("budget_eur", "budget")),
        ("actual", ("actual_eur", "actual")),
        ("execution_pct", ("execution_pct_printed", "execution_pct")),
        ("actual_prev", ("actual_prev_eur", "actual_prev")),
        ("change_pct", ("change_pct_printed", "change_pct")),
    )
    parts = [_compare(cat, check, "budget_lines", "fct_spending_reported", budget_key, budget_pairs)]
    if cat.has("marts", "fct_staffing_reported"):
        staffing_pairs = (
            *_same_names(
                "plan_raw", "paid_raw", "paid_pct_raw", "paid_prev_raw", "change_pct_raw", "plan_fte", "paid_fte"
            ),
            ("paid_pct", ("paid_pct_printed", "paid_pct")),
            *_same_names("paid_prev_fte"),
            ("change_pct", ("change_pct_printed", "change_pct")),
        )
        staffing_key = ("document_id", "node_id", "table_no")
        parts.append(_compare(cat, check, "staffing_lines", "fct_staffing_reported", staffing_key, staffing_pairs))
    if cat.has("marts", "fct_spending"):
        leaf_pairs = (
            ("budget", ("budget_eur", "budget")),
            ("actual", ("actual_eur", "actual")),
            ("actual_prev", ("actual_prev_eur", "actual_prev")),
        )
        # leaves only: the raw side is restricted to leaf rows through the join keys present in the mart
        sql = _compare(cat, check, "budget_lines", "fct_spending", budget_key, leaf_pairs)
        sql = sql.replace(
            f"from {cat.raw('budget_lines')} r full outer join",
            f"from (select b.* from {cat.raw('budget_lines')} b where exists (select 1 from {cat.raw('nodes')} n "
            f"where n.document_id = b.document_id and n.node_id = b.node_id and n.level in {_in(LEAF_LEVELS)})) r "
            f"full outer join",
        )
        parts.append(sql)
    union = "\nunion all\n".join(f"select * from ({p})" for p in parts)
    return f"""
select u.*, d.file_name as document from ({union}) u left join ({_docs(cat)}) d using (document_id)
"""


def _lines_belong_to_nodes(cat: Catalog) -> str:
    return f"""
with t as (select distinct document_id, node_id, table_no, 'budget' as kind, min(page) over w as page, min(line) over w as line
           from {cat.raw("budget_lines")} window w as (partition by document_id, table_no)
           union all
           select distinct document_id, node_id, table_no, 'staffing', page, line from {cat.raw("staffing_lines")})
select 'table_rows_belong_to_a_block' as check_name, t.document_id, d.file_name as document, t.page, t.line, t.node_id,
       case when exists (select 1 from {cat.raw("nodes")} n where n.document_id = t.document_id and n.node_id = t.node_id)
            then 'ok' else 'orphan' end as belongs_to_block,
       t.kind || ' table ' || t.table_no || ' refers to block ' || t.node_id || ', which raw.nodes does not hold' as detail
from t join ({_docs(cat)}) d using (document_id)
"""


# ---------------------------------------------------------------------------------------------
# The suites
# ---------------------------------------------------------------------------------------------


def _between(name, column, lo, hi, description, severity="critical"):
    return Expect(
        name,
        "ExpectColumnValuesToBeBetween",
        {"column": column, "min_value": lo, "max_value": hi},
        severity,
        description,
    )


def _in_set(name, column, values, description, severity="critical"):
    return Expect(
        name, "ExpectColumnValuesToBeInSet", {"column": column, "value_set": list(values)}, severity, description
    )


CHECKS: tuple[Check, ...] = (
    # 1 completeness
    Check(
        "completeness",
        "tables_match_markers",
        "Per document: tables extracted (distinct table_no in budget_lines + staffing_lines) = table markers "
        "counted in the text layer (documents.table_markers).",
        _tables_vs_markers,
        (
            _between(
                "tables_match_markers",
                "tables_minus_markers",
                0,
                0,
                "tables extracted = table markers found, per document",
            ),
            Expect(
                "documents_loaded",
                "ExpectColumnUniqueValueCountToBeBetween",
                {"column": "document", "min_value": 1},
                "critical",
                "at least one document is loaded (observed: the number of documents)",
            ),
        ),
    ),
    Check(
        "completeness",
        "budget_tables_have_six_rows",
        "Every budget table has its six rows (Exploitatie/Investering/Financiering × Uitgaven/Ontvangsten).",
        _budget_rows,
        (_between("budget_tables_have_six_rows", "budget_rows", 6, 6, "six rows per budget table"),),
    ),
    Check(
        "completeness",
        "blocks_have_a_budget_table",
        "Every block has exactly one budget table (2021 District09 goals: none).",
        _blocks_have_budget_table,
        (
            _between(
                "blocks_have_a_budget_table",
                "budget_tables_vs_expected",
                0,
                0,
                "one budget table per block (none for goals in layouts without goal tables)",
            ),
        ),
    ),
    Check(
        "completeness",
        "blocks_have_a_staffing_table",
        "In layouts with staffing tables, every block has exactly one staffing table with its VTE row.",
        _blocks_have_staffing_table,
        (
            _between(
                "blocks_have_a_staffing_table",
                "staffing_tables",
                1,
                1,
                "one staffing table (one VTE row) per block where the layout has them",
            ),
        ),
    ),
    Check(
        "completeness",
        "leaves_have_a_plan",
        "Every action and project sits under an action plan.",
        lambda cat: _hierarchy(cat, "leaves_have_a_plan", LEAF_LEVELS, "leaf_parent_level"),
        (_in_set("leaves_have_a_plan", "leaf_parent_level", ("action_plan",), "every leaf has a plan"),),
    ),
    Check(
        "completeness",
        "plans_have_a_goal",
        "Every action plan sits under a policy goal.",
        lambda cat: _hierarchy(cat, "plans_have_a_goal", ("action_plan",), "plan_parent_level"),
        (_in_set("plans_have_a_goal", "plan_parent_level", ("goal",), "every plan has a goal"),),
    ),
    Check(
        "completeness",
        "no_completeness_anomalies",
        "The extractor's own self-check found nothing missing (no anomaly of kind 'completeness').",
        _anomalies,
        (
            Expect(
                "no_completeness_anomalies",
                "ExpectColumnValuesToNotBeInSet",
                {"column": "anomaly_kind", "value_set": ["completeness"]},
                "critical",
                "no anomaly of kind completeness",
            ),
        ),
    ),
    # 2 cell consistency
    Check(
        "cell_consistency",
        "percentages_match_ratios",
        "Every printed percentage equals the ratio of its two printed amounts within 0,1 point, with "
        "interval arithmetic for the rounding of the amounts (extract/tables.py percentage_consistent); "
        "a zero base prints 0,0%.",
        _percentages,
        (
            Expect(
                "percentages_match_ratios",
                "ExpectColumnValuesToBeInSet",
                {"column": "percentage_consistent", "value_set": [True]},
                "critical",
                "every printed % = its recomputed ratio (within rounding)",
            ),
        ),
    ),
    Check(
        "cell_consistency",
        "amounts_are_whole_euros",
        "Amount cells are printed as whole euros (Belgian thousands separators) and stored as printed.",
        lambda cat: _cell_shapes(cat, "amounts_are_whole_euros", "A", "amount_cell", "a whole-euro amount"),
        (_in_set("amounts_are_whole_euros", "amount_cell", ("ok",), "amounts are integers, stored as printed"),),
    ),
    Check(
        "cell_consistency",
        "fte_have_two_decimals",
        "VTE cells are printed with two decimals and stored as printed.",
        lambda cat: _cell_shapes(cat, "fte_have_two_decimals", "F", "fte_cell", "an FTE with two decimals"),
        (_in_set("fte_have_two_decimals", "fte_cell", ("ok",), "FTE have two decimals, stored as printed"),),
    ),
    Check(
        "cell_consistency",
        "percentages_have_one_decimal",
        "Percentage cells are printed with one decimal and a % sign and stored as printed.",
        lambda cat: _cell_shapes(cat, "percentages_have_one_decimal", "P", "pct_cell", "a percentage with one decimal"),
        (_in_set("percentages_have_one_decimal", "pct_cell", ("ok",), "percentages have one decimal"),),
    ),
    Check(
        "cell_consistency",
        "null_cells_are_reported",
        "A cell left null (not printed) is explained by a missing_cell / row_unreadable anomaly on its line.",
        _null_cells_reported,
        (_in_set("null_cells_are_reported", "null_cell_reported", ("reported",), "no silent null cell"),),
    ),
    # 3 reconciliation
    Check(
        "reconciliation",
        "parents_match_children",
        "Each parent's printed value (plan vs Σ leaves; goal vs Σ plans, 2024) per metric (category × "
        "direction × budget/actual/actual_prev, VTE plan/paid/paid_prev) within ½ unit × (n+1). Gaps are "
        "the report's own inconsistencies: WARN, with location and size.",
        _reconciliation,
        (
            _in_set(
                "parents_match_children",
                "status",
                PASSING_STATUSES,
                "printed parent = Σ children within rounding (gaps are WARN)",
                "warning",
            ),
            Expect(
                "parent_cells_printed",
                "ExpectColumnValuesToNotBeInSet",
                {"column": "status", "value_set": ["not_printed"]},
                "warning",
                "parent and child cells printed (a cell missing from the source: WARN)",
            ),
            Expect(
                "reconciliation_pass_rate",
                "ExpectColumnMeanToBeBetween",
                {"column": "within_tolerance", "min_value": 0.9, "max_value": 1.0},
                "warning",
                "share of printed parent cells within rounding tolerance (observed: the pass rate)",
            ),
        ),
        extra_columns=(
            "parent_code",
            "parent_level",
            "metric",
            "category",
            "direction",
            "metric_label",
            "printed",
            "printed_raw",
            "children_sum",
            "n_children",
            "difference",
            "tolerance",
            "status",
            "children_not_printed",
        ),
    ),
    Check(
        "reconciliation",
        "rpt_reconciliation_agrees",
        "marts.rpt_reconciliation classifies every parent × metric as the raw computation does.",
        _reconciliation_vs_mart,
        (
            _in_set(
                "rpt_reconciliation_agrees",
                "mart_agreement",
                ("agrees",),
                "marts.rpt_reconciliation = reconciliation from raw",
            ),
        ),
        marts=True,
    ),
    # 4 conservation
    Check(
        "conservation",
        "conformed_facts_conserve_raw_leaves",
        "Σ marts.fct_spending (budget, actual, actual_prev) = Σ raw leaf budget lines, per plan × category × "
        "direction and per document × category × direction, exactly.",
        _conservation,
        (
            _in_set(
                "conformed_facts_conserve_raw_leaves",
                "conserved",
                ("equal",),
                "conformed facts sum to the raw leaf facts, exactly",
            ),
        ),
        marts=True,
    ),
    # 5 semantics
    Check(
        "semantics",
        "no_staffing_value_where_not_reported",
        "Where the report prints no staffing table, staffing values are null (not reported), never 0.",
        _staffing_not_reported,
        (
            Expect(
                "no_staffing_value_where_not_reported",
                "ExpectColumnValuesToBeNull",
                {"column": "fte_where_not_reported"},
                "critical",
                "not reported is null, not 0",
            ),
        ),
    ),
    Check(
        "semantics",
        "keys_unique",
        "Keys are unique: raw natural keys and the marts' surrogate keys.",
        _keys,
        (_between("keys_unique", "key_occurrences", 1, 1, "every key occurs once"),),
    ),
    Check(
        "semantics",
        "table_rows_belong_to_a_block",
        "Every table row refers to a block of its document.",
        _lines_belong_to_nodes,
        (_in_set("table_rows_belong_to_a_block", "belongs_to_block", ("ok",), "no orphan table rows"),),
    ),
    Check(
        "semantics",
        "printed_values_unchanged",
        "Printed values reach the marts unchanged: fct_spending_reported / fct_staffing_reported = raw "
        "rows (strings and parsed values), fct_spending leaf amounts = raw leaf amounts.",
        _printed_unchanged,
        (_in_set("printed_values_unchanged", "printed_check", ("unchanged",), "printed values unchanged raw → marts"),),
        marts=True,
    ),
)


def checks_of(suite: str) -> list[Check]:
    return [c for c in CHECKS if c.suite == suite]
