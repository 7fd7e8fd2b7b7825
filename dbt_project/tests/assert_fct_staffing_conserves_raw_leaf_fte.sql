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

{{ totals_that_differ('raw_leaves', 'mart', ['document_id'], ['n_leaves', 'plan_fte', 'paid_fte', 'paid_prev_fte']) }}
