-- One row per conformed action or project (geconformeerde actie): a Stad action and its OCMW
-- twin are one row carrying both codes; amounts stay in fct_spending (sum over action_key).
with

conformed as (
    select * from {{ ref('int_actions_conformed') }}
),

services as (
    select service_printed, service_canonical from {{ ref('int_services_normalised') }}
)

select
    {{ surrogate_key(['c.action_nk']) }} as action_key,
    c.action_nk,
    c.leaf_level,
    c.stad_code,
    c.ocmw_code,
    c.district09_code,
    coalesce(
        nullif(concat_ws(' + ', c.stad_code, c.ocmw_code, c.district09_code), ''),
        '(kop verloren: ' || c.node_id || ')'
    ) as codes,
    c.entity_codes,
    c.entity_count,
    c.member_leaf_count,
    c.is_paired,
    c.match_method,
    c.match_score,
    c.edit_distance,
    c.title_printed,
    c.ocmw_title_printed,
    {{ service_key('s.service_canonical') }} as service_key,
    c.service_printed,
    s.service_canonical as service_name,
    {{ surrogate_key(['c.action_plan_code']) }} as action_plan_key,
    c.action_plan_code,
    {{ surrogate_key(['c.goal_code']) }} as goal_key,
    c.goal_code,
    c.project_status,
    c.project_phase,
    c.period_start,
    c.period_end,
    c.is_header_lost,
    c.first_report_year,
    c.last_report_year,
    c.document_count,
    c.document_id,
    c.node_id,
    c.page,
    c.line
from conformed as c
left join services as s
    on s.service_printed = c.service_printed
