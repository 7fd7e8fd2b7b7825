-- One row per action plan (actieplan) code: the same OD/PO across reports and years is one plan.
-- Attributes come from the most recent report that prints the plan.
with

plans as (
    select
        *,
        row_number() over (partition by node_code order by report_year desc, document_id desc) as recency
    from {{ ref('int_policy_nodes_joined_to_tree') }}
    where node_level = 'action_plan'
),

summary as (
    select
        node_code,
        min(report_year) as first_report_year,
        max(report_year) as last_report_year,
        count(distinct document_id) as document_count,
        count(distinct goal_code) as goal_code_count
    from plans
    group by node_code
)

select
    {{ surrogate_key(['p.node_code']) }} as action_plan_key,
    p.node_code as action_plan_code,
    case left(p.node_code, 2)
        when 'OD' then 'operationele doelstelling'
        when 'PO' then 'projectmatige doelstelling'
    end as plan_type,
    p.title_printed as action_plan_title,
    {{ surrogate_key(['p.goal_code']) }} as goal_key,
    p.goal_code,
    p.period_start,
    p.period_end,
    p.plan_owner,
    s.first_report_year,
    s.last_report_year,
    cast(s.document_count as integer) as document_count,
    s.goal_code_count > 1 as has_changed_goal,
    p.document_id,
    p.page,
    p.line
from plans as p
inner join summary as s
    on s.node_code = p.node_code
where p.recency = 1
