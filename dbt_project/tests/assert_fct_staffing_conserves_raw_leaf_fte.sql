-- Conservation of staffing: per document, Σ VTE in fct_staffing equals Σ VTE of the raw leaf
-- staffing rows, and every raw leaf has exactly one fct_staffing row.
-- a Dagster asset check on the model it guards (the test reads several)
{{ config(meta={'dagster': {'ref': {'name': 'fct_staffing'}}}) }}
with

raw_leaves as (
    select
        n.document_id,
        count(*) as n_leaves,
        sum(s.plan_fte) as plan_fte,
        sum(s.paid_fte) as paid_fte,
        sum(s.paid_prev_fte) as paid_prev_fte
    from {{ source('gent', 'nodes') }} as n
    left join {{ source('gent', 'staffing_lines') }} as s
        on s.document_id = n.document_id
        and s.node_id = n.node_id
    where n.level in ('action', 'project')
    group by all
),

mart as (
    select
        document_id,
        count(*) as n_leaves,
        sum(plan_fte) as plan_fte,
        sum(paid_fte) as paid_fte,
        sum(paid_prev_fte) as paid_prev_fte
    from {{ ref('fct_staffing') }}
    group by all
)

select r.*, m.n_leaves as mart_leaves, m.plan_fte as mart_plan_fte, m.paid_fte as mart_paid_fte
from raw_leaves as r
full outer join mart as m
    on m.document_id = r.document_id
where r.document_id is null
    or m.document_id is null
    or r.n_leaves <> m.n_leaves
    or r.plan_fte is distinct from m.plan_fte
    or r.paid_fte is distinct from m.paid_fte
    or r.paid_prev_fte is distinct from m.paid_prev_fte
