-- One row per conformed action or project (geconformeerde actie): a Stad/OCMW pair carries both
-- codes and both entities; any other leaf stands alone. The same codes in several reports are one
-- conformed action; descriptive attributes come from the most recent report (then the Stad member).
with

members as (
    select
        p.*,
        t.title_printed,
        t.service_printed,
        t.goal_code,
        t.action_plan_code,
        t.project_status,
        t.project_phase,
        t.period_start,
        t.period_end,
        t.report_year,
        t.page,
        t.line,
        -- preference of the member that describes the conformed action
        row_number() over (
            partition by p.action_nk
            order by
                t.report_year desc, p.document_id desc,
                case p.entity_code when 'stad' then 1 when 'ocmw' then 2 else 3 end, p.node_id asc
        ) as preference
    from {{ ref('int_actions_paired') }} as p
    inner join {{ ref('int_policy_nodes_joined_to_tree') }} as t
        on t.document_id = p.document_id
        and t.node_id = p.node_id
),

aggregated as (
    select
        action_nk,
        max(case when entity_code = 'stad' then node_code end) as stad_code,
        max(case when entity_code = 'ocmw' then node_code end) as ocmw_code,
        max(case when entity_code = 'district09' then node_code end) as district09_code,
        string_agg(distinct entity_code, '+' order by entity_code desc) as entity_codes,
        count(distinct entity_code) as entity_count,
        count(*) as member_leaf_count,
        count(distinct document_id) as document_count,
        min(report_year) as first_report_year,
        max(report_year) as last_report_year,
        bool_or(is_paired) as is_paired,
        bool_or(is_header_lost) as is_header_lost,
        max(case when is_paired then match_method end) as match_method,
        min(match_score) as match_score,
        max(edit_distance) as edit_distance,
        max(case when entity_code = 'ocmw' then title_printed end) as ocmw_title_printed
    from members
    group by action_nk
)

select
    a.action_nk,
    m.node_level as leaf_level,
    a.stad_code,
    a.ocmw_code,
    a.district09_code,
    coalesce(a.entity_codes, 'unknown') as entity_codes,
    cast(a.entity_count as integer) as entity_count,
    cast(a.member_leaf_count as integer) as member_leaf_count,
    cast(a.document_count as integer) as document_count,
    a.is_paired,
    coalesce(a.match_method, 'unpaired') as match_method,
    a.match_score,
    cast(a.edit_distance as integer) as edit_distance,
    m.title_printed,
    case when a.is_paired and (a.ocmw_title_printed is distinct from m.title_printed) then a.ocmw_title_printed end
        as ocmw_title_printed,
    m.service_printed,
    m.goal_code,
    m.action_plan_code,
    m.project_status,
    m.project_phase,
    m.period_start,
    m.period_end,
    a.is_header_lost,
    a.first_report_year,
    a.last_report_year,
    m.document_id,
    m.node_id,
    m.page,
    m.line
from aggregated as a
inner join members as m
    on m.action_nk = a.action_nk
    and m.preference = 1
