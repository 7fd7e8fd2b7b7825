-- Reconciliation (aansluiting) of every parent × metric with the sum of its children:
--   action plan vs its leaves (actions, projects, blocks whose header was lost), every report;
--   goal vs its action plans (OD and PO alike).
-- Metrics: budget, actual, actual_prev per category × direction (euro) and plan_fte, paid_fte,
-- paid_prev_fte (VTE). Every level is rounded independently, so the tolerance is
-- ½ unit × (n + 1) for n children (unit 1 euro or 0,01 VTE). Status:
--   exact / rounding / gap   printed parent vs Σ printed children;
--   not_printed              the parent cell or a child cell was not printed (no fake gap);
--   derived                  the report does not print the parent (2021 goals): the total is
--                            derived here as Σ children, in derived_value, labelled is_derived;
--   not_reported             staffing metric of a report without staffing tables (never 0).
with

tree as (
    select * from {{ ref('int_policy_nodes_joined_to_tree') }}
    where {{ documents_to_build() }}
),

cells as (
    select * from {{ ref('int_printed_cells_unpivoted') }}
    where {{ documents_to_build() }}
),

metrics as (
    select metric, category, direction, unit, cast(unit_size as decimal(6, 2)) as unit_size
    from {{ ref('reconciliation_metrics') }}
),

parents as (
    select
        document_id,
        node_id,
        node_code,
        node_level,
        goal_code,
        action_plan_code,
        case node_level when 'goal' then 'action_plan' else 'leaf' end as child_level,
        layout,
        has_staffing_tables,
        previous_year,
        report_year,
        page,
        line
    from tree
    where node_level in ('goal', 'action_plan')
),

child_nodes as (
    select document_id, parent_node_id, node_id
    from tree
    where node_level in ('action_plan', 'action', 'project')
),

child_counts as (
    select document_id, parent_node_id, count(*) as child_count
    from child_nodes
    group by all
),

child_sums as (
    select
        c.document_id,
        c.parent_node_id,
        v.metric,
        v.category,
        v.direction,
        sum(v.value_printed) as children_sum,
        count(v.value_printed) as printed_child_cells,
        max(v.value_year) as value_year
    from child_nodes as c
    inner join cells as v
        on v.document_id = c.document_id
        and v.node_id = c.node_id
    group by all
),

grid as (
    select
        p.*,
        m.metric,
        m.category,
        m.direction,
        m.unit,
        m.unit_size,
        coalesce(cc.child_count, 0) as child_count,
        coalesce(cs.children_sum, 0) as children_sum,
        coalesce(cc.child_count, 0) - coalesce(cs.printed_child_cells, 0) as children_not_printed_count,
        pc.node_id is not null as is_parent_printed,
        pc.value_printed as printed_value,
        coalesce(
            pc.value_year, cs.value_year,
            case when m.metric in ('actual_prev', 'paid_prev_fte') then p.previous_year else p.report_year end
        ) as value_year,
        coalesce(pc.page, p.page) as cell_page,
        coalesce(pc.line, p.line) as cell_line
    from parents as p
    cross join metrics as m
    left join child_counts as cc
        on cc.document_id = p.document_id
        and cc.parent_node_id = p.node_id
    left join child_sums as cs
        on cs.document_id = p.document_id
        and cs.parent_node_id = p.node_id
        and cs.metric = m.metric
        and cs.category = m.category
        and cs.direction = m.direction
    left join cells as pc
        on pc.document_id = p.document_id
        and pc.node_id = p.node_id
        and pc.metric = m.metric
        and pc.category = m.category
        and pc.direction = m.direction
),

classified as (
    select
        *,
        case
            when unit = 'FTE' and not has_staffing_tables then 'not_reported'
            when not is_parent_printed and children_not_printed_count = 0 then 'derived'
            when not is_parent_printed or printed_value is null or children_not_printed_count > 0 then 'not_printed'
            else {{
                reconciliation_status('printed_value - children_sum', rounding_tolerance('child_count', 'unit_size'))
            }}
        end as status
    from grid
)

select
    {{ surrogate_key(['document_id', 'node_id', 'metric', 'category', 'direction']) }} as reconciliation_key,
    {{ surrogate_key(['document_id']) }} as document_key,
    {{ surrogate_key(['goal_code']) }} as goal_key,
    case when action_plan_code is not null then {{ surrogate_key(['action_plan_code']) }} end as action_plan_key,
    document_id,
    node_id as parent_node_id,
    node_code as parent_code,
    node_level as parent_level,
    child_level,
    goal_code,
    action_plan_code,
    metric,
    category,
    direction,
    unit,
    cast(value_year as integer) as value_year,
    cast(printed_value as decimal(18, 2)) as printed_value,
    cast(case when status in ('not_reported') then null else children_sum end as decimal(18, 2)) as children_sum,
    cast(child_count as integer) as child_count,
    cast(children_not_printed_count as integer) as children_not_printed_count,
    cast(case when status in ('exact', 'rounding', 'gap') then printed_value - children_sum end as decimal(18, 2))
        as difference,
    {{ rounding_tolerance('child_count', 'unit_size') }} as tolerance,
    status,
    status = 'derived' as is_derived,
    cast(case when status = 'derived' then children_sum end as decimal(18, 2)) as derived_value,
    -- sqlfluff reads this `not` as a function name:
    not (  -- noqa: LT01,LT06
        layout = 'district09' and metric in ('actual_prev', 'paid_prev_fte')
    ) as is_prev_year_applicable,
    cell_page as page,
    cell_line as line
from classified
