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

select r.*, m.budget as mart_budget, m.actual as mart_actual, m.actual_prev as mart_actual_prev, m.n_rows as mart_rows
from raw_leaves as r
full outer join mart as m
    on m.document_id = r.document_id
where r.document_id is null
    or m.document_id is null
    or r.n_rows <> m.n_rows
    or r.budget is distinct from m.budget
    or r.actual is distinct from m.actual
    or r.actual_prev is distinct from m.actual_prev
