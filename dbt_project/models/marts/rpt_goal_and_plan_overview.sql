-- What the overview report shows per report for each goal and action plan, so the report reads
-- it instead of deriving it: the operating expenditure (exploitatie uitgaven) with its execution
-- rate, as printed, or for a goal whose report prints no totals (District09 2021) derived from its
-- plans in rpt_reconciliation; and per goal the planned and paid VTE as printed, next to their
-- sums over the goal's leaves (fct_staffing) and the reconciliation status of the paid VTE.
with

nodes as (
    select document_id, node_id, node_code, node_level, goal_code, action_plan_code
    from {{ ref('int_policy_nodes_joined_to_tree') }}
    where node_level in ('goal', 'action_plan')
        and {{ documents_to_build() }}
),

printed as (
    select
        document_id,
        node_id,
        budget_eur,
        actual_eur,
        execution_pct_printed,
        page,
        line
    from {{ ref('fct_spending_reported') }}
    where category = 'exploitatie' and direction = 'uitgaven'
        and node_level in ('goal', 'action_plan')
        and {{ documents_to_build() }}
),

reconciliation as (
    select * from {{ ref('rpt_reconciliation') }}
    where parent_level = 'goal'
        and {{ documents_to_build() }}
),

-- a goal's totals that its report does not print: the sum of its plans
derived as (
    select
        document_id,
        parent_node_id as node_id,
        max(derived_value) filter (where metric = 'budget') as budget_eur,
        max(derived_value) filter (where metric = 'actual') as actual_eur,
        min(page) as page,
        min(line) as line
    from reconciliation
    where is_derived
        and category = 'exploitatie' and direction = 'uitgaven'
        and metric in ('budget', 'actual')
    group by document_id, parent_node_id
),

staffing_printed as (
    select
        document_id,
        parent_node_id as node_id,
        goal_key,
        max(printed_value) filter (where metric = 'plan_fte') as planned_fte,
        max(printed_value) filter (where metric = 'paid_fte') as paid_fte,
        max(status) filter (where metric = 'paid_fte') as paid_fte_status,
        min(page) as page,
        min(line) as line
    from reconciliation
    where metric in ('plan_fte', 'paid_fte')
    group by document_id, parent_node_id, goal_key
),

staffing_leaves as (
    select document_id, goal_key, sum(plan_fte) as planned_fte, sum(paid_fte) as paid_fte
    from {{ ref('fct_staffing') }}
    where {{ documents_to_build() }}
    group by document_id, goal_key
)

select
    {{ surrogate_key(['n.document_id', 'n.node_id']) }} as overview_key,
    {{ surrogate_key(['n.document_id']) }} as document_key,
    {{ surrogate_key(['n.goal_code']) }} as goal_key,
    case when n.action_plan_code is not null then {{ surrogate_key(['n.action_plan_code']) }} end as action_plan_key,
    n.document_id,
    n.node_id,
    n.node_code,
    n.node_level,
    n.goal_code,
    n.action_plan_code,
    -- a printed row wins; a derived total stands only where the goal prints none
    case when p.node_id is not null then 'printed' when d.node_id is not null then 'derived' end as operating_origin,
    cast(
        case when p.node_id is not null then p.budget_eur else d.budget_eur end as decimal(18, 2)
    ) as operating_budget_eur,
    cast(
        case when p.node_id is not null then p.actual_eur else d.actual_eur end as decimal(18, 2)
    ) as operating_actual_eur,
    cast(
        case
            when p.node_id is not null then p.execution_pct_printed
            when d.node_id is not null then {{ percentage_of('d.actual_eur', 'd.budget_eur') }}
        end as decimal(12, 1)
    ) as operating_execution_rate_pct,
    cast(coalesce(p.page, d.page) as integer) as operating_page,
    cast(coalesce(p.line, d.line) as integer) as operating_line,
    cast(s.planned_fte as decimal(18, 2)) as planned_fte,
    cast(s.paid_fte as decimal(18, 2)) as paid_fte,
    cast({{ percentage_of('s.paid_fte', 's.planned_fte') }} as decimal(12, 1)) as paid_vs_planned_pct,
    cast(l.planned_fte as decimal(18, 2)) as planned_fte_leaves,
    cast(l.paid_fte as decimal(18, 2)) as paid_fte_leaves,
    s.paid_fte_status,
    cast(s.page as integer) as staffing_page,
    cast(s.line as integer) as staffing_line
from nodes as n
left join printed as p
    on p.document_id = n.document_id
    and p.node_id = n.node_id
left join derived as d
    on d.document_id = n.document_id
    and d.node_id = n.node_id
left join staffing_printed as s
    on s.document_id = n.document_id
    and s.node_id = n.node_id
left join staffing_leaves as l
    on l.document_id = s.document_id
    and l.goal_key = s.goal_key
