-- Conservation: per document, the totals of fct_spending equal the totals of all raw leaf rows,
-- to the euro (budget, actual, actual_prev, and the number of rows).
-- a Dagster asset check on the model it guards (the test reads several)
{{ config(meta={'dagster': {'ref': {'name': 'fct_spending'}}}) }}
with

raw_leaves as (
    select
        b.document_id,
        sum(b.budget) as budget,
        sum(b.actual) as actual,
        sum(b.actual_prev) as actual_prev,
        count(*) as n_rows
    from {{ source('gent', 'budget_lines') }} as b
    inner join {{ source('gent', 'nodes') }} as n
        on n.document_id = b.document_id
        and n.node_id = b.node_id
    where n.level in ('action', 'project')
    group by all
),

mart as (
    select
        document_id,
        sum(budget_eur) as budget,
        sum(actual_eur) as actual,
        sum(actual_prev_eur) as actual_prev,
        count(*) as n_rows
    from {{ ref('fct_spending') }}
    group by all
)

{{ totals_that_differ('raw_leaves', 'mart', ['document_id'], ['n_rows', 'budget', 'actual', 'actual_prev']) }}
