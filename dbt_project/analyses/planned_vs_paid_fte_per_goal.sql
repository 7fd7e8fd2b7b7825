-- Planned vs paid staffing (VTE) per policy goal and report, from the marts alone: the sum over
-- the goal's leaves (fct_staffing) next to the goal total as printed (fct_staffing_reported, 2024
-- reports only). A report without staffing tables (District09 2021) shows null with the reason
-- not_reported, never 0.
with

leaves as (
    select
        f.document_key,
        f.goal_key,
        f.fiscal_year,
        sum(f.plan_fte) as plan_fte_leaves,
        sum(f.paid_fte) as paid_fte_leaves,
        count(*) as leaf_count,
        count(*) filter (where f.fte_null_reason is not null) as leaves_without_fte,
        min(f.fte_null_reason) as fte_null_reason
    from {{ ref('fct_staffing') }} as f
    group by all
),

printed as (
    select document_key, goal_key, plan_fte, paid_fte, paid_pct_printed
    from {{ ref('fct_staffing_reported') }}
    where node_level = 'goal'
)

select
    d.report_year,
    d.theme,
    g.goal_code,
    g.goal_title,
    l.fiscal_year,
    l.leaf_count,
    l.plan_fte_leaves,
    l.paid_fte_leaves,
    round(100.0 * l.paid_fte_leaves / nullif(l.plan_fte_leaves, 0), 1) as paid_pct_leaves,
    p.plan_fte as plan_fte_printed,
    p.paid_fte as paid_fte_printed,
    p.paid_pct_printed,
    case when l.leaves_without_fte = l.leaf_count then l.fte_null_reason end as fte_null_reason
from leaves as l
inner join {{ ref('dim_policy_goal') }} as g
    on g.goal_key = l.goal_key
inner join {{ ref('dim_document') }} as d
    on d.document_key = l.document_key
left join printed as p
    on p.document_key = l.document_key
    and p.goal_key = l.goal_key
order by d.report_year desc, d.theme asc, g.goal_code asc
