-- Printed values are never overwritten: every raw budget row appears exactly once in
-- fct_spending_reported with identical printed strings and parsed values.
-- a Dagster asset check on the model it guards (the test reads several)
{{ config(meta={'dagster': {'ref': {'name': 'fct_spending_reported'}}}) }}
select b.document_id, b.node_id, b.category, b.direction
from {{ source('gent', 'budget_lines') }} as b
left join {{ ref('fct_spending_reported') }} as r
    on r.document_id = b.document_id
    and r.node_id = b.node_id
    and r.category = b.category
    and r.direction = b.direction
where r.document_id is null
    or r.budget_raw is distinct from b.budget_raw
    or r.actual_raw is distinct from b.actual_raw
    or r.execution_pct_raw is distinct from b.execution_pct_raw
    or r.actual_prev_raw is distinct from b.actual_prev_raw
    or r.change_pct_raw is distinct from b.change_pct_raw
    or r.budget_eur is distinct from b.budget
    or r.actual_eur is distinct from b.actual
    or r.actual_prev_eur is distinct from b.actual_prev
    or r.execution_pct_printed is distinct from b.execution_pct
    or r.change_pct_printed is distinct from b.change_pct
union all
select document_id, node_id, category, direction
from {{ ref('fct_spending_reported') }}
group by all
having count(*) > 1
