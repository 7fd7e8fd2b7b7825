-- Deduplication conserves money: summing fct_spending per conformed action (dim_action) and then
-- over all conformed actions gives the same totals as the raw leaf rows, per document, to the
-- euro; and every raw leaf belongs to exactly one conformed action.
-- a Dagster asset check on the model it guards (the test reads several)
{{ config(meta={'dagster': {'ref': {'name': 'dim_action'}}}) }}
with

raw_leaves as (
    select b.document_id, b.node_id, sum(b.budget) as budget, sum(b.actual) as actual, sum(b.actual_prev) as actual_prev
    from {{ source('gent', 'budget_lines') }} as b
    inner join {{ source('gent', 'nodes') }} as n
        on n.document_id = b.document_id
        and n.node_id = b.node_id
    where n.level in ('action', 'project')
    group by all
),

per_action as (
    select
        f.document_id,
        a.action_key,
        sum(f.budget_eur) as budget,
        sum(f.actual_eur) as actual,
        sum(f.actual_prev_eur) as actual_prev
    from {{ ref('fct_spending') }} as f
    inner join {{ ref('dim_action') }} as a
        on a.action_key = f.action_key
    group by all
),

doc_from_actions as (
    select document_id, sum(budget) as budget, sum(actual) as actual, sum(actual_prev) as actual_prev
    from per_action
    group by all
),

doc_from_raw as (
    select document_id, sum(budget) as budget, sum(actual) as actual, sum(actual_prev) as actual_prev
    from raw_leaves
    group by all
),

leaf_membership as (
    select r.document_id, r.node_id, count(distinct f.action_key) as n_actions
    from raw_leaves as r
    left join {{ ref('fct_spending') }} as f
        on f.document_id = r.document_id
        and f.node_id = r.node_id
    group by all
)

select 'document total differs' as failure, r.document_id, null as node_id
from doc_from_raw as r
left join doc_from_actions as a
    on a.document_id = r.document_id
where a.document_id is null
    or r.budget is distinct from a.budget
    or r.actual is distinct from a.actual
    or r.actual_prev is distinct from a.actual_prev
union all
select 'leaf not in exactly one conformed action', document_id, node_id
from leaf_membership
where n_actions <> 1
