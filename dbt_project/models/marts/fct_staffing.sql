-- Additive staffing facts at leaf grain: one row per leaf (action or project) × entity × fiscal
-- year with planned and paid VTE (full-time equivalents). Every leaf of every report has a row:
-- a report without staffing tables (District09 2021) gives null values with
-- fte_null_reason = 'not_reported', never 0.
with

leaves as (
    select * from {{ ref('int_policy_nodes_joined_to_tree') }}
    where is_leaf
        and {{ documents_to_build(also=documents_with_stale_service_keys()) }}
),

staffing as (
    select * from {{ ref('stg_gent__staffing_lines') }}
),

paired as (
    select document_id, node_id, action_nk from {{ ref('int_actions_paired') }}
),

services as (
    select service_printed, service_canonical from {{ ref('int_services_normalised') }}
)

select
    {{ surrogate_key(['l.document_id', 'l.node_id']) }} as staffing_key,
    {{ fact_keys(
        'l.document_id',
        'l.goal_code',
        'l.action_plan_code',
        action_nk='p.action_nk',
        entity='l.entity_code',
        service='sv.service_canonical'
    ) }},
    l.document_id,
    l.node_id,
    l.node_code as leaf_code,
    l.node_level as leaf_level,
    coalesce(l.entity_code, 'unknown') as entity_code,
    l.entity_code_imputed,
    l.entity_imputation_method,
    l.action_plan_code,
    l.goal_code,
    coalesce(s.fiscal_year, l.report_year) as fiscal_year,
    coalesce(s.previous_fiscal_year, l.previous_year) as previous_fiscal_year,
    s.plan_fte,
    s.paid_fte,
    s.paid_prev_fte,
    case
        when not l.has_staffing_tables then 'not_reported'
        when s.node_id is null then 'table_not_printed'
        when s.plan_fte is null or s.paid_fte is null or s.paid_prev_fte is null then 'cell_not_printed'
        else 'reported'
    end as fte_status,
    case
        when not l.has_staffing_tables then 'not_reported'
        when s.node_id is null then 'table_not_printed'
        when s.plan_fte is null or s.paid_fte is null or s.paid_prev_fte is null then 'cell_not_printed'
    end as fte_null_reason,
    l.is_header_lost,
    s.table_no,
    coalesce(s.page, l.page) as page,
    coalesce(s.line, l.line) as line
from leaves as l
inner join paired as p
    on p.document_id = l.document_id
    and p.node_id = l.node_id
left join staffing as s
    on s.document_id = l.document_id
    and s.node_id = l.node_id
left join services as sv
    on sv.service_printed = l.service_printed
