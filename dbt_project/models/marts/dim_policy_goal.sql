-- One row per policy goal (beleidsdoelstelling) code: the same SD across reports and years is one goal.
with

goals as (
    select
        *,
        row_number() over (partition by node_code order by report_year desc, document_id desc) as recency
    from {{ ref('int_policy_nodes_joined_to_tree') }}
    where node_level = 'goal'
),

summary as (
    select
        node_code,
        min(report_year) as first_report_year,
        max(report_year) as last_report_year,
        count(distinct document_id) as document_count
    from goals
    group by node_code
),

plans as (
    select goal_code, count(distinct node_code) as action_plan_count
    from {{ ref('int_policy_nodes_joined_to_tree') }}
    where node_level = 'action_plan'
    group by goal_code
)

select
    {{ surrogate_key(['g.node_code']) }} as goal_key,
    g.node_code as goal_code,
    g.title_printed as goal_title,
    cast(coalesce(p.action_plan_count, 0) as integer) as action_plan_count,
    s.first_report_year,
    s.last_report_year,
    cast(s.document_count as integer) as document_count,
    g.document_id,
    g.page,
    g.line
from goals as g
inner join summary as s
    on s.node_code = g.node_code
left join plans as p
    on p.goal_code = g.node_code
where g.recency = 1
